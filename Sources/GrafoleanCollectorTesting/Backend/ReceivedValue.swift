/// A value the backend accepted (`POST` or `PUT /api/accounts/<A>/values/`).
public struct ReceivedValue: Sendable, Hashable {
    /// The account it was written to.
    public let account: Int
    /// The path (`ping.127%2e0%2e0%2e1.rtt`).
    public let path: String
    /// The value (may be NaN or infinite: the backend accepts `"NaN"` and `"Infinity"`).
    public let value: Double
    /// `"POST"` or `"PUT"`.
    public let method: String
    /// UNIX seconds, rounded to microseconds as the database stores them: the backend's clock at
    /// arrival for POST, the given `t` for PUT.
    public let time: Double
    /// The id of the bot that wrote it.
    public let bot: Int

    /// Creates a received value.
    public init(account: Int, path: String, value: Double, method: String, time: Double, bot: Int) {
        self.account = account
        self.path = path
        self.value = value
        self.method = method
        self.time = time
        self.bot = bot
    }
}
