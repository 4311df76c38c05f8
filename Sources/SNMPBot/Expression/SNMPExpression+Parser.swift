extension SNMPExpression {
    /// One lexical token with its 1-based character position.
    struct Token: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            case number(Double)
            case variable(Int)
            case name(String)
            case symbol(String)
            case end
        }

        var kind: Kind
        var position: Int
        var text: String

        /// How messages name the token: `'*'`, `'$2'`, or "the end of the expression".
        var described: String {
            if case .end = kind { return "the end of the expression" }
            return "'\(text)'"
        }

        func isSymbol(_ symbol: String) -> Bool {
            if case .symbol(let text) = kind { return text == symbol }
            return false
        }
    }

    /// A recursive-descent parser with Python's precedence:
    ///
    /// ```
    /// additive       := multiplicative (("+" | "-") multiplicative)*
    /// multiplicative := unary (("*" | "/" | "//" | "%") unary)*
    /// unary          := ("-" | "+") unary | power
    /// power          := primary ("**" unary)?
    /// primary        := number | "$" digits | function "(" arguments? ")" | "(" additive ")"
    /// ```
    struct Parser {
        let source: String
        let tokens: [Token]
        var index = 0
        var depth = 0

        init(_ source: String) throws(SNMPExpressionError) {
            self.source = source
            guard source.count <= SNMPExpression.maximumLength else {
                throw SNMPExpressionError(
                    code: .tooComplex, message: "the expression has \(source.count) characters; at most \(SNMPExpression.maximumLength) are accepted",
                    expression: source)
            }
            tokens = try Self.tokenize(source)
            guard tokens.count > 1 else {
                throw SNMPExpressionError(code: .empty, message: "the expression is empty: write for example '$1' or '$2 / 1000'", position: 1, expression: source)
            }
        }

        // MARK: Grammar

        mutating func parseAll() throws(SNMPExpressionError) -> Node {
            let node = try parseAdditive()
            guard case .end = current.kind else {
                throw error(
                    .unexpectedToken,
                    "unexpected \(current.described) at character \(current.position): expected an operator (+ - * / // % **) or the end of the expression")
            }
            return node
        }

        private mutating func parseAdditive() throws(SNMPExpressionError) -> Node {
            var left = try parseMultiplicative()
            while let operation = binaryOperator(among: [.add, .subtract]) {
                advance()
                left = .binary(operation, left, try parseMultiplicative())
            }
            return left
        }

        private mutating func parseMultiplicative() throws(SNMPExpressionError) -> Node {
            var left = try parseUnary()
            while let operation = binaryOperator(among: [.multiply, .divide, .floorDivide, .modulo]) {
                advance()
                left = .binary(operation, left, try parseUnary())
            }
            return left
        }

        private mutating func parseUnary() throws(SNMPExpressionError) -> Node {
            if current.isSymbol("-") || current.isSymbol("+") {
                let negative = current.isSymbol("-")
                advance()
                try enter()
                defer { depth -= 1 }
                let operand = try parseUnary()
                return negative ? .negate(operand) : operand
            }
            return try parsePower()
        }

        private mutating func parsePower() throws(SNMPExpressionError) -> Node {
            let base = try parsePrimary()
            guard current.isSymbol("**") else { return base }
            advance()
            try enter()
            defer { depth -= 1 }
            return .binary(.power, base, try parseUnary())
        }

        private mutating func parsePrimary() throws(SNMPExpressionError) -> Node {
            let token = current
            switch token.kind {
            case .number(let value):
                advance()
                return .number(value)
            case .variable(let variable):
                advance()
                return .variable(variable)
            case .name(let name):
                return try parseCall(name, at: token)
            case .symbol("("):
                advance()
                try enter()
                defer { depth -= 1 }
                let inner = try parseAdditive()
                guard current.isSymbol(")") else {
                    throw error(
                        current.kind == .end ? .unexpectedEnd : .unexpectedToken,
                        "expected ')' to close the '(' at character \(token.position), found \(current.described) at character \(current.position)")
                }
                advance()
                return inner
            case .end:
                throw error(
                    .unexpectedEnd,
                    "the expression ends at character \(token.position) where a number, $N, a function or '(' was expected\(afterPrevious)")
            case .symbol:
                throw error(
                    .unexpectedToken,
                    "expected a number, $N, a function or '(' at character \(token.position)\(afterPrevious), found \(token.described)")
            }
        }

        private mutating func parseCall(_ name: String, at token: Token) throws(SNMPExpressionError) -> Node {
            guard let function = Function(rawValue: name) else {
                let known = Function.allCases.map(\.rawValue).joined(separator: ", ")
                throw error(.unknownFunction, "unknown name '\(name)' at character \(token.position): the only functions are \(known)")
            }
            advance()
            guard current.isSymbol("(") else {
                throw error(
                    current.kind == .end ? .unexpectedEnd : .unexpectedToken,
                    "expected '(' after '\(name)' at character \(current.position), found \(current.described)")
            }
            let opening = current.position
            advance()
            try enter()
            defer { depth -= 1 }
            var arguments: [Node] = []
            if !current.isSymbol(")") {
                while true {
                    arguments.append(try parseAdditive())
                    if current.isSymbol(",") {
                        advance()
                        continue
                    }
                    guard current.isSymbol(")") else {
                        throw error(
                            current.kind == .end ? .unexpectedEnd : .unexpectedToken,
                            "expected ',' or ')' to close the '(' of '\(name)' at character \(opening), found \(current.described) at character \(current.position)")
                    }
                    break
                }
            }
            advance()
            guard function.arity.contains(arguments.count) else {
                throw SNMPExpressionError(
                    code: .wrongArgumentCount,
                    message: "'\(name)' at character \(token.position) takes \(function.arityDescription), not \(arguments.count)",
                    position: token.position, expression: source)
            }
            return .call(function, arguments)
        }

        // MARK: Helpers

        private var current: Token { tokens[index] }

        private var afterPrevious: String {
            index > 0 ? " after \(tokens[index - 1].described)" : ""
        }

        private mutating func advance() {
            if index < tokens.count - 1 { index += 1 }
        }

        private func binaryOperator(among operators: [BinaryOperator]) -> BinaryOperator? {
            guard case .symbol(let text) = current.kind, let operation = BinaryOperator(rawValue: text), operators.contains(operation) else {
                return nil
            }
            return operation
        }

        private mutating func enter() throws(SNMPExpressionError) {
            depth += 1
            guard depth <= SNMPExpression.maximumDepth else {
                throw error(.tooComplex, "the expression nests deeper than \(SNMPExpression.maximumDepth) levels at character \(current.position)")
            }
        }

        private func error(_ code: SNMPExpressionError.Code, _ message: String) -> SNMPExpressionError {
            SNMPExpressionError(code: code, message: message, position: current.position, expression: source)
        }

        // MARK: Tokens

        static func tokenize(_ source: String) throws(SNMPExpressionError) -> [Token] {
            let characters = Array(source)
            var tokens: [Token] = []
            var index = 0
            func isDigit(_ character: Character) -> Bool { character.isASCII && character.isWholeNumber }
            func isNameCharacter(_ character: Character) -> Bool { character.isASCII && (character.isLetter || character.isWholeNumber || character == "_") }
            func fail(_ code: SNMPExpressionError.Code, _ message: String, at position: Int) -> SNMPExpressionError {
                SNMPExpressionError(code: code, message: message, position: position, expression: source)
            }

            while index < characters.count {
                let character = characters[index]
                let position = index + 1
                if character.isWhitespace {
                    index += 1
                    continue
                }
                if isDigit(character) || character == "." {
                    var end = index
                    while end < characters.count, isDigit(characters[end]) { end += 1 }
                    if end < characters.count, characters[end] == "." {
                        end += 1
                        while end < characters.count, isDigit(characters[end]) { end += 1 }
                    }
                    if end < characters.count, characters[end] == "e" || characters[end] == "E" {
                        var exponentEnd = end + 1
                        if exponentEnd < characters.count, characters[exponentEnd] == "+" || characters[exponentEnd] == "-" { exponentEnd += 1 }
                        while exponentEnd < characters.count, isDigit(characters[exponentEnd]) { exponentEnd += 1 }
                        end = exponentEnd  // `1e` without digits fails to parse below
                    }
                    // Anything glued to a number (`1.2.3`, `2x`, `1e`) makes it malformed.
                    var glued = end
                    while glued < characters.count, isNameCharacter(characters[glued]) || characters[glued] == "." { glued += 1 }
                    let text = String(characters[index..<glued])
                    guard glued == end, let value = Double(text), value.isFinite else {
                        throw fail(.invalidNumber, "'\(text)' at character \(position) is not a number", at: position)
                    }
                    tokens.append(Token(kind: .number(value), position: position, text: text))
                    index = end
                    continue
                }
                if character == "$" {
                    var end = index + 1
                    while end < characters.count, isDigit(characters[end]) { end += 1 }
                    let digits = String(characters[(index + 1)..<end])
                    guard !digits.isEmpty else {
                        throw fail(.invalidVariable, "'$' at character \(position) must be followed by the number of an OID, as in $1", at: position)
                    }
                    guard let variable = Int(digits), variable >= 1, variable <= 1_000 else {
                        throw fail(.invalidVariable, "$\(digits) at character \(position): OIDs are numbered from $1", at: position)
                    }
                    tokens.append(Token(kind: .variable(variable), position: position, text: "$\(digits)"))
                    index = end
                    continue
                }
                if isNameCharacter(character) {
                    var end = index
                    while end < characters.count, isNameCharacter(characters[end]) { end += 1 }
                    let name = String(characters[index..<end])
                    tokens.append(Token(kind: .name(name), position: position, text: name))
                    index = end
                    continue
                }
                let symbol: String
                switch character {
                case "*", "/":
                    let doubled = index + 1 < characters.count && characters[index + 1] == character
                    symbol = doubled ? "\(character)\(character)" : "\(character)"
                case "+", "-", "%", "(", ")", ",":
                    symbol = "\(character)"
                case "×":
                    symbol = "*"
                case "÷":
                    symbol = "/"
                case "−":
                    symbol = "-"
                default:
                    throw fail(
                        .unexpectedCharacter,
                        "unexpected character '\(character)' at character \(position): use numbers, $N, + - * / // % **, parentheses and abs, min, max, round",
                        at: position)
                }
                tokens.append(Token(kind: .symbol(symbol), position: position, text: String(character) == symbol ? symbol : String(character)))
                index += symbol.count == 2 ? 2 : 1
            }
            tokens.append(Token(kind: .end, position: characters.count + 1, text: ""))
            return tokens
        }
    }
}
