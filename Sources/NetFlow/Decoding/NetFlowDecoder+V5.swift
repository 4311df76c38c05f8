extension NetFlowDecoder {
    static let v5HeaderLength = 24
    static let v5RecordLength = 48

    mutating func decodeV5(
        _ bytes: UnsafeRawBufferPointer,
        exporter: FlowAddress,
        result: inout DecodeResult,
        into flows: inout [FlowRecord]
    ) {
        guard bytes.count >= Self.v5HeaderLength else {
            fail(&result, .truncatedHeader, exporter, 0, "v5 header is 24 bytes")
            return
        }
        let count = Int(bytes.readUInt16(2))
        let sysUptime = bytes.readUInt32(4)
        let seconds = bytes.readUInt32(8)
        let nanoseconds = bytes.readUInt32(12)
        let sourceID = UInt32(bytes[20]) << 8 | UInt32(bytes[21])
        // Top 2 bits: sampling mode; low 14 bits: interval. Any non-zero interval is applied.
        let interval = UInt32(bytes.readUInt16(22) & 0x3FFF)
        let rate = max(interval, 1)
        let available = (bytes.count - Self.v5HeaderLength) / Self.v5RecordLength
        if count > available || count == 0 || count > 30 {
            fail(&result, .recordCountMismatch, exporter, 2, "v5 count does not match the datagram length")
        }
        let exportMilliseconds = UInt64(seconds) &* 1000 &+ UInt64(nanoseconds / 1_000_000)
        for index in 0..<min(count, available) {
            let base = Self.v5HeaderLength + index * Self.v5RecordLength
            let first = bytes.readUInt32(base + 24)
            let last = bytes.readUInt32(base + 28)
            flows.append(
                FlowRecord(
                    exporter: exporter,
                    sourceID: sourceID,
                    version: 5,
                    startMilliseconds: exportMilliseconds &- UInt64(sysUptime &- first),
                    endMilliseconds: exportMilliseconds &- UInt64(sysUptime &- last),
                    sourceAddress: FlowAddress(ipv4: bytes.readUInt32(base)),
                    destinationAddress: FlowAddress(ipv4: bytes.readUInt32(base + 4)),
                    sourcePort: bytes.readUInt16(base + 32),
                    destinationPort: bytes.readUInt16(base + 34),
                    protocolNumber: bytes[base + 38],
                    bytes: UInt64(bytes.readUInt32(base + 20)) &* UInt64(rate),
                    packets: UInt64(bytes.readUInt32(base + 16)) &* UInt64(rate),
                    inputInterface: UInt32(bytes.readUInt16(base + 12)),
                    outputInterface: UInt32(bytes.readUInt16(base + 14)),
                    samplingRate: rate
                )
            )
        }
        result.flowCount &+= min(count, available)
    }
}
