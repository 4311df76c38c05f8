import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Logging
import MetricsTestKit
import Synchronization

/// 2023-11-14T22:15:00Z, a multiple of 60 and of 300 seconds.
let schedulerEpoch: Int64 = 1_700_000_100

/// A date `seconds` after ``schedulerEpoch``.
func simulatedTime(_ seconds: Double) -> Date {
    Date(timeIntervalSince1970: Double(schedulerEpoch) + seconds)
}

/// Seconds since ``schedulerEpoch``.
func simulatedOffset(_ date: Date) -> Double {
    date.timeIntervalSince1970 - Double(schedulerEpoch)
}

/// Records the runs that jobs report, in the order they started.
final class SchedulerRunRecorder: Sendable {
    struct Run: Sendable, Equatable {
        var job: String
        var intervals: [Int]
        /// Seconds since the epoch.
        var scheduled: Double
        var lateness: Double
    }

    private let runs = Mutex<[Run]>([])

    var all: [Run] { runs.withLock { $0 } }

    func runs(of job: String) -> [Run] { all.filter { $0.job == job } }

    func record(_ context: FireContext) {
        runs.withLock {
            $0.append(Run(job: context.jobID, intervals: context.intervals, scheduled: simulatedOffset(context.scheduled), lateness: context.lateness))
        }
    }

    /// A job whose work records its fire and then does `body`.
    func job(
        _ id: String, _ intervals: [Int], start: Date? = nil, fingerprint: Int = 0, timeout: Duration? = nil,
        body: @escaping @Sendable (FireContext) async throws -> Void = { _ in }
    ) -> ScheduledJob {
        ScheduledJob(id: id, intervals: intervals, start: start, fingerprint: fingerprint, timeout: timeout) { [self] context in
            record(context)
            try await body(context)
        }
    }
}

/// The scheduler tests' name for the shared log capture.
typealias SchedulerLogCapture = LogCapture

/// A scheduler running on a manual clock, with captured logs and metrics.
struct SchedulerHarness {
    let clock: ManualClock
    let scheduler: JobScheduler
    let logs: SchedulerLogCapture
    let metrics: TestMetrics
    let recorder: SchedulerRunRecorder

    /// Replaces the job set and lets the scheduler react.
    func update(_ jobs: [ScheduledJob]) async {
        scheduler.update(jobs: jobs)
        await clock.settle()
    }

    /// Advances the clock to `seconds` after the epoch.
    func advance(to seconds: Double) async {
        await clock.advance(to: simulatedTime(seconds))
    }

    var statistics: SchedulerStatistics { scheduler.statistics }
}

/// Runs `body` with a scheduler whose loop and runs execute on the manual clock's executor, then
/// shuts the scheduler down and checks that `run()` returned.
func withScheduler(
    _ options: SchedulerOptions = SchedulerOptions(),
    startingAt start: Double = 0,
    _ body: (SchedulerHarness) async throws -> Void
) async throws {
    let clock = ManualClock(now: simulatedTime(start))
    let logs = SchedulerLogCapture()
    let metrics = TestMetrics()
    let scheduler = JobScheduler(options: options, clock: clock, logger: logs.logger, metricsFactory: metrics)
    let harness = SchedulerHarness(
        clock: clock, scheduler: scheduler, logs: logs, metrics: metrics, recorder: SchedulerRunRecorder())
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask(executorPreference: clock.executor) {
            await scheduler.run()
        }
        await clock.settle()
        try await body(harness)
        scheduler.shutdown()
        await clock.settle()
        // Runs still sleeping on the clock are cancelled at the end of the grace period.
        await clock.advance(by: Double(options.shutdownGracePeriod.components.seconds) + 1)
        try await group.waitForAll()
    }
}

/// A value shared between a test and the tasks it starts.
final class SchedulerTestBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }

    var value: Value { mutex.withLock { $0 } }
}
