extension GrafoleanClient {
    /// How a ``GrafoleanClient`` reaches the backend.
    public struct Configuration: Sendable {
        /// The backend's base URL, ending in `/api` (for example `https://grafolean.example.com/api`).
        public var backendURL: String
        /// The bot's token, sent as `?b=` (the only form the backend accepts).
        public var token: BotToken
        /// How long to wait for a TCP (and TLS) connection. Default 5 s.
        public var connectTimeout: Duration
        /// How long one whole request may take, connecting included. Default 30 s.
        public var requestTimeout: Duration
        /// A PEM file of CA certificates to trust instead of the system's, for a backend behind a private CA.
        /// Certificates are always verified.
        public var caCertificatesFile: String?
        /// Sent as `User-Agent`.
        public var userAgent: String

        /// Creates a configuration with the defaults: 5 s to connect, 30 s per request, the system's CAs.
        public init(
            backendURL: String,
            token: BotToken,
            connectTimeout: Duration = .seconds(5),
            requestTimeout: Duration = .seconds(30),
            caCertificatesFile: String? = nil,
            userAgent: String = "grafolean-collector-swift"
        ) {
            self.backendURL = backendURL
            self.token = token
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.caCertificatesFile = caCertificatesFile
            self.userAgent = userAgent
        }

        /// The base URL without a trailing slash, checked to be http(s) and to end in `/api`.
        func normalizedBackendURL() throws -> String {
            var url = backendURL.trimmingWhitespace()
            while url.hasSuffix("/") { url.removeLast() }
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw GrafoleanError(
                    code: .invalidConfiguration,
                    message: "backend URL '\(redactingBotToken(backendURL))' must start with http:// or https://"
                )
            }
            guard lower.hasSuffix("/api") else {
                throw GrafoleanError(
                    code: .invalidConfiguration,
                    message: "backend URL '\(redactingBotToken(backendURL))' must end in /api (for example http://grafolean.example.com/api)"
                )
            }
            guard !url.contains("?") else {
                throw GrafoleanError(code: .invalidConfiguration, message: "backend URL must not contain a query; give the token separately")
            }
            return String(url)
        }
    }
}
