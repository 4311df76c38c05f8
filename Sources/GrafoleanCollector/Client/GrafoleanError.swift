/// An error talking to the Grafolean backend.
///
/// The ``code`` says what kind of failure it is, ``isRetryable`` whether trying again later can
/// help, and ``message`` what happened in words a user can act on. Bot tokens never appear in it.
public struct GrafoleanError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. New codes may be added: switch with a `default`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case backendUnreachable = "backend unreachable"
            case timeout = "timeout"
            case backendNotReady = "backend not ready"
            case invalidToken = "invalid token"
            case permissionDenied = "permission denied"
            case notFound = "not found"
            case inputRejected = "input rejected"
            case tooManyRequests = "too many requests"
            case serverError = "server error"
            case undecodableResponse = "undecodable response"
            case invalidConfiguration = "invalid configuration"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The backend could not be reached (connection refused, DNS, TLS or network failure).
        public static let backendUnreachable = Code(.backendUnreachable)
        /// The backend did not answer in time.
        public static let timeout = Code(.timeout)
        /// The backend answers but is not ready (database down or migration needed).
        public static let backendNotReady = Code(.backendNotReady)
        /// The backend does not know the bot token (401).
        public static let invalidToken = Code(.invalidToken)
        /// The bot lacks a permission (403).
        public static let permissionDenied = Code(.permissionDenied)
        /// The resource does not exist (404).
        public static let notFound = Code(.notFound)
        /// The backend rejected what was sent (400 or 422), with its own message.
        public static let inputRejected = Code(.inputRejected)
        /// The backend asked to slow down (429).
        public static let tooManyRequests = Code(.tooManyRequests)
        /// The backend failed (5xx).
        public static let serverError = Code(.serverError)
        /// The answer could not be decoded as what the endpoint should return.
        public static let undecodableResponse = Code(.undecodableResponse)
        /// The client's own configuration is wrong (for example a base URL without `/api`).
        public static let invalidConfiguration = Code(.invalidConfiguration)

        /// A short name of the code.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What happened, in words a user can act on.
    public let message: String
    /// The request that failed, as `METHOD /api/...` with the token redacted, if any.
    public let endpoint: String?
    /// The HTTP status the backend answered with, if it answered.
    public let status: Int?

    /// Creates an error.
    public init(code: Code, message: String, endpoint: String? = nil, status: Int? = nil) {
        self.code = code
        self.message = message
        self.endpoint = endpoint
        self.status = status
    }

    /// Whether the same request may succeed later: unreachable, timeout, not ready, 429 and 5xx.
    public var isRetryable: Bool {
        switch code {
        case .backendUnreachable, .timeout, .backendNotReady, .tooManyRequests, .serverError: return true
        default: return false
        }
    }

    /// `<endpoint>: <message>`.
    public var description: String {
        if let endpoint { return "\(endpoint): \(message)" }
        return message
    }
}
