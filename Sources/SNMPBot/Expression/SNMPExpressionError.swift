/// Why a sensor's expression cannot be parsed, or why it gave no value for one set of inputs.
///
/// Parse errors carry the 1-based character ``position`` and say what was expected there;
/// evaluation errors (division by zero, a missing input) say which operation or `$N`.
public struct SNMPExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of error. New codes may be added: switch with a `default`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case empty = "empty expression"
            case unexpectedCharacter = "unexpected character"
            case unexpectedToken = "unexpected token"
            case unexpectedEnd = "unexpected end"
            case invalidNumber = "invalid number"
            case invalidVariable = "invalid variable"
            case unknownFunction = "unknown function"
            case wrongArgumentCount = "wrong argument count"
            case tooComplex = "too complex"
            case divisionByZero = "division by zero"
            case missingValue = "missing value"
            case notFinite = "not finite"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The expression is empty or only blanks.
        public static let empty = Code(.empty)
        /// A character that no token starts with (letters outside function names, `#`, `;`, …).
        public static let unexpectedCharacter = Code(.unexpectedCharacter)
        /// A valid token where it cannot stand (`$1 $2`, `* 3`, `)`).
        public static let unexpectedToken = Code(.unexpectedToken)
        /// The expression ends where more was expected (`$1 +`, `(1`).
        public static let unexpectedEnd = Code(.unexpectedEnd)
        /// A malformed number (`1e`, `1.2.3`).
        public static let invalidNumber = Code(.invalidNumber)
        /// `$` without a number, or `$0`.
        public static let invalidVariable = Code(.invalidVariable)
        /// A name that is not one of the functions.
        public static let unknownFunction = Code(.unknownFunction)
        /// A function called with the wrong number of arguments.
        public static let wrongArgumentCount = Code(.wrongArgumentCount)
        /// Longer than ``SNMPExpression/maximumLength`` or nested deeper than ``SNMPExpression/maximumDepth``.
        public static let tooComplex = Code(.tooComplex)
        /// Evaluation divided (or took a modulo) by zero.
        public static let divisionByZero = Code(.divisionByZero)
        /// Evaluation needed a `$N` that has no numeric value (first counter sample, text, missing instance).
        public static let missingValue = Code(.missingValue)
        /// Evaluation overflowed or left the real numbers (`(-1) ** 0.5`).
        public static let notFinite = Code(.notFinite)

        /// A short name of the code.
        public var description: String { base.rawValue }
    }

    /// What kind of error this is.
    public var code: Code
    /// What was wrong, in words a user can act on.
    public var message: String
    /// The 1-based character position in the expression (parse errors only).
    public var position: Int?
    /// The expression's text.
    public var expression: String

    /// Creates an error.
    public init(code: Code, message: String, position: Int? = nil, expression: String) {
        self.code = code
        self.message = message
        self.position = position
        self.expression = expression
    }

    /// `expression '<text>': <message>`.
    public var description: String {
        "expression '\(expression)': \(message)"
    }
}
