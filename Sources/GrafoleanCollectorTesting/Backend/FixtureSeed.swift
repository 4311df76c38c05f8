/// The ids of the state behind `fixtures/grafolean-backend-exchanges.json`
/// (see ``GrafoleanTestBackend/seedFixtureState(stage:)``).
public struct FixtureSeed: Sendable, Hashable {
    /// How much of the fixtures' history to seed.
    public enum Stage: Sendable, Hashable {
        /// The state the fixtures start from: "Seed account" with its defaults, "Seed ping bot"
        /// (`…b0a1`, the web UI's permissions) and the entity "localhost" it pings.
        case seedAccount
        /// Everything the fixtures create later too: "Other account", "Bare bot" (`…b0a2`, no
        /// permissions), "Odd bot" (protocol `no-such-protocol`) and "Systemwide ping" (`…b0a3`)
        /// with the `accounts` permission granted in the fixtures.
        case complete
    }

    /// "Seed account", 404273002.
    public let account: Int
    /// Its default credentials and sensors.
    public let defaults: AccountDefaults
    /// "Seed ping bot", 1262271313, token `5e1d0b07-0000-4000-8000-00000000b0a1`.
    public let pingBot: TestBot
    /// "Seed ping credential", 1022578897.
    public let pingCredential: Int
    /// "Seed ping sensor", 1825602633 (default interval 30 s).
    public let pingSensor: Int
    /// "localhost", 1130086091: `{"ipv4":"127.0.0.1"}`, pinged by the seed bot.
    public let entity: Int
    /// "Other account", 2018329566 (``Stage/complete`` only).
    public let otherAccount: Int?
    /// "Bare bot", 1803062902, token `…b0a2`, no permissions (``Stage/complete`` only).
    public let bareBot: TestBot?
    /// "Systemwide ping", 2088359666, token `…b0a3`, permission `accounts` (``Stage/complete`` only).
    public let systemwideBot: TestBot?
}
