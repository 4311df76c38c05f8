extension UnsafeRawBufferPointer {
    // Callers check bounds once per header, set or record; these reads do not.
    @inline(__always) func readUInt16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always) func readUInt32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always) func readUInt64(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// An unsigned big-endian integer of any length (reduced-size encoding); longer than 8
    /// bytes keeps the low 8.
    @inline(__always) func readUnsigned(_ offset: Int, length: Int) -> UInt64 {
        switch length {
        case 1: return UInt64(self[offset])
        case 2: return UInt64(readUInt16(offset))
        case 4: return UInt64(readUInt32(offset))
        case 8: return readUInt64(offset)
        default:
            var value: UInt64 = 0
            for index in Swift.max(0, length - 8)..<length {
                value = value << 8 | UInt64(self[offset + index])
            }
            return value
        }
    }

    @inline(__always) func read(_ slot: RecordLayout.Slot, base: Int) -> UInt64 {
        slot.isPresent ? readUnsigned(base + Int(slot.offset), length: Int(slot.length)) : 0
    }

    @inline(__always) func readAddress(v4: RecordLayout.Slot, v6: RecordLayout.Slot, base: Int) -> FlowAddress {
        if v6.isPresent {
            let offset = base + Int(v6.offset)
            let high = readUInt64(offset)
            let low = readUInt64(offset + 8)
            // Templates with both families fill the unused one with zeros.
            if high != 0 || low != 0 || !v4.isPresent { return FlowAddress(ipv6High: high, low: low) }
        }
        if v4.isPresent { return FlowAddress(ipv4: readUInt32(base + Int(v4.offset))) }
        return .zero
    }
}
