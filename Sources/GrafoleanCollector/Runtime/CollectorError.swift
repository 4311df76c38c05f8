/// A failure of the bot runtime itself (not of the backend, see ``GrafoleanError``).
public struct CollectorError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Value: String, Sendable {
            case serviceFailed = "service failed"
            case serviceStoppedUnexpectedly = "service stopped unexpectedly"
        }
        let value: Value
        /// A service of the bot threw.
        public static let serviceFailed = Code(value: .serviceFailed)
        /// A service of the bot returned while the bot was not shutting down.
        public static let serviceStoppedUnexpectedly = Code(value: .serviceStoppedUnexpectedly)
        /// The code's name.
        public var description: String { value.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, for a person.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
