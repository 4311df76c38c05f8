extension GrafoleanTestBackend {
    /// A request the backend answered, for request-count assertions.
    public struct RecordedRequest: Sendable, Hashable {
        /// The HTTP method (`GET`, `POST`, ...).
        public let method: String
        /// The path as sent, without the query (`/api/accounts/1/entities/`).
        public let path: String
        /// The query as sent with every `b=` token replaced by `b=REDACTED`; nil without a query.
        public let query: String?
        /// The status code answered.
        public let status: Int
        /// The id of the bot the token belongs to, when the request carried a valid token.
        public let bot: Int?
        /// The backend's clock (UNIX seconds) when the request arrived.
        public let time: Double
        /// The size of the request body in bytes.
        public let bodySize: Int

        /// Creates a record.
        public init(method: String, path: String, query: String?, status: Int, bot: Int?, time: Double, bodySize: Int) {
            self.method = method
            self.path = path
            self.query = query
            self.status = status
            self.bot = bot
            self.time = time
            self.bodySize = bodySize
        }
    }
}
