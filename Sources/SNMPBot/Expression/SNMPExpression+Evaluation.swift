import Foundation

extension SNMPExpression.Node {
    /// Evaluates the node; errors name the operation or the `$N`.
    func evaluate(_ value: (Int) -> Double?, expression: String) throws(SNMPExpressionError) -> Double {
        switch self {
        case .number(let number):
            return number
        case .variable(let variable):
            guard let number = value(variable) else {
                throw SNMPExpressionError(code: .missingValue, message: "$\(variable) has no numeric value", expression: expression)
            }
            return number
        case .negate(let operand):
            return -(try operand.evaluate(value, expression: expression))
        case .binary(let operation, let left, let right):
            let lhs = try left.evaluate(value, expression: expression)
            let rhs = try right.evaluate(value, expression: expression)
            return try Self.apply(operation, lhs, rhs, expression: expression)
        case .call(let function, let arguments):
            var values: [Double] = []
            values.reserveCapacity(arguments.count)
            for argument in arguments {
                values.append(try argument.evaluate(value, expression: expression))
            }
            return Self.apply(function, values)
        }
    }

    static func apply(_ operation: SNMPExpression.BinaryOperator, _ lhs: Double, _ rhs: Double, expression: String) throws(SNMPExpressionError) -> Double {
        switch operation {
        case .add: return lhs + rhs
        case .subtract: return lhs - rhs
        case .multiply: return lhs * rhs
        case .power: return pow(lhs, rhs)
        case .divide, .floorDivide, .modulo:
            guard rhs != 0 else {
                throw SNMPExpressionError(code: .divisionByZero, message: "division by zero ('\(operation.rawValue)' with a divisor of 0)", expression: expression)
            }
            switch operation {
            case .divide:
                return lhs / rhs
            case .floorDivide:
                return (lhs / rhs).rounded(.down)
            default:
                // Python's modulo takes the divisor's sign: -7 % 3 == 2.
                var remainder = lhs.truncatingRemainder(dividingBy: rhs)
                if remainder != 0, (remainder < 0) != (rhs < 0) { remainder += rhs }
                return remainder
            }
        }
    }

    static func apply(_ function: SNMPExpression.Function, _ values: [Double]) -> Double {
        switch function {
        case .abs:
            return Swift.abs(values[0])
        case .min:
            return values.min() ?? .nan
        case .max:
            return values.max() ?? .nan
        case .round:
            guard values.count == 2 else { return values[0].rounded(.toNearestOrEven) }
            guard values[1].isFinite else { return .nan }
            let digits = Int(Swift.max(-308, Swift.min(308, values[1].rounded(.towardZero))))
            let factor = pow(10.0, Double(digits))
            return (values[0] * factor).rounded(.toNearestOrEven) / factor
        }
    }
}
