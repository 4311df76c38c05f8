import Foundation

/// A sensor's arithmetic expression, such as `$2 / 1000.0` or `($1 + $2) * 8`, parsed once and
/// evaluated for every row of fetched values.
///
/// Only arithmetic: numbers, `$N` (the value of the sensor's N-th OID), `+ - * /`, Python's `//`
/// (floor division), `%` (modulo with the divisor's sign) and `**` (power), parentheses, unary
/// minus, and the functions `abs(x)`, `min(a, b, …)`, `max(a, b, …)` and `round(x[, digits])`
/// (half to even, as Python rounds). Precedence is Python's, so expressions written for Grafolean's
/// Python bot mean the same here. Nothing else is evaluated: no names, attributes or calls beyond
/// these four functions.
public struct SNMPExpression: Sendable, Hashable, CustomStringConvertible {
    /// The longest expression accepted, in characters.
    public static let maximumLength = 1_000
    /// The deepest nesting of parentheses, unary operators and calls accepted.
    public static let maximumDepth = 64

    /// The expression's text as configured.
    public let source: String
    /// The `$N` it uses, ascending.
    public let variables: [Int]
    let root: Node

    /// Parses `source`.
    ///
    /// - Throws: ``SNMPExpressionError`` with the 1-based character position and what was expected there.
    public init(parsing source: String) throws(SNMPExpressionError) {
        var parser = try Parser(source)
        let root = try parser.parseAll()
        self.source = source
        self.root = root
        var variables: Set<Int> = []
        root.collectVariables(into: &variables)
        self.variables = variables.sorted()
    }

    /// Evaluates with `value(N)` giving `$N` (nil: it has no numeric value).
    ///
    /// - Throws: ``SNMPExpressionError`` for a missing `$N`, a division by zero or a non-finite result.
    public func evaluate(_ value: (Int) -> Double?) throws(SNMPExpressionError) -> Double {
        let result = try root.evaluate(value, expression: source)
        guard result.isFinite else {
            throw SNMPExpressionError(code: .notFinite, message: "the result is not a finite number (\(result))", expression: source)
        }
        return result
    }

    /// Evaluates with `$N` taken from `values[N]`.
    public func evaluate(_ values: [Int: Double]) throws(SNMPExpressionError) -> Double {
        try evaluate { values[$0] }
    }

    /// The expression's text.
    public var description: String { source }

    /// A parsed expression.
    indirect enum Node: Sendable, Hashable {
        case number(Double)
        case variable(Int)
        case negate(Node)
        case binary(BinaryOperator, Node, Node)
        case call(Function, [Node])

        func collectVariables(into set: inout Set<Int>) {
            switch self {
            case .number: break
            case .variable(let index): set.insert(index)
            case .negate(let operand): operand.collectVariables(into: &set)
            case .binary(_, let left, let right):
                left.collectVariables(into: &set)
                right.collectVariables(into: &set)
            case .call(_, let arguments):
                for argument in arguments { argument.collectVariables(into: &set) }
            }
        }
    }

    /// The binary operators, spelt as in Python.
    enum BinaryOperator: String, Sendable, Hashable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
    }

    /// The functions an expression may call.
    enum Function: String, Sendable, Hashable, CaseIterable {
        case abs, min, max, round

        /// The accepted argument counts.
        var arity: ClosedRange<Int> {
            switch self {
            case .abs: 1...1
            case .min, .max: 1...Int.max
            case .round: 1...2
            }
        }

        var arityDescription: String {
            switch self {
            case .abs: "exactly 1 argument"
            case .min, .max: "at least 1 argument"
            case .round: "1 or 2 arguments (a number and optionally the digits to keep)"
            }
        }
    }
}
