extension ExportMessage {
    /// A NetFlow v5 datagram of 48-byte `records`; `count` in the header may differ from the
    /// records given (to build a lying header), `sampling` is the header's raw field (mode in the
    /// top 2 bits, rate in the low 14).
    package static func v5(
        records: [[UInt8]], count: UInt16? = nil, sampling: UInt16 = 0, engine: (type: UInt8, id: UInt8) = (0, 0),
        sysUptime: UInt32 = 100_000, exportSeconds: UInt32 = 1_700_000_000, sequence: UInt32 = 7
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.put16(5)
        bytes.put16(count ?? UInt16(records.count))
        bytes.put32(sysUptime)
        bytes.put32(exportSeconds)
        bytes.put32(0)
        bytes.put32(sequence)
        bytes.append(engine.type)
        bytes.append(engine.id)
        bytes.put16(sampling)
        return bytes + records.flatMap { $0 }
    }

    /// One v5 record (IPv4 addresses only): first and last switched at uptimes 90 and 99 s, TCP
    /// flags 0x10, /24 masks, no AS numbers.
    package static func v5Record(
        source: FlowAddress, destination: FlowAddress, sourcePort: UInt16, destinationPort: UInt16, protocolNumber: UInt8,
        bytes: UInt32, packets: UInt32, input: UInt16 = 0, output: UInt16 = 0, tcpFlags: UInt8 = 0x10
    ) -> [UInt8] {
        var record: [UInt8] = []
        record.put(source)
        record.put(destination)
        record.put32(0)  // next hop
        record.put16(input)
        record.put16(output)
        record.put32(packets)
        record.put32(bytes)
        record.put32(90_000)
        record.put32(99_000)
        record.put16(sourcePort)
        record.put16(destinationPort)
        record.append(0)
        record.append(tcpFlags)
        record.append(protocolNumber)
        record.append(0)
        record.put32(0)  // AS numbers
        record.append(24)
        record.append(24)
        record.put16(0)
        return record
    }
}
