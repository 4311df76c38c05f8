import NetFlow
import NetFlowBot

/// The NetFlow bot's memory under the two loads the bot must stay bounded on: 1,000,000
/// distinct connections in one 24h window, and 1,000 exporters. Simulated time, the window
/// jobs' reports called as the bot calls them (each window's tile right after it ended).
struct NetFlowMemoryBenchmark: Sendable {
    static let dayStart: Int64 = 1_700_006_400  // a multiple of 86,400: a 24h tile begins here

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        [try connections(), try exporters()]
            .flatMap { $0 }
    }

    /// Reports, as the window jobs do, every tile that ends at `end`.
    static func reportEnded(_ aggregator: inout NetFlowAggregator, at end: Int64, accounts: [Int], exporters: ExporterMap) -> Int {
        var values = 0
        for window in FlowWindow.all where end % window.seconds == 0 {
            for account in accounts {
                values += aggregator.values(account: account, window: window, endingAt: end, exporters: exporters).count
            }
        }
        return values
    }

    /// 1,000,000 connections (distinct source addresses, so distinct pairs; 65,536 ports) spread
    /// over a day, every flow with an output interface: counted as ingress and egress.
    func connections() throws -> [ResultRow] {
        let total = 1_000_000
        let perMinute = (total + 1_439) / 1_440
        let exporter = FlowAddress(ipv4: 0x7F00_0001)
        var map = ExporterMap()
        map.assign(exporter, account: 1, entity: 1)
        trimMallocHeap()
        let before = MemoryStatus.now()
        var peak = before.anonymousKiB
        var aggregator = NetFlowAggregator(windows: FlowWindow.all, directionRule: .inferEgressFromOutputInterface, coverageStart: Self.dayStart)
        var flows: [FlowRecord] = []
        flows.reserveCapacity(perMinute)
        let clock = Stopwatch()
        var checkpointBytes = (base: 0, derived: 0)
        var checkpointSeconds = (base: 0.0, derived: 0.0)
        var values = 0
        for minute in 0..<1_440 {
            flows.removeAll(keepingCapacity: true)
            for index in min(total, minute * perMinute)..<min(total, (minute + 1) * perMinute) {
                flows.append(
                    FlowRecord(
                        exporter: exporter, sourceAddress: FlowAddress(ipv4: 0x0A00_0000 + UInt32(index)),
                        destinationAddress: FlowAddress(ipv4: 0xAC10_0000 + UInt32(index % 4_096)), sourcePort: 40_000,
                        destinationPort: UInt16(truncatingIfNeeded: index), protocolNumber: index % 4 == 0 ? 17 : 6,
                        bytes: 100 + UInt64(index % 1_000), packets: 1, inputInterface: 1 + UInt32(index % 8), outputInterface: 9 + UInt32(index % 8)))
            }
            let time = Self.dayStart + Int64(minute) * 60
            aggregator.add(flows, receivedAt: time + 30, exporters: map)
            if minute == 1_439 {
                // The largest checkpoint: the 24h tile just before it is reported.
                (checkpointBytes, checkpointSeconds) = try Self.checkpoint(aggregator)
            }
            values += Self.reportEnded(&aggregator, at: time + 60, accounts: [1], exporters: map)
            if minute % 60 == 59 { peak = max(peak, MemoryStatus.now().anonymousKiB) }
        }
        let seconds = clock.elapsed
        let growth = peak - before.anonymousKiB
        let scenario = "memory: 1,000,000 distinct connections in a 24h window, 1 entity"
        return [
            .checked(
                NetFlowBenchmark.name, scenario, "peak heap growth (all five windows)", Format.mebibytes(kibibytes: growth),
                target: "bounded: < 512 MiB", isMet: growth < 512 * 1_024),
            Self.checkpointRow(scenario + ", before the 24h report", checkpointBytes, checkpointSeconds),
            ResultRow(
                part: NetFlowBenchmark.name, scenario: scenario, metric: "simulated day (aggregate + \(Format.count(values)) values reported)",
                value: Format.duration(seconds)),
        ]
    }

    /// 1,000 exporters in 10 accounts, each sending a 30-flow v9 datagram a minute for an hour:
    /// templates, sampling state and window tiles for all of them.
    func exporters() throws -> [ResultRow] {
        let count = 1_000
        let setup = SyntheticExport.setup()
        let data = SyntheticExport.datagrams(flowCount: 64 * 30)
        var map = ExporterMap()
        let addresses = (0..<count).map { FlowAddress(ipv4: 0x0AC8_0000 + UInt32($0)) }
        for (index, address) in addresses.enumerated() {
            map.assign(address, account: 1 + index / 100, entity: 1_000 + index)
        }
        let accounts = Array(1...(count / 100))
        trimMallocHeap()
        let before = MemoryStatus.now()
        var peak = before.anonymousKiB
        var decoder = NetFlowDecoder()
        var aggregator = NetFlowAggregator(windows: FlowWindow.all, directionRule: .inferEgressFromOutputInterface, coverageStart: Self.dayStart)
        var flows: [FlowRecord] = []
        for address in addresses {
            for datagram in setup { decoder.decode(datagram, from: address, receivedAtMilliseconds: 0, into: &flows) }
        }
        var decoded = 0
        for minute in 0..<60 {
            let time = Self.dayStart + Int64(minute) * 60
            for (index, address) in addresses.enumerated() {
                flows.removeAll(keepingCapacity: true)
                decoder.decode(data[(minute + index) % data.count], from: address, receivedAtMilliseconds: UInt64(time) * 1_000, into: &flows)
                decoded += flows.count
                aggregator.add(flows, receivedAt: time + 30, exporters: map)
            }
            if minute % 10 == 9 { peak = max(peak, MemoryStatus.now().anonymousKiB) }
            _ = Self.reportEnded(&aggregator, at: time + 60, accounts: accounts, exporters: map)
        }
        let (checkpointBytes, checkpointSeconds) = try Self.checkpoint(aggregator)
        let growth = peak - before.anonymousKiB
        let scenario = "memory: 1,000 exporters (10 accounts), a 30-flow datagram each a minute for 1 h"
        return [
            ResultRow(
                part: NetFlowBenchmark.name, scenario: scenario, metric: "peak heap growth (per exporter)",
                value: "\(Format.mebibytes(kibibytes: growth)) (\(Format.number(Double(growth) / Double(count), 0)) KiB)"),
            ResultRow(
                part: NetFlowBenchmark.name, scenario: scenario, metric: "templates / flows decoded",
                value: "\(Format.count(decoder.templateCount)) / \(Format.count(decoded))"),
            Self.checkpointRow(scenario, checkpointBytes, checkpointSeconds),
        ]
    }

    /// Both parts of the bot's checkpoint, as its state saver writes them: size and time to encode.
    static func checkpoint(_ aggregator: NetFlowAggregator) throws -> (bytes: (base: Int, derived: Int), seconds: (base: Double, derived: Double)) {
        var clock = Stopwatch()
        let whole = try aggregator.checkpoint(derivedSavedAt: nil)
        let both = clock.elapsed
        clock = Stopwatch()
        let base = try aggregator.checkpoint(derivedSavedAt: whole.derivedVersion)
        let baseSeconds = clock.elapsed
        return ((base.base.count, whole.derived?.count ?? 0), (baseSeconds, max(0, both - baseSeconds)))
    }

    static func checkpointRow(_ scenario: String, _ bytes: (base: Int, derived: Int), _ seconds: (base: Double, derived: Double)) -> ResultRow {
        ResultRow(
            part: NetFlowBenchmark.name, scenario: scenario,
            metric: "checkpoint: every 10 s (minute tiles) / when changed, about once a minute (longer windows): size, time",
            value: "\(Format.mebibytes(kibibytes: bytes.base / 1_024)), \(Format.milliseconds(seconds.base)) / "
                + "\(Format.mebibytes(kibibytes: bytes.derived / 1_024)), \(Format.milliseconds(seconds.derived))")
    }
}
