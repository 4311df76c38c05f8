import NetFlow
import NetFlowBot

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// NetFlow v9 decoding, and decoding plus aggregation into the five windows, on one core and
/// without the network: softflowd's IPv4 template, 30 records per datagram, 64 datagram variants.
struct NetFlowBenchmark: BenchmarkPart {
    static let name = "netflow"
    static let recordsPerDatagram = 30

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        let seconds = options.quick ? 1.0 : 3.0
        let exporter = FlowAddress(ipv4: 0x7F00_0001)
        let (template, datagrams) = Self.datagrams(recordsPerDatagram: Self.recordsPerDatagram)
        var decoder = NetFlowDecoder()
        var flows: [FlowRecord] = []
        flows.reserveCapacity(Self.recordsPerDatagram * 2)
        decoder.decode(template, from: exporter, receivedAtMilliseconds: 0, into: &flows)

        var decoded = 0
        var start = Self.now()
        var elapsed = 0.0
        while elapsed < seconds {
            for datagram in datagrams {
                flows.removeAll(keepingCapacity: true)
                decoder.decode(datagram, from: exporter, receivedAtMilliseconds: 0, into: &flows)
                decoded += flows.count
            }
            elapsed = Self.now() - start
        }
        let decodeRate = Double(decoded) / elapsed

        var map = ExporterMap()
        map.assign(exporter, account: 1, entity: 1)
        var aggregator = NetFlowAggregator(windows: FlowWindow.all)
        var aggregated = 0
        start = Self.now()
        elapsed = 0
        while elapsed < seconds {
            for datagram in datagrams {
                flows.removeAll(keepingCapacity: true)
                decoder.decode(datagram, from: exporter, receivedAtMilliseconds: 0, into: &flows)
                aggregator.add(flows, receivedAt: 1_700_000_000, exporters: map)
                aggregated += flows.count
            }
            elapsed = Self.now() - start
        }
        let aggregateRate = Double(aggregated) / elapsed
        // What the bot writes to its state directory every 10 s, under the aggregator's lock.
        start = Self.now()
        let checkpoint = try aggregator.checkpoint()
        let checkpointSeconds = Self.now() - start
        let scenario = "v9, \(Self.recordsPerDatagram) records/datagram, one core"
        options.say("netflow: decode \(Int(decodeRate)) flows/s, decode + aggregate \(Int(aggregateRate)) flows/s")
        return [
            // The reference's Python parser: about 11,000 v9 flows/s before its pipe and database.
            .checked(Self.name, scenario, "decode", "\(Int(decodeRate)) flows/s", target: "> 11,000 flows/s (reference parser)", isMet: decodeRate > 11_000),
            ResultRow(part: Self.name, scenario: scenario, metric: "decode + aggregate (5 windows)", value: "\(Int(aggregateRate)) flows/s"),
            ResultRow(
                part: Self.name, scenario: "checkpoint: 1 entity, one open tile, 1,920 sources", metric: "size / time",
                value: "\(checkpoint.count / 1024) KiB / \(String(format: "%.1f", checkpointSeconds * 1000)) ms"),
        ] + (try await NetFlowMemoryBenchmark().run(options: options)) + (try await NetFlowSocketBenchmark().run(options: options))
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func put(_ bytes: inout [UInt8], _ value: UInt64, _ length: Int) {
        for index in (0..<length).reversed() { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }

    /// softflowd's v9 IPv4 template (42-byte records) and data datagrams using it.
    static func datagrams(recordsPerDatagram perDatagram: Int) -> (template: [UInt8], data: [[UInt8]]) {
        let fields: [(UInt64, UInt64)] = [
            (8, 4), (12, 4), (22, 4), (21, 4), (1, 4), (2, 4), (10, 4), (14, 4), (61, 1), (136, 1), (7, 2), (11, 2), (4, 1), (6, 1), (60, 1), (5, 1),
        ]
        var template: [UInt8] = []
        put(&template, 9, 2); put(&template, 1, 2); put(&template, 1000, 4); put(&template, 1_700_000_000, 4); put(&template, 1, 4); put(&template, 0, 4)
        put(&template, 0, 2); put(&template, UInt64(8 + fields.count * 4), 2); put(&template, 1024, 2); put(&template, UInt64(fields.count), 2)
        for (type, length) in fields { put(&template, type, 2); put(&template, length, 2) }
        var datagrams: [[UInt8]] = []
        for variant in 0..<64 {
            var data: [UInt8] = []
            put(&data, 9, 2); put(&data, UInt64(perDatagram), 2); put(&data, 1000, 4); put(&data, 1_700_000_000, 4); put(&data, UInt64(variant), 4); put(&data, 0, 4)
            put(&data, 1024, 2); put(&data, UInt64(4 + perDatagram * 42), 2)
            for record in 0..<perDatagram {
                put(&data, 0x0A00_0000 + UInt64(variant * 256 + record), 4); put(&data, 0x0B00_0001 + UInt64(record % 7), 4)
                put(&data, 900, 4); put(&data, 990, 4); put(&data, UInt64(40 + record * 10), 4); put(&data, 3, 4)
                put(&data, 1, 4); put(&data, 2, 4); put(&data, 0, 1); put(&data, 1, 1)
                put(&data, 40_000, 2); put(&data, [53, 80, 443][record % 3], 2); put(&data, 6, 1); put(&data, 0x10, 1); put(&data, 4, 1); put(&data, 0, 1)
            }
            datagrams.append(data)
        }
        return (template, datagrams)
    }
}
