/// A failure of the NetFlow bot itself (not of one datagram: those are ``NetFlow/NetFlowError``s).
public struct NetFlowBotError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The state directory could not be written.
        case stateNotWritten
        /// The UDP port could not be bound.
        case cannotListen
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, for the log.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
