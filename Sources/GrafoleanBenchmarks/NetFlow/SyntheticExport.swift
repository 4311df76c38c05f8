import NetFlow

/// Export datagrams of generated traffic in each format: NetFlow v9 in softflowd's IPv4 record
/// layout, IPFIX in the same layout with millisecond timestamps, and NetFlow v5.
enum SyntheticExport {
    /// A format to generate.
    enum Format: String, CaseIterable {
        case v5, v9, ipfix
    }

    /// softflowd's v9 IPv4 template fields (type, length): 42-byte records.
    static let v9Fields: [(UInt16, UInt16)] = [
        (8, 4), (12, 4), (22, 4), (21, 4), (1, 4), (2, 4), (10, 4), (14, 4), (61, 1), (136, 1), (7, 2), (11, 2), (4, 1), (6, 1), (60, 1), (5, 1),
    ]
    /// The same for IPFIX, with flowStart/EndMilliseconds (152, 153) for the uptimes: 50-byte records.
    static let ipfixFields: [(UInt16, UInt16)] = v9Fields.map { $0.0 == 22 ? (152, 8) : $0.0 == 21 ? (153, 8) : $0 }
    static let templateID: UInt16 = 1024

    /// What an exporter sends before its data: the template for v9 and IPFIX, nothing for v5
    /// (its layout is fixed).
    static func setup(_ format: Format = .v9, sequence: UInt32 = 0) -> [[UInt8]] {
        guard format != .v5 else { return [] }
        var message = message(format, sequence: sequence)
        message.template(templateID, format == .v9 ? v9Fields : ipfixFields)
        return [message.bytes]
    }

    /// `flowCount` flows of varied traffic (addresses, ports, TCP/UDP/ICMP, sizes, interfaces,
    /// both directions), `perDatagram` to a data datagram (v5 takes at most 30).
    static func datagrams(_ format: Format = .v9, flowCount: Int, perDatagram: Int = 30) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var flow = 0
        var sequence: UInt32 = 1
        while flow < flowCount {
            let count = min(perDatagram, flowCount - flow)
            let flows = (flow..<flow + count).map { Flow(UInt64($0)) }
            switch format {
            case .v5:
                datagrams.append(ExportMessage.v5(records: flows.map(\.v5Record), sysUptime: 1000, sequence: sequence))
            case .v9, .ipfix:
                var message = message(format, sequence: sequence)
                message.data(templateID, flows.map { $0.record(format) })
                datagrams.append(message.bytes)
            }
            flow += count
            sequence += 1
        }
        return datagrams
    }

    private static func message(_ format: Format, sequence: UInt32) -> ExportMessage {
        var message = ExportMessage(version: format == .v9 ? 9 : 10)
        message.sysUptime = 1000
        message.sequence = sequence
        return message
    }

    /// Flow number `n` of the generated traffic.
    struct Flow {
        let n: UInt64
        let protocolNumber: UInt64
        let packets: UInt64

        init(_ n: UInt64) {
            self.n = n
            protocolNumber = n % 20 == 0 ? 1 : n % 4 == 0 ? 17 : 6
            packets = 1 + (n &* 2_654_435_761) % 100
        }

        var source: UInt64 { 0x0A00_0000 + n % 50_000 }  // 10.0.0.0/16: 50,000 sources
        var destination: UInt64 { 0xC0A8_0000 + (n &* 7_919) % 4_096 }  // 192.168.0.0/20: 4,096 destinations
        var bytes: UInt64 { packets * (40 + (n % 1_400)) }
        var input: UInt64 { 1 + n % 4 }
        var output: UInt64 { 1 + (n / 4) % 4 }
        var sourcePort: UInt64 { protocolNumber == 1 ? 0 : 1_024 + n % 60_000 }
        var destinationPort: UInt64 { protocolNumber == 1 ? 0 : [53, 80, 443, 22, 123, 8_080][Int(n % 6)] }
        var tcpFlags: UInt64 { protocolNumber == 6 ? 0x18 : 0 }

        /// The record in softflowd's layout (v9) or the IPFIX variant.
        func record(_ format: Format) -> [UInt8] {
            var data: [UInt8] = []
            data.put(source, 4)
            data.put(destination, 4)
            if format == .v9 {
                data.put(900, 4); data.put(990, 4)
            } else {
                data.put(1_699_999_999_900, 8); data.put(1_699_999_999_990, 8)
            }
            data.put(bytes, 4); data.put(packets, 4)
            data.put(input, 4); data.put(output, 4)
            data.put(n % 3 == 0 ? 1 : 0, 1); data.put(1, 1)
            data.put(sourcePort, 2); data.put(destinationPort, 2)
            data.put(protocolNumber, 1); data.put(tcpFlags, 1); data.put(4, 1); data.put(0, 1)
            return data
        }

        /// The v5 record (no direction field: every flow counts as ingress, and as egress by its
        /// output interface under the bot's default rule).
        var v5Record: [UInt8] {
            ExportMessage.v5Record(
                source: FlowAddress(ipv4: UInt32(source)), destination: FlowAddress(ipv4: UInt32(destination)), sourcePort: UInt16(sourcePort),
                destinationPort: UInt16(destinationPort), protocolNumber: UInt8(protocolNumber), bytes: UInt32(bytes), packets: UInt32(packets),
                input: UInt16(input), output: UInt16(output), tcpFlags: UInt8(tcpFlags))
        }
    }
}
