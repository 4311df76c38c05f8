import GrafoleanCollector

/// A JSON value as Python's `json` module holds it.
///
/// The real backend is Python, and its answers depend on details that `JSONValue` does not keep:
/// integers and floats are different types (`1` vs `1.0` in error messages), objects keep their
/// member order (the order of `details` in answers), a repeated key keeps its first position but
/// its last value.
indirect enum PyJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer of any size, as normalised decimal text (`-12`, `0`).
    case int(String)
    case float(Double)
    case string(String)
    case array([PyJSON])
    case object(PyObject)
}

/// A JSON object with its members in insertion order.
struct PyObject: Sendable, Hashable {
    private(set) var keys: [String] = []
    private(set) var values: [PyJSON] = []

    init() {}

    init(_ members: [(String, PyJSON)]) {
        for (key, value) in members { self[key] = value }
    }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    /// The members in order.
    var members: Zip2Sequence<[String], [PyJSON]> { zip(keys, values) }

    /// Reads a member; setting an existing key replaces its value but keeps its position (as a Python dict).
    subscript(key: String) -> PyJSON? {
        get {
            guard let index = keys.firstIndex(of: key) else { return nil }
            return values[index]
        }
        set {
            if let index = keys.firstIndex(of: key) {
                if let newValue {
                    values[index] = newValue
                } else {
                    keys.remove(at: index)
                    values.remove(at: index)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// Appends a member known not to be present (the parser deduplicates on its own).
    mutating func appendUnique(_ key: String, _ value: PyJSON) {
        keys.append(key)
        values.append(value)
    }

    mutating func replaceValue(at index: Int, with value: PyJSON) {
        values[index] = value
    }
}

extension PyJSON {
    /// Python truthiness: `None`, `False`, zero, and empty strings, lists and dicts are false.
    var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let value): return value
        case .int(let text): return text != "0"
        case .float(let value): return value != 0
        case .string(let value): return !value.isEmpty
        case .array(let value): return !value.isEmpty
        case .object(let value): return !value.isEmpty
        }
    }

    var objectValue: PyObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// Converts from the public `JSONValue` (whose objects have no order: keys are sorted).
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let bool): self = .bool(bool)
        case .number(let number):
            if number.rounded() == number, abs(number) < 9_007_199_254_740_992 {
                self = .int(String(Int64(number)))
            } else {
                self = .float(number)
            }
        case .string(let string): self = .string(string)
        case .array(let array): self = .array(array.map(PyJSON.init))
        case .object(let object):
            var result = PyObject()
            for key in object.keys.sorted() { result.appendUnique(key, PyJSON(object[key]!)) }
            self = .object(result)
        }
    }

    /// Converts to the public `JSONValue` (losing member order and the int/float distinction).
    var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let bool): return .bool(bool)
        case .int(let text): return .number(Double(text) ?? .nan)
        case .float(let value): return .number(value)
        case .string(let string): return .string(string)
        case .array(let array): return .array(array.map(\.jsonValue))
        case .object(let object):
            var result: [String: JSONValue] = [:]
            for (key, value) in object.members { result[key] = value.jsonValue }
            return .object(result)
        }
    }
}

/// Why a request body is not JSON; the backend answers such bodies with a plain 500.
struct PyJSONSyntaxError: Error, CustomStringConvertible {
    let offset: Int
    let reason: String
    var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// Parses JSON the way Python's `json.loads` does for a UTF-8 request body.
///
/// Accepts what Python accepts beyond RFC 8259 (`NaN`, `Infinity`, `-Infinity`, any top-level
/// value), rejects what it rejects (control characters in strings, trailing commas), and limits
/// nesting so that a hostile body cannot exhaust the stack.
struct PyJSONParser {
    static let maximumDepth = 512

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(PyJSONSyntaxError) -> PyJSON {
        var parser = PyJSONParser(bytes: bytes)
        // Python decodes request bytes with 'utf-8-sig' semantics when they start with a BOM.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { parser.index = 3 }
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("extra data") }
        return value
    }

    static func parse(_ bytes: [UInt8]) throws(PyJSONSyntaxError) -> PyJSON {
        do {
            return try bytes.withUnsafeBytes { buffer in try parse(buffer) }
        } catch let error as PyJSONSyntaxError {
            throw error
        } catch {
            throw PyJSONSyntaxError(offset: 0, reason: "\(error)")
        }
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private func error(_ reason: String) -> PyJSONSyntaxError {
        PyJSONSyntaxError(offset: index, reason: reason)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func consume(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] { return false }
        index += count
        return true
    }

    private mutating func parseValue(depth: Int) throws(PyJSONSyntaxError) -> PyJSON {
        guard depth < Self.maximumDepth else { throw error("nesting too deep") }
        guard index < bytes.count else { throw error("expecting value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "n"):
            if consume("null") { return .null }
        case UInt8(ascii: "t"):
            if consume("true") { return .bool(true) }
        case UInt8(ascii: "f"):
            if consume("false") { return .bool(false) }
        case UInt8(ascii: "N"):
            if consume("NaN") { return .float(.nan) }
        case UInt8(ascii: "I"):
            if consume("Infinity") { return .float(.infinity) }
        case UInt8(ascii: "-"):
            if consume("-Infinity") { return .float(-.infinity) }
            return try parseNumber()
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            break
        }
        throw error("expecting value")
    }

    private mutating func parseObject(depth: Int) throws(PyJSONSyntaxError) -> PyJSON {
        index += 1  // {
        var object = PyObject()
        // Large objects get an index so that deduplicating keys stays linear.
        var positions: [String: Int]? = nil
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("expecting property name enclosed in double quotes")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expecting ':' delimiter") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            if positions == nil, object.count >= 16 {
                var built: [String: Int] = [:]
                for (offset, existing) in object.keys.enumerated() { built[existing] = offset }
                positions = built
            }
            if positions != nil {
                if let position = positions![key] {
                    object.replaceValue(at: position, with: value)
                } else {
                    positions![key] = object.count
                    object.appendUnique(key, value)
                }
            } else if let position = object.keys.firstIndex(of: key) {
                object.replaceValue(at: position, with: value)
            } else {
                object.appendUnique(key, value)
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("expecting ',' delimiter") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            throw error("expecting ',' delimiter")
        }
    }

    private mutating func parseArray(depth: Int) throws(PyJSONSyntaxError) -> PyJSON {
        index += 1  // [
        var array: [PyJSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            array.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw error("expecting ',' delimiter") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            throw error("expecting ',' delimiter")
        }
    }

    private mutating func parseNumber() throws(PyJSONSyntaxError) -> PyJSON {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("expecting value") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        var isFloat = false
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "."), isDigit(bytes[index + 1]) {
            isFloat = true
            index += 2
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            var probe = index + 1
            if probe < bytes.count, bytes[probe] == UInt8(ascii: "+") || bytes[probe] == UInt8(ascii: "-") { probe += 1 }
            if probe < bytes.count, isDigit(bytes[probe]) {
                isFloat = true
                index = probe
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isFloat {
            // Python's float() of a JSON number never fails: overflow gives inf.
            return .float(Double(text) ?? (text.hasPrefix("-") ? -.infinity : .infinity))
        }
        return .int(text == "-0" ? "0" : text)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func parseString() throws(PyJSONSyntaxError) -> String {
        index += 1  // opening quote
        let start = index
        var isPlainASCII = true
        // Fast path: no escapes, checked for control characters; UTF-8 validated on creation.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if isPlainASCII { return String(decoding: slice, as: UTF8.self) }
                guard let string = String(validating: slice, as: UTF8.self) else {
                    throw PyJSONSyntaxError(offset: start, reason: "invalid UTF-8")
                }
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("invalid control character") }
            if byte >= 0x80 { isPlainASCII = false }
            index += 1
        }
        // Slow path with escapes.
        var scalars = String.UnicodeScalarView()
        guard let prefix = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) else {
            throw PyJSONSyntaxError(offset: start, reason: "invalid UTF-8")
        }
        scalars.append(contentsOf: prefix.unicodeScalars)
        var runStart = index
        func flushRun(_ end: Int) throws(PyJSONSyntaxError) {
            guard end > runStart else { return }
            guard let run = String(validating: UnsafeRawBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self) else {
                throw PyJSONSyntaxError(offset: runStart, reason: "invalid UTF-8")
            }
            scalars.append(contentsOf: run.unicodeScalars)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                try flushRun(index)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("invalid control character") }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            try flushRun(index)
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                let first = try parseHex4()
                var scalarValue = first
                if (0xD800...0xDBFF).contains(first), index + 6 <= bytes.count,
                    bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                {
                    let saved = index
                    index += 2
                    let second = try parseHex4()
                    if (0xDC00...0xDFFF).contains(second) {
                        scalarValue = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    } else {
                        index = saved
                    }
                }
                // Python keeps lone surrogates; Swift strings cannot, so they become U+FFFD.
                scalars.append(Unicode.Scalar(scalarValue) ?? "\u{FFFD}")
            default:
                throw error("invalid \\escape")
            }
            runStart = index
        }
        throw PyJSONSyntaxError(offset: start - 1, reason: "unterminated string")
    }

    private mutating func parseHex4() throws(PyJSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("invalid \\uXXXX escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\uXXXX escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }
}
