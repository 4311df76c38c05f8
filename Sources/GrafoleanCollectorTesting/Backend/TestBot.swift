/// A bot seeded into a ``GrafoleanTestBackend``: its user id and its token.
public struct TestBot: Sendable, Hashable {
    /// The bot's user id (as in `GET /api/profile/` → `user_id`).
    public let id: Int
    /// The bot's token, to pass as `?b=<token>`.
    public let token: String

    /// Creates a bot reference.
    public init(id: Int, token: String) {
        self.id = id
        self.token = token
    }
}
