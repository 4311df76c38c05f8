/// Where the fields we read sit in a record: offset from the record start and length, or absent.
struct RecordLayout: Sendable {
    struct Slot: Sendable {
        var offset: Int32 = -1
        var length: Int32 = 0
        @inline(__always) var isPresent: Bool { offset >= 0 }
    }

    var sourceV4 = Slot(), destinationV4 = Slot(), sourceV6 = Slot(), destinationV6 = Slot()
    var sourcePort = Slot(), destinationPort = Slot(), protocolNumber = Slot(), direction = Slot()
    var bytes = Slot(), packets = Slot(), bytesOut = Slot(), packetsOut = Slot()
    var bytesTotal = Slot(), packetsTotal = Slot()
    var input = Slot(), output = Slot()
    var firstUptime = Slot(), lastUptime = Slot(), startSeconds = Slot(), endSeconds = Slot()
    var startMilliseconds = Slot(), endMilliseconds = Slot(), systemInitMilliseconds = Slot()
    var samplingInterval = Slot(), samplerRandomInterval = Slot(), samplerID = Slot()
    var packetInterval = Slot(), packetSpace = Slot()

    /// Whether records of this layout carry a sampling rate (options data or per-flow).
    var carriesSampling: Bool {
        samplingInterval.isPresent || samplerRandomInterval.isPresent || packetInterval.isPresent
    }

    /// `length` is the field's length in this record (differs from the template's for
    /// variable-length fields).
    mutating func assign(_ field: TemplateField, offset: Int, length: Int) {
        guard field.enterprise == 0, length > 0 else { return }
        let slot = Slot(offset: Int32(truncatingIfNeeded: offset), length: Int32(truncatingIfNeeded: length))
        switch field.type {
        case 1: bytes = slot
        case 2: packets = slot
        case 4: protocolNumber = slot
        case 7: sourcePort = slot
        case 8 where length == 4: sourceV4 = slot
        case 10: input = slot
        case 11: destinationPort = slot
        case 12 where length == 4: destinationV4 = slot
        case 14: output = slot
        case 21: lastUptime = slot
        case 22: firstUptime = slot
        case 23: bytesOut = slot
        case 24: packetsOut = slot
        case 27 where length == 16: sourceV6 = slot
        case 28 where length == 16: destinationV6 = slot
        case 34: samplingInterval = slot
        case 48, 302: samplerID = slot  // v9 FLOW_SAMPLER_ID, IPFIX selectorId
        case 50: samplerRandomInterval = slot
        case 61: direction = slot
        case 85: bytesTotal = slot
        case 86: packetsTotal = slot
        case 150: startSeconds = slot
        case 151: endSeconds = slot
        case 152: startMilliseconds = slot
        case 153: endMilliseconds = slot
        case 160: systemInitMilliseconds = slot
        case 305: packetInterval = slot
        case 306: packetSpace = slot
        default: break
        }
    }

    /// Exporters that send no delta counters may send post-NAT (23/24) or total (85/86) ones.
    mutating func resolveFallbacks() {
        if !bytes.isPresent { bytes = bytesOut.isPresent ? bytesOut : bytesTotal }
        if !packets.isPresent { packets = packetsOut.isPresent ? packetsOut : packetsTotal }
    }
}

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
