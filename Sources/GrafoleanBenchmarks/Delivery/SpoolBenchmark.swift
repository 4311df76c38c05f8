import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Synchronization

/// The on-disk spool: how fast values reach it (default sync and fsync per batch, against memory
/// only), what a value costs on disk, and a 10-minute outage of 10,000 ping devices: the bot's
/// memory during it, with and without a state directory, and the replay after a restart.
struct SpoolBenchmark: BenchmarkPart {
    static let name = "spool"

    /// A receiver that is away until told otherwise (then the in-process backend takes over).
    final class AwayTransport: ValueTransport {
        func deliver(_ values: [MeasuredValue], account: Int, timestamps: ValueTimestamps) async -> DeliveryOutcome {
            .retryLater(reason: "away (benchmark)", isOutage: true)
        }
    }

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        var rows: [ResultRow] = []
        let count = options.quick ? 50_000 : 200_000
        rows += try await writes(values: count, spool: nil, options: options)
        rows += try await writes(values: count, spool: .normal, options: options)
        rows += try await writes(values: options.quick ? 5_000 : 20_000, spool: .full, options: options)
        rows += try await outage(devices: options.quick ? 2_000 : 10_000, runs: 10, options: options)
        return rows
    }

    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("grafolean-spool-bench-\(UUID().uuidString)").path
    }

    static func bytesOnDisk(_ directory: String) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: (directory as NSString).appendingPathComponent(name))[.size] as? Int) ?? 0
            return total + size
        }
    }

    /// Runs a sender (spooling when `directory` is set) for the duration of `body`.
    static func withSender<Result: Sendable>(
        transport: any ValueTransport, directory: String?, configuration: ValueSender.Configuration, options: BenchmarkOptions,
        _ body: @Sendable (ValueSender) async throws -> Result
    ) async throws -> Result {
        let sender =
            if let directory {
                try await ValueSender.opening(stateDirectory: directory, transport: transport, configuration: configuration, clock: SystemClock(), logger: options.logger)
            } else {
                ValueSender(transport: transport, configuration: configuration, logger: options.logger)
            }
        return try await sender.withRunning(body)
    }

    /// `values` values in sends of 7 (one ping run), the backend away: how fast `send` returns.
    private func writes(values total: Int, spool: SpoolSyncPolicy?, options: BenchmarkOptions) async throws -> [ResultRow] {
        let directory = spool.map { _ in Self.directory() }
        defer { if let directory { try? FileManager.default.removeItem(atPath: directory) } }
        let label = spool.map { "spool, sync \($0.rawValue)" } ?? "memory only"
        let scenario = "\(Format.count(total)) values in sends of 7, backend away: \(label)"
        options.say("spool: \(scenario) …")
        let configuration = ValueSender.Configuration(maximumBufferedValuesPerAccount: 1_000_000, initialRetryDelay: .seconds(600), spoolSync: spool ?? .normal)
        let elapsed = try await Self.withSender(transport: AwayTransport(), directory: directory, configuration: configuration, options: options) { sender in
            let time = Date()
            let stopwatch = Stopwatch()
            var sent = 0
            var device = 0
            while sent < total {
                let values = (0..<7).map { MeasuredValue(path: "entity.\(device).ping.p\($0).ok", value: 1, time: time) }
                await sender.send(values, account: 1)
                sent += 7
                device += 1
            }
            return stopwatch.elapsed
        }
        let rate = Double(total) / elapsed
        var rows = [
            ResultRow(part: Self.name, scenario: scenario, metric: "values accepted per second (send returns after the write)", value: Format.rate(rate)),
            ResultRow(part: Self.name, scenario: scenario, metric: "time per send of 7 values", value: Format.microseconds(elapsed / Double(total / 7))),
        ]
        if let directory {
            let bytes = Self.bytesOnDisk(directory)
            rows.append(ResultRow(part: Self.name, scenario: scenario, metric: "bytes on disk per value", value: Format.number(Double(bytes) / Double(total), 0)))
        }
        options.say("spool: \(scenario): \(Format.rate(rate)) values/s")
        return rows
    }

    /// A 10-minute outage of `devices` ping devices at 60 s (7 values a run) over 10 accounts:
    /// the memory it takes with and without a state directory, then the replay after a restart.
    private func outage(devices: Int, runs: Int, options: BenchmarkOptions) async throws -> [ResultRow] {
        let accounts = 10
        let total = devices * runs * 7
        let scenario = "\(Format.count(devices)) ping devices, \(runs)-minute outage (\(Format.count(total)) values, \(accounts) accounts)"
        var rows: [ResultRow] = []
        let start = Date().addingTimeInterval(-Double(runs * 60))
        @Sendable func fill(_ sender: ValueSender) async {
            for run in 0..<runs {
                let time = start.addingTimeInterval(Double(run * 60))
                for device in 0..<devices {
                    let values = (0..<3).flatMap { packet in
                        [MeasuredValue(path: "entity.\(device).ping.p\(packet).ok", value: 1, time: time),
                         MeasuredValue(path: "entity.\(device).ping.p\(packet).rtt", value: 0.0002, time: time)]
                    } + [MeasuredValue(path: "entity.\(device).ping.success", value: 1, time: time)]
                    await sender.send(values, account: 1 + device % accounts)
                }
            }
        }
        // With a state directory first: the memory-only case then grows beyond what this one left.
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for spooling in [true, false] {
            trimMallocHeap()
            let before = MemoryStatus.now().anonymousKiB
            let label = spooling ? "with a state directory" : "memory only"
            options.say("spool: \(scenario), \(label) …")
            let (grown, statistics) = try await Self.withSender(
                transport: AwayTransport(), directory: spooling ? directory : nil, configuration: ValueSender.Configuration(initialRetryDelay: .seconds(600)),
                options: options
            ) { sender in
                await fill(sender)
                return (MemoryStatus.now().anonymousKiB - before, await sender.statistics)
            }
            rows.append(ResultRow(part: Self.name, scenario: scenario, metric: "bot memory growth during the outage, \(label)", value: Format.mebibytes(kibibytes: max(0, grown))))
            rows.append(ResultRow(part: Self.name, scenario: scenario, metric: "values kept / dropped, \(label)", value: "\(Format.count(statistics.buffered)) / \(Format.count(statistics.dropped))"))
            if spooling {
                rows.append(ResultRow(part: Self.name, scenario: scenario, metric: "spool size on disk", value: Format.mebibytes(kibibytes: Self.bytesOnDisk(directory) / 1024)))
            }
        }
        // The restart: a new sender on the spool, the in-process backend answering over loopback.
        options.say("spool: \(scenario), replay after a restart …")
        let replay = try await GrafoleanTestBackend.withRunning { backend in
            let fleet = await SeededFleet.seed(backend, devices: 0, accounts: accounts, sensorsPerDevice: 0)
            await backend.setRecordsValues(false)
            let client = try GrafoleanClient(configuration: .init(backendURL: backend.baseURL, token: BotToken(fleet.bot.token)), logger: options.logger)
            // The spool's accounts are 1 … 10; the backend's have random ids: map them on the way.
            let mapped = AccountMapping(client: client, accounts: fleet.accounts)
            let result = try await Self.withSender(transport: mapped, directory: directory, configuration: ValueSender.Configuration(), options: options) { sender in
                let stopwatch = Stopwatch()
                let left = await sender.flush(timeout: .seconds(900))
                return (stopwatch.elapsed, left, await sender.statistics, await backend.valueCount())
            }
            try await client.shutdown()
            return result
        }
        let (elapsed, left, statistics, received) = replay
        rows.append(
            ResultRow(
                part: Self.name, scenario: scenario, metric: "replay after a restart: values per second (all by PUT)",
                value: "\(Format.rate(Double(received) / elapsed)) (\(Format.count(received)) in \(Format.duration(elapsed)), \(left) left, \(statistics.replayed) replayed)"))
        return rows
    }

    /// Sends account `n` of the spool to the backend's n-th account.
    struct AccountMapping: ValueTransport {
        let client: GrafoleanClient
        let accounts: [Int]
        func deliver(_ values: [MeasuredValue], account: Int, timestamps: ValueTimestamps) async -> DeliveryOutcome {
            await client.deliver(values, account: accounts[(account - 1) % accounts.count], timestamps: timestamps)
        }
    }
}
