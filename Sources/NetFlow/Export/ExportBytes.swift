/// Big-endian writing, for the datagrams ``ExportMessage`` puts together.
extension Array where Element == UInt8 {
    /// Appends the low `length` bytes of `value`, most significant first.
    package mutating func put(_ value: UInt64, _ length: Int) {
        for index in (0..<length).reversed() {
            append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))))
        }
    }

    /// Appends two bytes.
    package mutating func put16(_ value: UInt16) { put(UInt64(value), 2) }

    /// Appends four bytes.
    package mutating func put32(_ value: UInt32) { put(UInt64(value), 4) }

    /// Appends an address as exported: 4 bytes for IPv4, 16 for IPv6.
    package mutating func put(_ address: FlowAddress) {
        if address.isIPv6 {
            put(address.high, 8)
            put(address.low, 8)
        } else {
            put(address.low, 4)
        }
    }
}
