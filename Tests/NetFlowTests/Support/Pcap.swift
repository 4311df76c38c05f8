/// A classic libpcap file (Ethernet link type) built from known packets.
struct PcapFile {
    private(set) var bytes: [UInt8] = []
    private var time: UInt32 = 1_700_000_000
    private var microseconds: UInt32 = 0

    init() {
        appendLittle(0xA1B2_C3D4, 4)
        appendLittle(2, 2)
        appendLittle(4, 2)
        appendLittle(0, 4)
        appendLittle(0, 4)
        appendLittle(65_535, 4)
        appendLittle(1, 4)  // LINKTYPE_ETHERNET
    }

    /// Appends a frame 1 ms after the previous one.
    mutating func add(_ frame: [UInt8]) {
        microseconds += 1_000
        if microseconds >= 1_000_000 {
            microseconds -= 1_000_000
            time += 1
        }
        appendLittle(UInt64(time), 4)
        appendLittle(UInt64(microseconds), 4)
        appendLittle(UInt64(frame.count), 4)
        appendLittle(UInt64(frame.count), 4)
        bytes += frame
    }

    private mutating func appendLittle(_ value: UInt64, _ length: Int) {
        for index in 0..<length { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }
}

/// Ethernet frames with IPv4/IPv6 and UDP, TCP or ICMP, of exact IP lengths.
enum Frames {
    static func ethernet(_ etherType: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]
        frame.put16(etherType)
        return frame + payload
    }

    /// An IPv4 packet whose total length is `ipLength`.
    static func ipv4(source: String, destination: String, protocolNumber: UInt8, transport: [UInt8], ipLength: Int) -> [UInt8] {
        precondition(ipLength >= 20 + transport.count)
        var header: [UInt8] = [0x45, 0]
        header.put16(UInt16(ipLength))
        header += [0, 1, 0x40, 0, 64, protocolNumber, 0, 0]
        header.put(address(source))
        header.put(address(destination))
        var sum: UInt32 = 0
        for index in stride(from: 0, to: 20, by: 2) { sum += UInt32(header[index]) << 8 | UInt32(header[index + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xFF)
        let padding = [UInt8](repeating: 0x55, count: ipLength - 20 - transport.count)
        return ethernet(0x0800, header + transport + padding)
    }

    /// An IPv6 packet whose payload (after the 40-byte header) is `payloadLength` bytes.
    static func ipv6(source: String, destination: String, nextHeader: UInt8, transport: [UInt8], payloadLength: Int) -> [UInt8] {
        var header: [UInt8] = [0x60, 0, 0, 0]
        header.put16(UInt16(payloadLength))
        header += [nextHeader, 64]
        header.put(address(source))
        header.put(address(destination))
        let padding = [UInt8](repeating: 0x55, count: payloadLength - transport.count)
        return ethernet(0x86DD, header + transport + padding)
    }

    static func udp(_ sourcePort: UInt16, _ destinationPort: UInt16, length: Int) -> [UInt8] {
        var header: [UInt8] = []
        header.put16(sourcePort)
        header.put16(destinationPort)
        header.put16(UInt16(length))
        header.put16(0)
        return header
    }

    static func tcp(_ sourcePort: UInt16, _ destinationPort: UInt16, sequence: UInt32) -> [UInt8] {
        var header: [UInt8] = []
        header.put16(sourcePort)
        header.put16(destinationPort)
        header.put32(sequence)
        header.put32(1)
        header += [0x50, 0x10]  // 20-byte header, ACK
        header.put16(65_535)
        header.put32(0)
        return header
    }

    static func icmpEcho(sequence: UInt16) -> [UInt8] {
        var header: [UInt8] = [8, 0, 0, 0, 0, 1]
        header.put16(sequence)
        return header
    }
}

/// The traffic the interop tests put in the pcap, and what the flows must say.
struct KnownFlow: Hashable {
    var source: FlowAddressText
    var destination: FlowAddressText
    var sourcePort: UInt16
    var destinationPort: UInt16
    var protocolNumber: UInt8
    var packets: Int
    var ipLength: Int
    var isIPv6: Bool { source.contains(":") }
    var bytes: UInt64 { UInt64(packets * ipLength) }

    typealias FlowAddressText = String

    static let all: [KnownFlow] = [
        KnownFlow(source: "10.1.0.1", destination: "10.2.0.2", sourcePort: 1234, destinationPort: 53, protocolNumber: 17, packets: 50, ipLength: 100),
        KnownFlow(source: "10.1.0.3", destination: "10.2.0.4", sourcePort: 40_000, destinationPort: 443, protocolNumber: 6, packets: 20, ipLength: 1000),
        KnownFlow(source: "10.1.0.5", destination: "10.2.0.6", sourcePort: 0, destinationPort: 0, protocolNumber: 1, packets: 10, ipLength: 84),
        KnownFlow(source: "2001:db8::1", destination: "2001:db8::2", sourcePort: 5000, destinationPort: 6000, protocolNumber: 17, packets: 30, ipLength: 100),
    ]

    /// A pcap holding every flow's packets, one flow after the other (packet counts are
    /// multiples of 10, so 1:10 periodic sampling keeps exactly a tenth of each flow).
    static func pcap(_ flows: [KnownFlow]) -> [UInt8] {
        var file = PcapFile()
        for flow in flows {
            for index in 0..<flow.packets {
                switch (flow.isIPv6, flow.protocolNumber) {
                case (true, _):
                    file.add(Frames.ipv6(source: flow.source, destination: flow.destination, nextHeader: 17,
                        transport: Frames.udp(flow.sourcePort, flow.destinationPort, length: flow.ipLength - 40), payloadLength: flow.ipLength - 40))
                case (false, 17):
                    file.add(Frames.ipv4(source: flow.source, destination: flow.destination, protocolNumber: 17,
                        transport: Frames.udp(flow.sourcePort, flow.destinationPort, length: flow.ipLength - 20), ipLength: flow.ipLength))
                case (false, 6):
                    file.add(Frames.ipv4(source: flow.source, destination: flow.destination, protocolNumber: 6,
                        transport: Frames.tcp(flow.sourcePort, flow.destinationPort, sequence: UInt32(index * 1000)), ipLength: flow.ipLength))
                default:
                    file.add(Frames.ipv4(source: flow.source, destination: flow.destination, protocolNumber: 1,
                        transport: Frames.icmpEcho(sequence: UInt16(index)), ipLength: flow.ipLength))
                }
            }
        }
        return file.bytes
    }
}
