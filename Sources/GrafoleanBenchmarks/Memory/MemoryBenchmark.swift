import Foundation
import GrafoleanCollector

/// Part 4: resident memory with 10,000 jobs scheduled and idle, then while they all run every second.
///
/// Run in a fresh process (as `all` does) so that nothing measured before inflates the figures.
struct MemoryBenchmark: BenchmarkPart {
    static let name = "memory"

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        let baseline = MemoryStatus.now()
        let idleSeconds = options.quick ? 3.0 : 10.0
        let busySeconds = options.quick ? 5.0 : 20.0
        let scheduler = JobScheduler(
            options: SchedulerOptions(spreadsJobs: true, maximumConcurrentRuns: 10_000), clock: SystemClock(), logger: options.logger)
        let log = RunLog(window: 0...Int64.max)
        func jobs(interval: Int) -> [ScheduledJob] {
            (0..<10_000).map { index in
                // A fingerprint like a bot's: the job's parameters (here, a small struct per job).
                ScheduledJob(id: "\(1_000_000_000 + index)", intervals: [interval], fingerprint: JobParameters(entity: index, interval: interval)) { fire in
                    log.record(fire)
                }
            }
        }
        options.say("memory: 10,000 jobs idle for \(Int(idleSeconds)) s, then due every second for \(Int(busySeconds)) s …")
        // Idle: 3,600 s intervals, spread over the hour; a few fire, almost all wait.
        scheduler.update(jobs: jobs(interval: 3_600))
        let sampler = MemorySampler()
        var idle = MemoryStatus.now()
        var busyLargest = 0
        await withDiscardingTaskGroup { group in
            group.addTask { await scheduler.run() }
            try? await Task.sleep(for: .seconds(double: idleSeconds))
            idle = MemoryStatus.now()
            scheduler.update(jobs: jobs(interval: 1))
            await withDiscardingTaskGroup { inner in
                inner.addTask { await sampler.run() }
                try? await Task.sleep(for: .seconds(double: busySeconds))
                inner.cancelAll()
            }
            busyLargest = await sampler.largestResidentKiB
            scheduler.shutdown()
        }
        let end = MemoryStatus.now()
        let runs = log.snapshot.runsInWindow
        let label = "10,000 jobs"
        let limitKiB = 64_000_000 / 1024
        options.say(
            "memory: baseline \(Format.mebibytes(kibibytes: baseline.residentKiB)), idle \(Format.mebibytes(kibibytes: idle.residentKiB)), busy \(Format.mebibytes(kibibytes: busyLargest)), peak \(Format.mebibytes(kibibytes: end.peakResidentKiB)) (\(runs) runs)"
        )
        return [
            ResultRow(part: Self.name, scenario: "empty process (runtime, NIO, Foundation loaded)", metric: "resident memory (VmRSS)", value: Format.mebibytes(kibibytes: baseline.residentKiB)),
            .checked(
                Self.name, label + " scheduled, idle (\(Int(idleSeconds)) s)", "resident memory (VmRSS)",
                Format.mebibytes(kibibytes: idle.residentKiB), target: "< 64 MB", isMet: idle.residentKiB < limitKiB),
            ResultRow(
                part: Self.name, scenario: label + " scheduled, idle (\(Int(idleSeconds)) s)", metric: "of which the jobs and scheduler (VmRSS growth)",
                value: Format.mebibytes(kibibytes: idle.residentKiB - baseline.residentKiB)),
            ResultRow(
                part: Self.name, scenario: "empty process → 10,000 jobs idle", metric: "anonymous memory (heap, stacks; RssAnon)",
                value: "\(Format.mebibytes(kibibytes: baseline.anonymousKiB)) → \(Format.mebibytes(kibibytes: idle.anonymousKiB))"),
            .checked(
                Self.name, label + " × 1 s running (\(Int(busySeconds)) s, \(Format.count(runs)) runs)", "resident memory, largest sample",
                Format.mebibytes(kibibytes: busyLargest), target: "< 64 MB", isMet: busyLargest < limitKiB),
            .checked(
                Self.name, label + " × 1 s running (\(Int(busySeconds)) s, \(Format.count(runs)) runs)", "peak resident memory (VmHWM)",
                Format.mebibytes(kibibytes: end.peakResidentKiB), target: "< 64 MB", isMet: end.peakResidentKiB < limitKiB),
        ]
    }
}
