/// Thrown when a value cannot be written as JSON (Python's `allow_nan=False`): the backend answers 500.
struct PyJSONEncodingError: Error {}

extension PyJSON {
    /// Encodes like the backend's responses: `json.dumps(value, ensure_ascii=False, allow_nan=False,
    /// separators=(",", ":"))`, that is compact, non-ASCII text as UTF-8, members in order.
    func encoded() throws(PyJSONEncodingError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        try encode(into: &output)
        return output
    }

    func encode(into output: inout [UInt8]) throws(PyJSONEncodingError) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let bool): output.append(contentsOf: (bool ? "true" : "false").utf8)
        case .int(let text): output.append(contentsOf: text.utf8)
        case .float(let value):
            guard value.isFinite else { throw PyJSONEncodingError() }
            output.append(contentsOf: PythonSemantics.floatRepr(value).utf8)
        case .string(let string): Self.encodeString(string, into: &output)
        case .array(let array):
            output.append(UInt8(ascii: "["))
            for (offset, element) in array.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                try element.encode(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in object.members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                Self.encodeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                try value.encode(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func encodeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: "\\\\".utf8)
            case 0x0A: output.append(contentsOf: "\\n".utf8)
            case 0x0D: output.append(contentsOf: "\\r".utf8)
            case 0x09: output.append(contentsOf: "\\t".utf8)
            case 0x08: output.append(contentsOf: "\\b".utf8)
            case 0x0C: output.append(contentsOf: "\\f".utf8)
            case 0..<0x20:
                let hex = String(byte, radix: 16)
                output.append(contentsOf: ("\\u00" + (hex.count == 1 ? "0" : "") + hex).utf8)
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
