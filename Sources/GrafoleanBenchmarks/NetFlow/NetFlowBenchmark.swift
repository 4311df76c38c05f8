import NetFlow
import NetFlowBot

/// NetFlow v9 decoding, and decoding plus aggregation into the five windows, on one core and
/// without the network: softflowd's IPv4 template, 30 records per datagram, 64 datagrams of
/// generated traffic (``SyntheticExport``); then the memory and socket cases.
struct NetFlowBenchmark: BenchmarkPart {
    static let name = "netflow"
    static let recordsPerDatagram = 30

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        let seconds = options.quick ? 1.0 : 3.0
        let exporter = FlowAddress(ipv4: 0x7F00_0001)
        let template = SyntheticExport.template()
        let datagrams = SyntheticExport.datagrams(flowCount: 64 * Self.recordsPerDatagram, perDatagram: Self.recordsPerDatagram)
        var decoder = NetFlowDecoder()
        var flows: [FlowRecord] = []
        flows.reserveCapacity(Self.recordsPerDatagram * 2)
        decoder.decode(template, from: exporter, receivedAtMilliseconds: 0, into: &flows)

        var decoded = 0
        var clock = Stopwatch()
        var elapsed = 0.0
        while elapsed < seconds {
            for datagram in datagrams {
                flows.removeAll(keepingCapacity: true)
                decoder.decode(datagram, from: exporter, receivedAtMilliseconds: 0, into: &flows)
                decoded += flows.count
            }
            elapsed = clock.elapsed
        }
        let decodeRate = Double(decoded) / elapsed

        var map = ExporterMap()
        map.assign(exporter, account: 1, entity: 1)
        var aggregator = NetFlowAggregator(windows: FlowWindow.all)
        var aggregated = 0
        clock = Stopwatch()
        elapsed = 0
        while elapsed < seconds {
            for datagram in datagrams {
                flows.removeAll(keepingCapacity: true)
                decoder.decode(datagram, from: exporter, receivedAtMilliseconds: 0, into: &flows)
                aggregator.add(flows, receivedAt: 1_700_000_000, exporters: map)
                aggregated += flows.count
            }
            elapsed = clock.elapsed
        }
        let aggregateRate = Double(aggregated) / elapsed
        // The whole checkpoint of this open tile (the bot writes it in two parts, see the memory cases).
        clock = Stopwatch()
        let checkpoint = try aggregator.checkpoint()
        let checkpointSeconds = clock.elapsed
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
}
