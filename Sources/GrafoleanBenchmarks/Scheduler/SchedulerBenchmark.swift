import Foundation
import GrafoleanCollector
import Logging

/// Part 2: the scheduler engine with 10,000 jobs whose work is trivial (it records its lateness):
/// all at a 1 s interval, and a mix of 1/5/10/60/300 s intervals spread and unspread.
struct SchedulerBenchmark: BenchmarkPart {
    static let name = "scheduler"

    struct Scenario: Sendable {
        var label: String
        var jobs: Int
        /// Job `i` gets `intervals[i % intervals.count]`.
        var intervals: [Int]
        var spreadsJobs: Bool
    }

    static let scenarios = [
        Scenario(label: "10,000 jobs × 1 s, spread (all due in the same second anyway)", jobs: 10_000, intervals: [1], spreadsJobs: true),
        Scenario(label: "10,000 jobs, mix 1/5/10/60/300 s, spread", jobs: 10_000, intervals: [1, 5, 10, 60, 300], spreadsJobs: true),
        Scenario(label: "10,000 jobs, mix 1/5/10/60/300 s, unspread", jobs: 10_000, intervals: [1, 5, 10, 60, 300], spreadsJobs: false),
    ]

    struct Outcome: Sendable {
        var scenario: Scenario
        var seconds: Int
        var expected: Int
        var counts: RunLog.Counts
        var statistics: SchedulerStatistics
        var cpu: CPUTime
        var elapsed: Double
        var largestResidentKiB: Int
        var residentBeforeKiB: Int
    }

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        var rows: [ResultRow] = []
        for scenario in Self.scenarios {
            let outcome = await Self.measure(scenario, seconds: Int(options.timedSeconds), options: options)
            rows += report(outcome)
        }
        return rows
    }

    static func measure(_ scenario: Scenario, seconds: Int, options: BenchmarkOptions) async -> Outcome {
        let residentBefore = MemoryStatus.now().residentKiB
        let scheduler = JobScheduler(
            options: SchedulerOptions(spreadsJobs: scenario.spreadsJobs, maximumConcurrentRuns: 10_000),
            clock: SystemClock(), logger: options.logger)
        let addedAt = Date().timeIntervalSince1970
        let first = Int64(addedAt.rounded(.down)) + 1
        let window = first...(first + Int64(seconds) - 1)
        let log = RunLog(window: window)
        let jobs = (0..<scenario.jobs).map { index in
            ScheduledJob(id: "job-\(index)", intervals: [scenario.intervals[index % scenario.intervals.count]], fingerprint: index) { fire in
                log.record(fire)
            }
        }
        scheduler.update(jobs: jobs)
        // The fires due in the window, from each job's first fire and interval.
        var expected = 0
        for (index, job) in jobs.enumerated() {
            guard let next = scheduler.nextFire(ofJob: job.id) else { continue }
            let firstFire = Int64(next.timeIntervalSince1970.rounded())
            let interval = Int64(scenario.intervals[index % scenario.intervals.count])
            if firstFire <= window.upperBound {
                expected += Int((window.upperBound - max(firstFire, window.lowerBound)) / interval) + 1
            }
        }
        options.say("scheduler: \(scenario.label): \(Format.count(expected)) runs due in \(seconds) s …")
        let sampler = MemorySampler()
        let cpuBefore = CPUTime.now()
        let stopwatch = Stopwatch()
        await withDiscardingTaskGroup { group in
            group.addTask { await sampler.run() }
            await withDiscardingTaskGroup { inner in
                inner.addTask { await scheduler.run() }
                // Stop 1.5 s after the last counted second, so that its runs have all started.
                let stopAt = Date(timeIntervalSince1970: Double(window.upperBound) + 1.5)
                try? await SystemClock().sleep(until: stopAt)
                scheduler.shutdown()
            }
            group.cancelAll()  // the sampler, once the scheduler has shut down
        }
        let cpu = CPUTime.now() - cpuBefore
        let elapsed = stopwatch.elapsed
        let outcome = Outcome(
            scenario: scenario, seconds: seconds, expected: expected, counts: log.snapshot, statistics: scheduler.statistics,
            cpu: cpu, elapsed: elapsed, largestResidentKiB: await sampler.largestResidentKiB, residentBeforeKiB: residentBefore)
        let histogram = outcome.counts.histogram
        options.say(
            "scheduler: \(scenario.label): \(Format.count(outcome.counts.runsInWindow))/\(Format.count(expected)) runs, lateness p50 \(Format.milliseconds(histogram.quantile(0.5))) p99 \(Format.milliseconds(histogram.quantile(0.99))) max \(Format.milliseconds(histogram.maximum))"
        )
        return outcome
    }

    private func report(_ outcome: Outcome) -> [ResultRow] {
        let label = outcome.scenario.label + ", \(outcome.seconds) s"
        let counts = outcome.counts
        let histogram = counts.histogram
        let lost = outcome.expected - counts.runsInWindow
        let statistics = outcome.statistics
        let runs = statistics.runsStarted
        return [
            .checked(
                Self.name, label, "runs executed / due in the window",
                "\(Format.count(counts.runsInWindow)) / \(Format.count(outcome.expected))", target: "no run lost", isMet: lost <= 0),
            ResultRow(part: Self.name, scenario: label, metric: "runs per second (mean)", value: Format.rate(Double(counts.runsInWindow) / Double(outcome.seconds))),
            ResultRow(
                part: Self.name, scenario: label, metric: "lateness min / p50",
                value: "\(Format.milliseconds(histogram.minimum)) / \(Format.milliseconds(histogram.quantile(0.5)))"),
            .checked(Self.name, label, "lateness p99", Format.milliseconds(histogram.quantile(0.99)), target: "< 5 ms", isMet: histogram.quantile(0.99) < 0.005),
            .checked(Self.name, label, "lateness max", Format.milliseconds(histogram.maximum), target: "< 50 ms", isMet: histogram.maximum < 0.05),
            ResultRow(
                part: Self.name, scenario: label, metric: "wake-up lateness (first run of each second) p50 / max",
                value: "\(Format.milliseconds(counts.wakeUps.quantile(0.5))) / \(Format.milliseconds(counts.wakeUps.maximum))"),
            ResultRow(
                part: Self.name, scenario: label, metric: "CPU per run (user + system)",
                value: Format.microseconds(outcome.cpu.total / Double(max(1, runs)))),
            ResultRow(
                part: Self.name, scenario: label, metric: "CPU (share of one core)",
                value: Format.number(100 * outcome.cpu.total / outcome.elapsed, 1) + " %"),
            ResultRow(
                part: Self.name, scenario: label, metric: "skipped (clock jump / overlap), deferred, failed, timed out",
                value: "\(statistics.firesSkippedClockJump) / \(statistics.firesSkippedOverlap), \(statistics.firesDeferred), \(statistics.runsFailed), \(statistics.runsTimedOut)"),
            .checked(
                Self.name, label, "resident memory, largest sample (before: \(Format.mebibytes(kibibytes: outcome.residentBeforeKiB)))",
                Format.mebibytes(kibibytes: outcome.largestResidentKiB), target: "< 64 MB", isMet: outcome.largestResidentKiB * 1024 < 64_000_000),
        ]
    }
}
