import Foundation
import NetFlow

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The demo's exporter: every second, one NetFlow v9 datagram (template and data) from 127.0.0.1
/// and, less often, one from 127.0.0.2, to the bot's port on 127.0.0.1.
enum DemoExporter {
    /// IN_BYTES, IN_PKTS, PROTOCOL, L4_SRC_PORT, IPV4_SRC_ADDR, INPUT_SNMP, L4_DST_PORT, IPV4_DST_ADDR, OUTPUT_SNMP.
    static let fields: [(UInt16, UInt16)] = [(1, 4), (2, 4), (4, 1), (7, 2), (8, 4), (10, 2), (11, 2), (12, 4), (14, 2)]

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

        /// The record in the order of ``DemoExporter/fields``.
        var encoded: [UInt8] {
            var data: [UInt8] = []
            data.put32(bytes); data.put32(packets); data.append(protocolNumber); data.put16(sourcePort); data.put32(source)
            data.put16(input); data.put16(destinationPort); data.put32(destination); data.put16(output)
            return data
        }
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
        var message = ExportMessage(version: 9)
        message.sysUptime = 60_000
        message.exportSeconds = UInt32(Date().timeIntervalSince1970)
        message.sequence = sequence
        message.template(256, fields)
        message.data(256, records.map(\.encoded))
        return message.bytes
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
