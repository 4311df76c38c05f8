import NetFlow

/// A summary key written to checkpoints as a few bytes instead of a JSON object: a large tile
/// holds hundreds of thousands of keys, and the checkpoint is written every 10 seconds.
protocol PackedKey {
    /// Appends the key's bytes.
    func pack(into bytes: inout [UInt8])
    /// Reads a key written by ``pack(into:)`` at `offset`, advancing it; `nil` if the bytes are not one.
    static func unpack(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> Self?
}

extension PackedKey {
    static func readWord(_ bytes: UnsafeRawBufferPointer, at offset: inout Int, length: Int) -> UInt64? {
        guard offset + length <= bytes.count else { return nil }
        var value: UInt64 = 0
        for index in offset..<offset + length { value = value << 8 | UInt64(bytes[index]) }
        offset += length
        return value
    }

    static func appendWord(_ value: UInt64, length: Int, to bytes: inout [UInt8]) {
        for index in (0..<length).reversed() { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }
}

extension FlowAddress: PackedKey {
    /// A tag byte (4 or 6), then 4 or 16 address bytes.
    func pack(into bytes: inout [UInt8]) {
        if isIPv6 {
            bytes.append(6)
            Self.appendWord(high, length: 8, to: &bytes)
            Self.appendWord(low, length: 8, to: &bytes)
        } else {
            bytes.append(4)
            Self.appendWord(low, length: 4, to: &bytes)
        }
    }

    static func unpack(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> FlowAddress? {
        guard let tag = readWord(bytes, at: &offset, length: 1) else { return nil }
        switch tag {
        case 4: return readWord(bytes, at: &offset, length: 4).map { FlowAddress(ipv4: UInt32($0)) }
        case 6:
            guard let high = readWord(bytes, at: &offset, length: 8), let low = readWord(bytes, at: &offset, length: 8) else { return nil }
            return FlowAddress(ipv6High: high, low: low)
        default: return nil
        }
    }
}

extension AddressPair: PackedKey {
    func pack(into bytes: inout [UInt8]) {
        source.pack(into: &bytes)
        destination.pack(into: &bytes)
    }

    static func unpack(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> AddressPair? {
        guard let source = FlowAddress.unpack(bytes, at: &offset), let destination = FlowAddress.unpack(bytes, at: &offset) else { return nil }
        return AddressPair(source: source, destination: destination)
    }
}

extension UInt16: PackedKey {
    func pack(into bytes: inout [UInt8]) {
        Self.appendWord(UInt64(self), length: 2, to: &bytes)
    }

    static func unpack(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> UInt16? {
        readWord(bytes, at: &offset, length: 2).map { UInt16($0) }
    }
}
