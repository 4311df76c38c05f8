/// A shard setting that cannot be used: a bad index or count, or no ordinal in the host name.
public struct ShardError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Value: String, Sendable {
            case invalidIndex = "invalid shard index"
            case invalidCount = "invalid shard count"
            case noOrdinalInHostName = "no ordinal in the host name"
            case indexWithoutCount = "shard index without a count"
        }
        let value: Value
        /// The index is not a whole number from 0 to count − 1.
        public static let invalidIndex = Code(value: .invalidIndex)
        /// The count is not a whole number of at least 1.
        public static let invalidCount = Code(value: .invalidCount)
        /// No index was given and the host name does not end in `-<number>`.
        public static let noOrdinalInHostName = Code(value: .noOrdinalInHostName)
        /// An index was given without a count.
        public static let indexWithoutCount = Code(value: .indexWithoutCount)
        /// The code's name.
        public var description: String { value.rawValue }
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong and how to fix it, for a person.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
