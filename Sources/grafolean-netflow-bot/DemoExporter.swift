import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The demo's exporter: every second, one NetFlow v9 datagram (template and data) from 127.0.0.1
/// and, less often, one from 127.0.0.2, to the bot's port on 127.0.0.1.
enum DemoExporter {
    /// IN_BYTES, IN_PKTS, PROTOCOL, L4_SRC_PORT, IPV4_SRC_ADDR, INPUT_SNMP, L4_DST_PORT, IPV4_DST_ADDR, OUTPUT_SNMP.
    static let fields: [(type: UInt16, length: UInt16)] = [(1, 4), (2, 4), (4, 1), (7, 2), (8, 4), (10, 2), (11, 2), (12, 4), (14, 2)]

    struct Record {
        var bytes: UInt32
        var packets: UInt32
        var protocolNumber: UInt8
        var sourcePort: UInt16
        var source: UInt32
        var input: UInt16
        var destinationPort: UInt16
        var destination: UInt32
        var output: UInt16
    }

    static func run(port: @Sendable () -> Int?) async throws {
        var bound: Int?
        while bound == nil {
            try await Task.sleep(for: .milliseconds(100))
            bound = port()
        }
        let router = try Sender(source: "127.0.0.1", port: bound!)
        let unknown = try Sender(source: "127.0.0.2", port: bound!)
        defer {
            router.close()
            unknown.close()
        }
        var sequence: UInt32 = 0
        var tick = 0
        while !Task.isCancelled {
            var records: [Record] = []
            for host in 1...4 {
                let tcp = host != 4
                records.append(
                    Record(
                        bytes: UInt32(1_000 * host + Int.random(in: 0..<500)), packets: UInt32(host * 2), protocolNumber: tcp ? 6 : 17,
                        sourcePort: 40_000 + UInt16(host), source: 0x0A00_0000 + UInt32(host), input: host <= 2 ? 1 : 2,
                        destinationPort: tcp ? 443 : 53, destination: 0xC0A8_010A, output: 3))
            }
            sequence &+= 1
            router.send(datagram(records, sequence: sequence))
            if tick % 5 == 0 { unknown.send(datagram(Array(records.prefix(1)), sequence: sequence)) }
            tick += 1
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// One v9 datagram: header, the template, the data (padded to 4 bytes, as softflowd does).
    static func datagram(_ records: [Record], sequence: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.bigEndian) { bytes += $0 } }
        put(UInt16(9)); put(UInt16(1 + records.count)); put(UInt32(60_000)); put(UInt32(Date().timeIntervalSince1970)); put(sequence); put(UInt32(0))
        put(UInt16(0)); put(UInt16(8 + 4 * fields.count)); put(UInt16(256)); put(UInt16(fields.count))
        for field in fields { put(field.type); put(field.length) }
        let length = 4 + records.count * 25
        put(UInt16(256)); put(UInt16((length + 3) / 4 * 4))
        for record in records {
            put(record.bytes); put(record.packets); put(record.protocolNumber); put(record.sourcePort); put(record.source)
            put(record.input); put(record.destinationPort); put(record.destination); put(record.output)
        }
        bytes += [UInt8](repeating: 0, count: (4 - length % 4) % 4)
        return bytes
    }

    /// A UDP socket bound to one loopback source address.
    struct Sender {
        let descriptor: Int32
        var destination = sockaddr_in()

        init(source: String, port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard descriptor >= 0, bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
            destination.sin_family = sa_family_t(AF_INET)
            destination.sin_addr.s_addr = inet_addr("127.0.0.1")
            destination.sin_port = UInt16(port).bigEndian
        }

        func send(_ bytes: [UInt8]) {
            var target = destination
            _ = withUnsafePointer(to: &target) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, address, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        }

        func close() {
            _ = Glibc.close(descriptor)
        }
    }
}
