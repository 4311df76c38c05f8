/// An error of the test backend itself (not an HTTP answer).
public struct GrafoleanTestBackendError: Error, Sendable, CustomStringConvertible {
    /// What kind of error this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case timedOut, listenFailed, notRunning
        }

        private let value: Value

        /// ``GrafoleanTestBackend/waitForValues(count:account:timeout:)`` ran out of time.
        public static let timedOut = Code(value: .timedOut)
        /// The listener could not be opened (the port is taken, for example).
        public static let listenFailed = Code(value: .listenFailed)
        /// The backend was asked to come back after ``GrafoleanTestBackend/shutdown()``.
        public static let notRunning = Code(value: .notRunning)

        /// The code's name.
        public var description: String {
            switch value {
            case .timedOut: "timedOut"
            case .listenFailed: "listenFailed"
            case .notRunning: "notRunning"
            }
        }
    }

    /// What kind of error this is.
    public let code: Code
    /// What went wrong, and where.
    public let message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the message.
    public var description: String { "GrafoleanTestBackendError.\(code): \(message)" }
}
