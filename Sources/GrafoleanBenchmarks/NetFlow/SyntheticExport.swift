/// NetFlow v9 export datagrams of generated traffic, in softflowd's IPv4 record layout.
enum SyntheticExport {
    /// softflowd's v9 IPv4 template fields (type, length): 42-byte records.
    static let fields: [(type: UInt64, length: UInt64)] = [
        (8, 4), (12, 4), (22, 4), (21, 4), (1, 4), (2, 4), (10, 4), (14, 4), (61, 1), (136, 1), (7, 2), (11, 2), (4, 1), (6, 1), (60, 1), (5, 1),
    ]
    static let templateID: UInt64 = 1024

    static func put(_ bytes: inout [UInt8], _ value: UInt64, _ length: Int) {
        for index in (0..<length).reversed() { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }

    static func header(_ bytes: inout [UInt8], count: Int, sequence: Int) {
        put(&bytes, 9, 2); put(&bytes, UInt64(count), 2); put(&bytes, 1000, 4); put(&bytes, 1_700_000_000, 4); put(&bytes, UInt64(sequence), 4); put(&bytes, 0, 4)
    }

    /// The template datagram.
    static func template(sequence: Int = 0) -> [UInt8] {
        var bytes: [UInt8] = []
        header(&bytes, count: 1, sequence: sequence)
        put(&bytes, 0, 2); put(&bytes, UInt64(8 + fields.count * 4), 2); put(&bytes, templateID, 2); put(&bytes, UInt64(fields.count), 2)
        for field in fields { put(&bytes, field.type, 2); put(&bytes, field.length, 2) }
        return bytes
    }

    /// `flowCount` flows of varied traffic (addresses, ports, TCP/UDP/ICMP, sizes, interfaces,
    /// both directions), `perDatagram` to a data datagram.
    static func datagrams(flowCount: Int, perDatagram: Int = 30) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var flow = 0
        var sequence = 1
        while flow < flowCount {
            let count = min(perDatagram, flowCount - flow)
            var data: [UInt8] = []
            header(&data, count: count, sequence: sequence)
            put(&data, templateID, 2); put(&data, UInt64(4 + count * 42), 2)
            for _ in 0..<count {
                let n = UInt64(flow)
                let proto: UInt64 = n % 20 == 0 ? 1 : n % 4 == 0 ? 17 : 6
                let packets = 1 + (n &* 2_654_435_761) % 100
                put(&data, 0x0A00_0000 + n % 50_000, 4)  // 10.0.0.0/16: 50,000 sources
                put(&data, 0xC0A8_0000 + (n &* 7_919) % 4_096, 4)  // 192.168.0.0/20: 4,096 destinations
                put(&data, 900, 4); put(&data, 990, 4)
                put(&data, packets * (40 + (n % 1_400)), 4); put(&data, packets, 4)
                put(&data, 1 + n % 4, 4); put(&data, 1 + (n / 4) % 4, 4)
                put(&data, n % 3 == 0 ? 1 : 0, 1); put(&data, 1, 1)
                put(&data, proto == 1 ? 0 : 1_024 + n % 60_000, 2); put(&data, proto == 1 ? 0 : [53, 80, 443, 22, 123, 8_080][Int(n % 6)], 2)
                put(&data, proto, 1); put(&data, proto == 6 ? 0x18 : 0, 1); put(&data, 4, 1); put(&data, 0, 1)
                flow += 1
            }
            datagrams.append(data)
            sequence += 1
        }
        return datagrams
    }
}
