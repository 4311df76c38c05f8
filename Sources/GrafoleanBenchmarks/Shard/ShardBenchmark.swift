import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Synchronization

/// Part 7: sharding. `--list-jobs` of each of 4 replicas over 10,000 devices (3 sensors each) on the
/// test backend, the whole path a replica takes (wait for the backend, profile, fetch, filter);
/// and the share of devices that move when going from 3 to 4 replicas. CPU time is the process's:
/// the replica and the in-process test backend together (on a busy machine the wall time is mostly waiting).
struct ShardBenchmark: BenchmarkPart {
    static let name = "shard"

    /// One job per device, as the ping bot makes them.
    struct DeviceCollector: Collector {
        let protocolName = "ping"

        func jobs(context: JobsContext) async throws -> [CollectorJob] {
            try await context.jobConfigurations().map { configuration in
                CollectorJob(
                    id: "\(configuration.entityID)", intervals: configuration.intervals, entityID: configuration.entityID,
                    entityName: configuration.name, parameters: configuration) { _ in }
            }
        }
    }

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        let devices = 10_000
        let backend = try await GrafoleanTestBackend.start()
        let fleet = await SeededFleet.seed(backend, devices: devices, accounts: 1)
        var rows: [ResultRow] = []
        let repetitions = options.quick ? 3 : 7
        func listJobs(_ filter: JobFilter) async throws -> (seconds: Double, cpu: Double, jobs: Int) {
            var times: [Double] = []
            var cpu: [Double] = []
            let listed = Mutex(0)
            for _ in 0..<repetitions {
                listed.withLock { $0 = 0 }
                var settings = CollectorSettings(backendURL: backend.baseURL, token: .value(BotToken(fleet.bot.token)), mode: .listJobs)
                settings.jobFilter = filter
                settings.logLevel = .warning
                let stopwatch = Stopwatch()
                let started = CPUTime.now()
                try await CollectorRuntime(settings: settings, logger: options.logger, output: { _ in listed.withLock { $0 += 1 } }).run(DeviceCollector())
                times.append(stopwatch.elapsed)
                cpu.append((CPUTime.now() - started).total)
            }
            return (times.sorted()[times.count / 2], cpu.sorted()[cpu.count / 2], listed.withLock { $0 })
        }
        let whole = try await listJobs(.all)
        rows.append(ResultRow(
            part: Self.name, scenario: "10,000 devices, not sharded", metric: "--list-jobs wall / CPU time (median)",
            value: "\(Format.duration(whole.seconds)) / \(Format.duration(whole.cpu))"))
        var sizes: [Int] = []
        for index in 0..<4 {
            let shard = try await listJobs(.shard(try Shard(index: index, count: 4)))
            sizes.append(shard.jobs)
            rows.append(ResultRow(
                part: Self.name, scenario: "10,000 devices, shard \(index) of 4", metric: "--list-jobs wall / CPU time (median), jobs",
                value: "\(Format.duration(shard.seconds)) / \(Format.duration(shard.cpu)), \(Format.count(shard.jobs))"))
        }
        rows.append(ResultRow(
            part: Self.name, scenario: "10,000 devices over 4 shards", metric: "every device listed once",
            value: sizes.reduce(0, +) == devices ? "yes (\(sizes.map(Format.count).joined(separator: " + ")))" : "NO: \(sizes)"))
        var ids: [Int] = []
        for account in fleet.accounts { ids += await backend.entities(account: account).map(\.id) }
        let moved = ids.filter { Shard.owner(of: "\($0)", count: 3) != Shard.owner(of: "\($0)", count: 4) }.count
        rows.append(ResultRow(
            part: Self.name, scenario: "10,000 devices, 3 → 4 replicas", metric: "devices moved (ideal 1/4)",
            value: "\(Format.count(moved)) (\(Format.number(100 * Double(moved) / Double(ids.count), 1)) %)"))
        try await backend.shutdown()
        return rows
    }
}
