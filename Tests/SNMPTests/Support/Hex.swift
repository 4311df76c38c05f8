/// Bytes from hex text; whitespace is ignored (fixtures are pasted from `snmpget -d`).
func bytes(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd number of hex digits in fixture")
    var result: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        guard let byte = UInt8(digits[index..<next], radix: 16) else {
            preconditionFailure("invalid hex fixture")
        }
        result.append(byte)
        index = next
    }
    return result
}

func hexString(_ value: [UInt8]) -> String {
    value.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
