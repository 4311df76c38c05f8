import Testing

@testable import SNMPBot

@Suite("Sensor expressions")
struct ExpressionTests {
    func value(_ text: String, _ values: [Int: Double] = [:]) throws -> Double {
        try SNMPExpression(parsing: text).evaluate(values)
    }

    func parseError(_ text: String) -> SNMPExpressionError? {
        do {
            _ = try SNMPExpression(parsing: text)
            return nil
        } catch {
            return error
        }
    }

    @Test func referenceExpressions() throws {
        #expect(try value("$2", [1: 7, 2: 1234]) == 1234)
        #expect(try value("$2 / 1000.0", [2: 45_500]) == 45.5)
        #expect(try value("($1 + $2) * 8", [1: 10, 2: 5]) == 120)
        #expect(try SNMPExpression(parsing: "($1 + $2) * 8 / $3").variables == [1, 2, 3])
    }

    @Test func precedenceAndAssociativityArePython() throws {
        #expect(try value("1 + 2 * 3") == 7)
        #expect(try value("10 - 4 - 3") == 3)
        #expect(try value("2 ** 3 ** 2") == 512)
        #expect(try value("-2 ** 2") == -4)
        #expect(try value("2 ** -1") == 0.5)
        #expect(try value("- - 3") == 3)
        #expect(try value("+3 * -2") == -6)
        #expect(try value("7 // 2") == 3)
        #expect(try value("-7 // 2") == -4)
        #expect(try value("-7 % 3") == 2)
        #expect(try value("7 % -3") == -2)
        #expect(try value("1e3 + .5 + 2.") == 1000.5 + 2)
        #expect(try value("8 × 2 ÷ 4 − 1") == 3)
    }

    @Test func functions() throws {
        #expect(try value("abs($1 - $2)", [1: 3, 2: 10]) == 7)
        #expect(try value("min($1, $2, 4)", [1: 9, 2: 5]) == 4)
        #expect(try value("max($1, 2 * $1)", [1: -3]) == -3)
        #expect(try value("round(2.5)") == 2)
        #expect(try value("round(3.5)") == 4)
        #expect(try value("round($1 / 3, 2)", [1: 10]) == 3.33)
    }

    @Test func parseErrorsSayWhereAndWhat() throws {
        let trailing = try #require(parseError("$2 /"))
        #expect(trailing.code == .unexpectedEnd)
        #expect(trailing.position == 5)
        #expect(trailing.message.contains("a number, $N, a function or '('"))

        let doubled = try #require(parseError("$1 * * 2"))
        #expect(doubled.code == .unexpectedToken)
        #expect(doubled.position == 6)
        #expect(doubled.message.contains("found '*'"))

        let unclosed = try #require(parseError("($1 + 2"))
        #expect(unclosed.code == .unexpectedEnd)
        #expect(unclosed.message.contains("to close the '(' at character 1"))

        let extra = try #require(parseError("$1 $2"))
        #expect(extra.code == .unexpectedToken)
        #expect(extra.position == 4)

        #expect(parseError("")?.code == .empty)
        #expect(parseError("   ")?.code == .empty)
        #expect(parseError("$0")?.code == .invalidVariable)
        #expect(parseError("$ 1")?.code == .invalidVariable)
        #expect(parseError("1.2.3")?.code == .invalidNumber)
        #expect(parseError("2x")?.code == .invalidNumber)
        #expect(parseError("1e")?.code == .invalidNumber)
        #expect(parseError("abs(1, 2)")?.code == .wrongArgumentCount)
        #expect(parseError("round()")?.code == .wrongArgumentCount)
        #expect(parseError("abs 1")?.code == .unexpectedToken)
        #expect(parseError("min(1, 2")?.code == .unexpectedEnd)
    }

    @Test func nothingButArithmeticIsEvaluated() throws {
        for code in ["__import__('os').system('true')", "exec(1)", "$1.real", "open", "eval(1)"] {
            let error = try #require(parseError(code), "\(code) must not parse")
            #expect([.unknownFunction, .unexpectedCharacter, .invalidNumber, .unexpectedToken].contains(error.code), "\(code): \(error)")
        }
        #expect(parseError("system(1)")?.message.contains("the only functions are abs, min, max, round") == true)
        #expect(parseError("$1; 1")?.code == .unexpectedCharacter)
        #expect(parseError("$1 # comment")?.position == 4)
    }

    @Test func hostileInputIsRefusedNotCrashing() {
        #expect(parseError(String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500))?.code == .tooComplex)
        #expect(parseError(String(repeating: "-", count: 200) + "1")?.code == .tooComplex)
        #expect(parseError(String(repeating: "1+", count: 600) + "1")?.code == .tooComplex)
        #expect(parseError("$99999999999999999999")?.code == .invalidVariable)
    }

    @Test func evaluationFailuresGiveNoValue() throws {
        let division = try SNMPExpression(parsing: "$1 / $2")
        #expect(throws: SNMPExpressionError.self) { try division.evaluate([1: 1, 2: 0]) }
        do {
            _ = try division.evaluate([1: 1, 2: 0])
        } catch {
            #expect(error.code == .divisionByZero)
        }
        for text in ["1 // 0", "1 % 0"] {
            #expect(throws: SNMPExpressionError.self) { try value(text) }
        }
        do {
            _ = try division.evaluate([1: 1])
        } catch {
            #expect(error.code == .missingValue)
            #expect(error.message.contains("$2"))
        }
        do {
            _ = try value("10 ** 400")
            Issue.record("overflow must not give a value")
        } catch let error as SNMPExpressionError {
            #expect(error.code == .notFinite)
        }
        #expect(throws: SNMPExpressionError.self) { try value("(-1) ** 0.5") }
    }
}
