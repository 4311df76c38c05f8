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
