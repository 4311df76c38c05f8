import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `--once`: every job runs once, at once, through the same scheduler as in service mode (so run
/// timeouts and the concurrency limit apply), then the service returns and the bot's group shuts
/// down gracefully: the bot's services stop and the sender delivers what is left.
final class OnceRun<C: Collector>: Service {
    /// A grid interval that never comes round again within a run.
    static var onceInterval: Int { 1_000_000_000 }

    private let pipeline: JobPipeline<C>
    private let options: SchedulerOptions
    private let clock: any CollectorClock
    private let logger: Logger
    private let ends: AsyncStream<JobRunOutcome>
    private let endsContinuation: AsyncStream<JobRunOutcome>.Continuation
    private let tally = Mutex<(jobs: Int, failed: Int)>((0, 0))

    init(collector: C, context: JobsContext, settings: CollectorSettings, sink: any ValueSink, clock: any CollectorClock, logger: Logger) {
        let (ends, continuation) = AsyncStream.makeStream(of: JobRunOutcome.self)
        self.ends = ends
        self.endsContinuation = continuation
        self.pipeline = JobPipeline(
            collector: collector, context: context, filter: settings.jobFilter, sink: sink, clock: clock, logger: logger,
            observe: { continuation.yield($0.outcome) })
        var options = settings.scheduler
        options.runsJobsWhenAdded = true
        options.spreadsJobs = false
        self.options = options
        self.clock = clock
        self.logger = logger
    }

    /// How many jobs ran, and how many of their runs failed or timed out.
    var result: (jobs: Int, failed: Int) { tally.withLock { $0 } }

    func run() async throws {
        let jobs = try await pipeline.jobs()
        let count = Set(jobs.map(\.id)).count
        tally.withLock { $0.jobs = count }
        guard count > 0 else { return }
        let scheduler = JobScheduler(options: options, clock: clock, logger: logger)
        scheduler.update(jobs: jobs.map { pipeline.scheduled($0, defaultTimeout: options.runTimeout, gridIntervals: [Self.onceInterval]) })
        let continuation = endsContinuation
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await scheduler.run() }
                var remaining = count
                for await outcome in ends {
                    if outcome != .succeeded { tally.withLock { $0.failed += 1 } }
                    remaining -= 1
                    if remaining == 0 { break }
                }
                // Stopped before every run ended: those runs count as failed.
                if remaining > 0 { tally.withLock { $0.failed += remaining } }
                // Every run ended (or the bot is stopping): no run is in flight, so this returns at once.
                scheduler.shutdown()
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            scheduler.shutdown()
            continuation.finish()
        }
    }
}
