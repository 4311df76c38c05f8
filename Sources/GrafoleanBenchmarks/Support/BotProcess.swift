import Foundation
import GrafoleanCollector
import ICMPEcho
import PingBot
import ProcessSupport
import SNMP
import SNMPBot

/// The bot side of the ping and SNMP bot benchmarks, run in a child process of its own so that its
/// CPU time and memory are the bot's alone (the test backend stays in the parent), as in a real
/// deployment.
///
/// It runs the real collector (`PingCollector` or `SNMPCollector`) on `CollectorRuntime` against
/// the parent's backend, measures a window of the configured length, lets the runs in flight
/// finish, and writes its figures to a file.
enum BotProcess {
    /// Which bot to run.
    enum Kind: String, Sendable {
        case ping, snmp
    }

    /// Figures the child reports, by key.
    enum Key: String, CaseIterable {
        case residentBeforeKiB, residentScheduledKiB, residentEndKiB, residentTrimmedKiB, largestResidentKiB, peakResidentKiB
        case anonymousBeforeKiB, anonymousEndKiB
        case cpuUser, cpuSystem, elapsed
        // Ping only: the engine's counters over the window.
        case sent, matched, timeouts, sendFailures, lateReplies
    }

    static func run(kind: Kind, backendURL: String, token: String, window: Double, options: BenchmarkOptions) async throws -> [Key: Double] {
        let memoryBefore = MemoryStatus.now()
        var settings = CollectorSettings(backendURL: backendURL, token: .value(BotToken(token)), jobsRefreshInterval: 60, logLevel: .warning)
        // Spread the devices over the interval (by a stable hash of the job id), as a large
        // deployment should; the CLI's default is the reference's (all jobs added together fire together).
        settings.scheduler = SchedulerOptions(spreadsJobs: true)
        switch kind {
        case .ping:
            let engine = try ICMPEchoEngine(logger: options.logger)
            let runtime = CollectorRuntime(settings: settings, logger: options.logger)
            return try await measure(window: window, memoryBefore: memoryBefore, run: {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { try await engine.run() }
                    _ = try? await runtime.run(PingCollector(engine: engine))
                    group.cancelAll()
                }
            }, counters: {
                let statistics = engine.statistics
                return [
                    .sent: Double(statistics.requestsSent), .matched: Double(statistics.repliesMatched), .timeouts: Double(statistics.timeouts),
                    .sendFailures: Double(statistics.sendFailures), .lateReplies: Double(statistics.lateReplies),
                ]
            })
        case .snmp:
            let runtime = CollectorRuntime(settings: settings, logger: options.logger)
            return try await SNMPClient.withClient(logger: options.logger) { client in
                // Interface entities are left alone: creating 100 per device would measure the test backend.
                let collector = SNMPCollector(client: client, options: .init(managesInterfaces: false))
                return try await measure(window: window, memoryBefore: memoryBefore, run: {
                    _ = try? await runtime.run(collector)
                }, counters: { [:] })
            }
        }
    }

    /// Runs `run` (the bot) and measures a window after a 3 s start, then cancels it after a 4 s tail.
    private static func measure(
        window: Double, memoryBefore: MemoryStatus, run: @escaping @Sendable () async throws -> Void,
        counters: @escaping @Sendable () -> [Key: Double]
    ) async throws -> [Key: Double] {
        let sampler = MemorySampler()
        return try await withThrowingTaskGroup(of: [Key: Double]?.self) { group in
            group.addTask {
                try await run()
                return nil
            }
            group.addTask {
                await sampler.run()
                return nil
            }
            // The bot starts, fetches its jobs and schedules them within a second or two.
            try await Task.sleep(for: .seconds(3))
            let residentScheduled = MemoryStatus.now().residentKiB
            let before = counters()
            let cpuBefore = CPUTime.now()
            let stopwatch = Stopwatch()
            try await Task.sleep(for: .seconds(double: window))
            let after = counters()
            let cpu = CPUTime.now() - cpuBefore
            let elapsed = stopwatch.elapsed
            // Let the runs in flight finish (3 pings take about 2 s) and their values go out.
            try await Task.sleep(for: .seconds(4))
            let memoryEnd = MemoryStatus.now()
            // Diagnostic: what is left once the allocator hands its free pages back, i.e. how
            // much of the resident memory is live data rather than freed heap kept by malloc.
            trimMallocHeap()
            let residentTrimmed = MemoryStatus.now().residentKiB
            group.cancelAll()
            var report: [Key: Double] = [
                .residentBeforeKiB: Double(memoryBefore.residentKiB),
                .anonymousBeforeKiB: Double(memoryBefore.anonymousKiB),
                .residentScheduledKiB: Double(residentScheduled),
                .residentEndKiB: Double(memoryEnd.residentKiB),
                .anonymousEndKiB: Double(memoryEnd.anonymousKiB),
                .residentTrimmedKiB: Double(residentTrimmed),
                .largestResidentKiB: Double(await sampler.largestResidentKiB),
                .peakResidentKiB: Double(MemoryStatus.now().peakResidentKiB),
                .cpuUser: cpu.user, .cpuSystem: cpu.system, .elapsed: elapsed,
            ]
            for (key, value) in after { report[key] = value - (before[key] ?? 0) }
            return report
        }
    }

    static func encode(_ report: [Key: Double]) -> String {
        Key.allCases.compactMap { key in report[key].map { "\(key.rawValue)\t\($0)" } }.joined(separator: "\n") + "\n"
    }

    static func decode(_ text: String) -> [Key: Double] {
        var report: [Key: Double] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            guard fields.count == 2, let key = Key(rawValue: String(fields[0])), let value = Double(fields[1]) else { continue }
            report[key] = value
        }
        return report
    }

    /// Starts this executable as the bot process of `kind` against `backendURL` and returns its
    /// report, or `nil` (with how it ended) if it failed.
    static func spawn(kind: Kind, backendURL: String, token: String, options: BenchmarkOptions) async throws -> ([Key: Double]?, ProcessTermination) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("grafolean-benchmarks-bot-\(UUID().uuidString)").path
        var environment = ProcessInfo.processInfo.environment
        environment["BOT_TOKEN"] = token
        var arguments = [kind.rawValue, "--bot-process", "--backend-url", backendURL, "--results-file", file]
        if options.quick { arguments.append("--quick") }
        if let seconds = options.secondsOverride { arguments += ["--seconds", "\(seconds)"] }
        let child = try ChildProcess.spawn(ChildProcess.currentExecutable, arguments, environment: environment)
        let status = await child.waitForExit()
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: file)
        let report = decode(text)
        return (status.isSuccess && report[.elapsed] != nil ? report : nil, status)
    }

    /// Rows common to both bots: CPU and memory of the bot process.
    static func resourceRows(part: String, label: String, report: [Key: Double], work: (count: Double, unit: String)) -> [ResultRow] {
        func figure(_ key: Key) -> Double { report[key] ?? 0 }
        let kib = { (key: Key) in Format.mebibytes(kibibytes: Int(figure(key))) }
        let cpu = figure(.cpuUser) + figure(.cpuSystem)
        return [
            ResultRow(
                part: part, scenario: label, metric: "bot CPU: share of one core; per \(work.unit)",
                value: "\(Format.number(100 * cpu / figure(.elapsed), 2)) %; \(Format.microseconds(cpu / max(1, work.count)))"),
            ResultRow(
                part: part, scenario: label, metric: "bot resident memory: empty process / jobs scheduled (3 s) / end of window",
                value: "\(kib(.residentBeforeKiB)) / \(kib(.residentScheduledKiB)) / \(kib(.residentEndKiB))"),
            ResultRow(
                part: part, scenario: label, metric: "bot resident memory: peak (VmHWM) / at the end after malloc_trim(0)",
                value: "\(kib(.peakResidentKiB)) / \(kib(.residentTrimmedKiB))"),
            ResultRow(
                part: part, scenario: label, metric: "bot anonymous memory (heap, stacks; RssAnon): empty process / end of window",
                value: "\(kib(.anonymousBeforeKiB)) / \(kib(.anonymousEndKiB))"),
        ]
    }
}
