import Foundation
import NetFlow
import Testing

/// Against Debian's softflowd (and nfdump's nfcapd/nfreplay): a pcap of known traffic becomes
/// export datagrams, received by ``NetFlowListener`` on loopback and decoded.
@Suite("Interoperability with softflowd and nfdump", .serialized, .enabled(if: FlowTools.softflowd != nil, "softflowd not installed: apt-get install -y softflowd"))
struct InteropTests {
    struct Key: Hashable, CustomStringConvertible {
        var source: FlowAddress
        var destination: FlowAddress
        var sourcePort: UInt16
        var destinationPort: UInt16
        var protocolNumber: UInt8
        var description: String { "\(source):\(sourcePort) → \(destination):\(destinationPort) proto \(protocolNumber)" }
    }

    struct Totals: Hashable {
        var bytes: UInt64
        var packets: UInt64
    }

    /// Flows by 5-tuple; ICMP ports are not compared (exporters put type/code there or nothing).
    static func summarise(_ flows: [FlowRecord]) -> [Key: Totals] {
        var result: [Key: Totals] = [:]
        for flow in flows {
            let icmp = flow.protocolNumber == 1
            let key = Key(source: flow.sourceAddress, destination: flow.destinationAddress,
                sourcePort: icmp ? 0 : flow.sourcePort, destinationPort: icmp ? 0 : flow.destinationPort, protocolNumber: flow.protocolNumber)
            let old = result[key] ?? Totals(bytes: 0, packets: 0)
            result[key] = Totals(bytes: old.bytes + flow.bytes, packets: old.packets + flow.packets)
        }
        return result
    }

    static func expected(_ known: [KnownFlow]) -> [Key: Totals] {
        Dictionary(uniqueKeysWithValues: known.map {
            (Key(source: address($0.source), destination: address($0.destination), sourcePort: $0.sourcePort,
                destinationPort: $0.destinationPort, protocolNumber: $0.protocolNumber),
             Totals(bytes: $0.bytes, packets: UInt64($0.packets)))
        })
    }

    /// Runs softflowd on the pcap towards `port` and waits for it to exit.
    static func softflowd(_ pcap: URL, port: Int, version: Int, ipv6: Bool, sampling: Int?, in directory: URL) async throws {
        var arguments = ["-r", pcap.path, "-n", "127.0.0.1:\(port)", "-v", "\(version)", "-p", directory.appendingPathComponent("softflowd.pid").path]
        if ipv6 { arguments.append("-6") }
        if let sampling { arguments += ["-s", "\(sampling)"] }
        try await FlowTools.run(FlowTools.softflowd ?? "softflowd", arguments, in: directory)
    }

    @Test(arguments: [(5, false, nil), (9, true, nil), (10, true, nil), (5, false, 10), (9, true, 10), (10, true, 10)] as [(Int, Bool, Int?)])
    func softflowdExportMatchesThePcap(version: Int, ipv6: Bool, sampling: Int?) async throws {
        let directory = try FlowTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let known = KnownFlow.all.filter { ipv6 || !$0.isIPv6 }
        let pcap = directory.appendingPathComponent("traffic.pcap")
        try Data(KnownFlow.pcap(known)).write(to: pcap)

        var decoder = NetFlowDecoder()
        let flows = try await FlowTools.collect(decoder: &decoder) { port in
            try await Self.softflowd(pcap, port: port, version: version, ipv6: ipv6, sampling: sampling, in: directory)
        }
        // softflowd pads v9/IPFIX sets: exactly one record per flow, no phantom.
        #expect(flows.count == known.count)
        #expect(decoder.statistics.errors.isEmpty, "\(decoder.statistics.errors)")
        // Sampling 1:10 keeps a tenth of each flow's packets; multiplied back, the totals are exact.
        #expect(Self.summarise(flows) == Self.expected(known))
        #expect(flows.allSatisfy { $0.samplingRate == UInt32(sampling ?? 1) && $0.version == UInt16(version) })
        #expect(flows.allSatisfy { $0.exporter == address("127.0.0.1") && $0.direction == 0 })
        // v5/v9: sysUptime-relative; IPFIX: relative to the announced systemInitTimeMilliseconds.
        #expect(flows.allSatisfy { ($0.startMilliseconds ?? 0) > 1_600_000_000_000 && ($0.endMilliseconds ?? 0) >= ($0.startMilliseconds ?? 0) })
    }

    @Test(.enabled(if: FlowTools.nfcapd != nil && FlowTools.nfreplay != nil, "softflowd or nfdump not installed: apt-get install -y softflowd nfdump"), arguments: [5, 9])
    func nfreplayOfAnNfcapdCaptureMatchesThePcap(version: Int) async throws {
        let directory = try FlowTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let known = KnownFlow.all.filter { !$0.isIPv6 || version == 9 }
        let pcap = directory.appendingPathComponent("traffic.pcap")
        try Data(KnownFlow.pcap(known)).write(to: pcap)
        let captures = directory.appendingPathComponent("captures")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)

        // softflowd → nfcapd (a real collector) → a capture file.
        let capturePort = FlowTools.freeUDPPort()
        let pidFile = directory.appendingPathComponent("nfcapd.pid").path
        let nfcapd = try FlowTools.spawn(FlowTools.nfcapd ?? "nfcapd",
            ["-w", captures.path, "-b", "127.0.0.1", "-p", "\(capturePort)", "-P", pidFile, "-B", "4194304"], in: directory)
        var ready = false
        for _ in 0..<500 where !ready {
            ready = FlowTools.isBound(udpPort: capturePort)
            if !ready { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(ready, "nfcapd did not bind")
        try await Self.softflowd(pcap, port: capturePort, version: 9, ipv6: version == 9, sampling: nil, in: directory)
        // nfcapd must have read everything before it stops.
        for _ in 0..<500 where !FlowTools.receiveQueueIsEmpty(udpPort: capturePort) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(50))
        await nfcapd.terminate()
        let files = try FileManager.default.contentsOfDirectory(atPath: captures.path).filter { $0.hasPrefix("nfcapd.2") }
        let capture = try #require(files.first.map { captures.appendingPathComponent($0) })

        var decoder = NetFlowDecoder()
        let flows = try await FlowTools.collect(decoder: &decoder) { port in
            try await FlowTools.run(FlowTools.nfreplay ?? "nfreplay",
                ["-r", capture.path, "-H", "127.0.0.1", "-p", "\(port)", "-v", "\(version)", "-d", "100"], in: directory)
        }
        #expect(decoder.statistics.errors.isEmpty, "\(decoder.statistics.errors)")
        #expect(Self.summarise(flows) == Self.expected(known))
    }
}
