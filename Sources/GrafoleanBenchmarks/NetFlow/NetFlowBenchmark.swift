import NetFlow
import NetFlowBot

/// Decoding, and decoding plus aggregation into the five windows, on one core and without the
/// network, for each export format (``SyntheticExport``: 30 records per datagram, 64 datagrams of
/// generated traffic); then the memory and socket cases.
struct NetFlowBenchmark: BenchmarkPart {
    static let name = "netflow"
    static let recordsPerDatagram = 30

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        let seconds = options.quick ? 1.0 : 3.0
        var rows: [ResultRow] = []
        for format in SyntheticExport.Format.allCases {
            let (decodeRate, aggregateRate, aggregator) = measure(format, seconds: seconds)
            let scenario = "\(format.rawValue), \(Self.recordsPerDatagram) records/datagram, one core"
            options.say("netflow \(format.rawValue): decode \(Int(decodeRate)) flows/s, decode + aggregate \(Int(aggregateRate)) flows/s")
            rows += [
                // The reference's Python parser: about 11,000 v9 flows/s before its pipe and database.
                .checked(Self.name, scenario, "decode", "\(Int(decodeRate)) flows/s", target: "> 11,000 flows/s (reference parser)", isMet: decodeRate > 11_000),
                format == .v9
                    ? .checked(
                        Self.name, scenario, "decode + aggregate (5 windows)", "\(Int(aggregateRate)) flows/s", target: "≥ 1,000,000 flows/s",
                        isMet: aggregateRate >= 1_000_000)
                    : ResultRow(part: Self.name, scenario: scenario, metric: "decode + aggregate (5 windows)", value: "\(Int(aggregateRate)) flows/s"),
            ]
            guard format == .v9 else { continue }
            // The whole checkpoint of this open tile (the bot writes it in two parts, see the memory cases).
            let clock = Stopwatch()
            let checkpoint = try aggregator.checkpoint()
            let checkpointSeconds = clock.elapsed
            rows.append(
                ResultRow(
                    part: Self.name, scenario: "checkpoint: 1 entity, one open tile, 1,920 sources", metric: "size / time",
                    value: "\(checkpoint.count / 1024) KiB / \(String(format: "%.1f", checkpointSeconds * 1000)) ms"))
        }
        return rows + (try await NetFlowMemoryBenchmark().run(options: options)) + (try await NetFlowSocketBenchmark().run(options: options))
    }

    /// Flows per second decoded, and decoded and aggregated, for `seconds` each; and the aggregator.
    private func measure(_ format: SyntheticExport.Format, seconds: Double) -> (decode: Double, aggregate: Double, aggregator: NetFlowAggregator) {
        let exporter = FlowAddress(ipv4: 0x7F00_0001)
        let datagrams = SyntheticExport.datagrams(format, flowCount: 64 * Self.recordsPerDatagram, perDatagram: Self.recordsPerDatagram)
        var decoder = NetFlowDecoder()
        var flows: [FlowRecord] = []
        flows.reserveCapacity(Self.recordsPerDatagram * 2)
        for datagram in SyntheticExport.setup(format) {
            decoder.decode(datagram, from: exporter, receivedAtMilliseconds: 0, into: &flows)
        }

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
        return (decodeRate, Double(aggregated) / elapsed, aggregator)
    }
}
