import Foundation

/// The few pieces of Python (and PostgreSQL) behaviour that show through the backend's answers:
/// how values are printed in error messages, what `float()` accepts, what PostgreSQL's numeric
/// input accepts. Kept apart so that the request handling reads like the backend's rules.
enum PythonSemantics {
    // MARK: str() and repr()

    /// `str(value)`: what Python's `"{}".format(value)` prints (strings bare, everything else as repr).
    static func str(_ value: PyJSON) -> String {
        if case .string(let string) = value { return string }
        return repr(value)
    }

    /// `repr(value)`: `None`, `True`, `1`, `1.0`, `'a'`, `[1, 'a']`, `{'a': 1}`.
    static func repr(_ value: PyJSON) -> String {
        switch value {
        case .null: return "None"
        case .bool(let bool): return bool ? "True" : "False"
        case .int(let text): return text
        case .float(let double): return floatRepr(double)
        case .string(let string): return stringRepr(string)
        case .array(let array): return "[" + array.map(repr).joined(separator: ", ") + "]"
        case .object(let object):
            return "{" + object.members.map { stringRepr($0) + ": " + repr($1) }.joined(separator: ", ") + "}"
        }
    }

    /// `repr(str)`: single quotes unless the text holds a single quote and no double quote.
    static func stringRepr(_ string: String) -> String {
        let quote: Character = string.contains("'") && !string.contains("\"") ? "\"" : "'"
        var result = String(quote)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if Character(scalar) == quote {
                    result += "\\" + String(quote)
                } else if scalar.value < 0x20 || (0x7F...0xA0).contains(scalar.value) {
                    result += "\\x" + hex(scalar.value, width: 2)
                } else if (0x2028...0x2029).contains(scalar.value) || (0xD800...0xDFFF).contains(scalar.value) {
                    result += "\\u" + hex(scalar.value, width: 4)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        result.append(quote)
        return result
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// `repr(float)`: shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16, else `1e+16` style.
    static func floatRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (digits, exponent) = shortestDigits(abs(value))
        let sign = value < 0 ? "-" : ""
        if exponent >= -4 && exponent < 16 {
            if exponent >= 0 {
                let integerCount = exponent + 1
                if digits.count <= integerCount {
                    return sign + digits + String(repeating: "0", count: integerCount - digits.count) + ".0"
                }
                let split = digits.index(digits.startIndex, offsetBy: integerCount)
                return sign + digits[..<split] + "." + digits[split...]
            }
            return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
        }
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        let exponentText = abs(exponent) < 10 ? "0\(abs(exponent))" : "\(abs(exponent))"
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exponentText
    }

    /// The shortest round-trip decimal digits of a positive finite value (no leading or trailing
    /// zeros) and the decimal exponent of the first digit: 1234.5 is ("12345", 3).
    static func shortestDigits(_ value: Double) -> (digits: String, exponent: Int) {
        // Swift's description is the shortest round-trip representation; only its layout differs.
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fraction: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + fraction
        var firstDigitExponent = exponent + integerPart.count - 1
        while digits.first == "0" {
            digits.removeFirst()
            firstDigitExponent -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits.isEmpty ? "0" : digits, firstDigitExponent)
    }

    // MARK: float()

    /// Python's `float(text)`, or nil where it raises ValueError.
    ///
    /// Accepts surrounding Unicode whitespace, a sign, `inf`/`infinity`/`nan` in any case,
    /// underscores between digits and non-ASCII decimal digits, as Python does.
    static func pythonFloat(_ text: String) -> Double? {
        let trimmed = text.unicodeScalars.drop(while: { $0.properties.isWhitespace })
            .reversed().drop(while: { $0.properties.isWhitespace }).reversed()
        var scalars = Array(trimmed)
        guard !scalars.isEmpty else { return nil }
        var negative = false
        if scalars[0] == "+" || scalars[0] == "-" {
            negative = scalars[0] == "-"
            scalars.removeFirst()
        }
        let lowered = String(String.UnicodeScalarView(scalars)).lowercased()
        if lowered == "inf" || lowered == "infinity" { return negative ? -.infinity : .infinity }
        if lowered == "nan" { return .nan }
        // Map decimal digits to ASCII and check the underscore/digit/point/exponent grammar.
        var ascii = ""
        var previousWasDigit = false
        var sawDigit = false
        var sawPoint = false
        var sawExponent = false
        var exponentDigits = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if let digit = decimalDigit(scalar) {
                ascii.append(Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(digit))))
                previousWasDigit = true
                if sawExponent { exponentDigits = true } else { sawDigit = true }
            } else if scalar == "_" {
                // Only between two digits.
                guard previousWasDigit, index + 1 < scalars.count, decimalDigit(scalars[index + 1]) != nil else { return nil }
                previousWasDigit = false
            } else if scalar == "." {
                guard !sawPoint, !sawExponent else { return nil }
                sawPoint = true
                previousWasDigit = false
                ascii.append(".")
            } else if scalar == "e" || scalar == "E" {
                guard sawDigit, !sawExponent else { return nil }
                sawExponent = true
                previousWasDigit = false
                ascii.append("e")
                if index + 1 < scalars.count, scalars[index + 1] == "+" || scalars[index + 1] == "-" {
                    ascii.append(Character(scalars[index + 1]))
                    index += 1
                }
            } else {
                return nil
            }
            index += 1
        }
        guard sawDigit, !sawExponent || exponentDigits else { return nil }
        return parseDecimal(ascii, negative: negative)
    }

    private static func decimalDigit(_ scalar: Unicode.Scalar) -> Int? {
        if scalar.isASCII {
            return scalar.value >= 0x30 && scalar.value <= 0x39 ? Int(scalar.value - 0x30) : nil
        }
        guard scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue else { return nil }
        return Int(value)
    }

    /// Parses `[digits][.digits][e[+-]digits]` (validated by the caller); overflow gives infinity.
    private static func parseDecimal(_ ascii: String, negative: Bool) -> Double? {
        var text = ascii
        if text.hasPrefix(".") { text = "0" + text }
        text = text.replacingOccurrences(of: ".e", with: ".0e")
        if text.hasSuffix(".") { text += "0" }
        guard let value = Double(text) else { return nil }
        return negative ? -value : value
    }

    // MARK: PostgreSQL numeric input

    /// What PostgreSQL's numeric input makes of `text` (the backend passes a value's `str()` to the
    /// database), or nil where it raises "invalid input syntax" (and the backend answers 500).
    static func postgresNumeric(_ text: String) -> Double? {
        var bytes = Array(text.utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || (0x09...0x0D).contains($0) }
        while let first = bytes.first, isSpace(first) { bytes.removeFirst() }
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        let body = String(decoding: bytes, as: UTF8.self)
        let lowered = body.lowercased()
        if lowered == "nan" { return .nan }
        var unsigned = Substring(lowered)
        var negative = false
        if unsigned.first == "+" || unsigned.first == "-" {
            negative = unsigned.first == "-"
            unsigned = unsigned.dropFirst()
        }
        if unsigned == "inf" || unsigned == "infinity" { return negative ? -.infinity : .infinity }
        // [digits][.digits] with at least one digit, then an optional exponent.
        var sawDigit = false
        var sawPoint = false
        var rest = unsigned[...]
        while let character = rest.first {
            if character.isASCII, character.isNumber {
                sawDigit = true
            } else if character == ".", !sawPoint {
                sawPoint = true
            } else {
                break
            }
            rest = rest.dropFirst()
        }
        guard sawDigit else { return nil }
        if let character = rest.first, character == "e" {
            rest = rest.dropFirst()
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            guard let first = rest.first, first.isASCII, first.isNumber else { return nil }
            while let character = rest.first, character.isASCII, character.isNumber { rest = rest.dropFirst() }
        }
        guard rest.isEmpty else { return nil }
        return parseDecimal(String(unsigned), negative: negative)
    }

    // MARK: Regular expressions

    /// Python's `$` also matches just before a final newline; returns the text without it.
    static func droppingFinalNewline(_ text: Substring) -> Substring {
        text.last == "\n" ? text.dropLast() : text
    }

    /// `^([a-zA-Z0-9_-]|%2e|%3a)+([.]([a-zA-Z0-9_-]|%2e|%3a)+)*$`: the backend's path rule.
    static func isValidPath(_ path: String) -> Bool {
        let bytes = Array(droppingFinalNewline(Substring(path)).utf8)
        var index = 0
        var segmentLength = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                segmentLength += 1
                index += 1
            case UInt8(ascii: "%"):
                guard index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "2") && bytes[index + 2] == UInt8(ascii: "e")
                    || bytes[index + 1] == UInt8(ascii: "3") && bytes[index + 2] == UInt8(ascii: "a")
                else { return false }
                segmentLength += 1
                index += 3
            case UInt8(ascii: "."):
                guard segmentLength > 0 else { return false }
                segmentLength = 0
                index += 1
            default:
                return false
            }
        }
        return segmentLength > 0
    }

    /// `^[1-9][0-9]{1,9}([.][0-9]{1,6})?$`: the backend's rule for a timestamp given as text.
    static func isValidTimestampText(_ text: String) -> Bool {
        let bytes = Array(droppingFinalNewline(Substring(text)).utf8)
        let isDigit: (UInt8) -> Bool = { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard let first = bytes.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") else { return false }
        var index = 1
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        let integerDigits = index
        guard (2...10).contains(integerDigits) else { return false }
        if index == bytes.count { return true }
        guard bytes[index] == UInt8(ascii: ".") else { return false }
        let fraction = bytes[(index + 1)...]
        return (1...6).contains(fraction.count) && fraction.allSatisfy(isDigit)
    }

    /// `^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`: the bot token rule.
    static func isWellFormedToken(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard bytes.count == 36 else { return false }
        for (offset, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(offset) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                let isHex = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
                guard isHex else { return false }
            }
        }
        return true
    }

    /// Python's `int(text)` for a path parameter (pydantic v1), or nil where it raises.
    static func pythonInt(_ text: String) -> Int? {
        var scalars = Array(text.unicodeScalars.drop(while: { $0.properties.isWhitespace })
            .reversed().drop(while: { $0.properties.isWhitespace }).reversed())
        var negative = false
        if let first = scalars.first, first == "+" || first == "-" {
            negative = first == "-"
            scalars.removeFirst()
        }
        guard !scalars.isEmpty else { return nil }
        var value = 0
        var previousWasDigit = false
        for (offset, scalar) in scalars.enumerated() {
            if let digit = decimalDigit(scalar) {
                let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (added, overflow2) = multiplied.addingReportingOverflow(digit)
                // Beyond 64 bits no stored id can match; treat like "no such record".
                if overflow1 || overflow2 { return Int.max }
                value = added
                previousWasDigit = true
            } else if scalar == "_", previousWasDigit, offset + 1 < scalars.count {
                previousWasDigit = false
            } else {
                return nil
            }
        }
        guard previousWasDigit else { return nil }
        return negative ? -value : value
    }
}
