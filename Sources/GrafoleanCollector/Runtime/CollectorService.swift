import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Keeps a collector's jobs in step with the backend and runs them on schedule.
///
/// Every jobs-refresh interval it asks the collector for its jobs and hands them to the scheduler:
/// unchanged jobs keep running untouched (and keep their phase), changed ones are rescheduled,
/// missing ones are removed (a run of a removed job that is in flight finishes, up to its timeout;
/// no new runs start). A failed refresh keeps the current jobs, is logged, and is retried with
/// backoff (from 5 s, doubling, up to the refresh interval).
///
/// On graceful shutdown it stops refreshing and starting runs, and lets runs in flight finish up to
/// ``SchedulerOptions/shutdownGracePeriod`` before cancelling them.
public final class CollectorService<C: Collector>: Service {
    let pipeline: JobPipeline<C>
    let settings: CollectorSettings
    let sender: ValueSender?
    let clock: any CollectorClock
    let logger: Logger
    /// The service's health, for `/health`.
    public let health: CollectorHealth
    let scheduler: JobScheduler
    let board: JobStatusBoard
    let reporter: StatusReporter
    private let refreshFailures = Counter(label: "collector_refresh_failures_total")
    private let reportedShard = Mutex<Shard?>(nil)

    /// Creates the service for a bot whose profile is known (see ``CollectorRuntime``).
    public init(
        collector: C,
        client: GrafoleanClient,
        profile: BotProfile,
        sender: any ValueSink,
        settings: CollectorSettings,
        clock: any CollectorClock = SystemClock(),
        logger: Logger = Logger(label: "grafolean.collector")
    ) {
        let context = JobsContext(client: client, profile: profile, protocolName: collector.protocolName, logger: logger)
        let board = JobStatusBoard()
        self.board = board
        self.pipeline = JobPipeline(
            collector: collector, context: context, filter: settings.jobFilter, sink: sender, clock: clock, logger: logger,
            observe: { board.runEnded($0) })
        self.settings = settings
        self.clock = clock
        self.logger = logger
        let health = CollectorHealth(
            now: clock.now, unhealthyAfterFailedRefreshes: settings.unhealthyAfterFailedRefreshes, deliveryBacklogLimit: settings.unhealthyAfterUndelivered)
        let scheduler = JobScheduler(
            options: settings.scheduler, clock: clock, logger: logger, onSkippedFire: { board.fireSkipped(job: $0, scheduled: $1) })
        self.health = health
        self.scheduler = scheduler
        self.sender = sender as? ValueSender
        self.reporter = StatusReporter(
            board: board, health: health, scheduler: scheduler, sender: sender as? ValueSender, profile: profile,
            protocolName: collector.protocolName, filter: settings.jobFilter, backendURL: settings.backendURL, clock: clock)
    }

    /// What `/status` and the status page show now.
    public func status() async -> CollectorStatus {
        await reporter.status()
    }

    /// Refreshes and runs jobs until a graceful shutdown or cancellation.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await withGracefulShutdownHandler {
                    await self.scheduler.run()
                } onGracefulShutdown: {
                    self.scheduler.shutdown()
                }
                self.logger.info("jobs stopped")
            }
            group.addTask { await cancelWhenGracefulShutdown { await self.refreshLoop() } }
            group.addTask { await cancelWhenGracefulShutdown { await self.watchScheduler() } }
            try await group.waitForAll()
        }
    }

    /// Fetches the jobs once and hands them to the scheduler; returns the job count.
    @discardableResult
    func refresh() async throws -> Int {
        let jobs = try await pipeline.jobs()
        let timeout = settings.scheduler.runTimeout
        board.update(jobs: jobs, now: clock.now)
        reportShard(settings.jobFilter.shard)
        scheduler.update(jobs: jobs.map { pipeline.scheduled($0, defaultTimeout: timeout) })
        return jobs.count
    }

    /// `collector_shard_info{index,count}` 1 for the current shard (0 for one it no longer is).
    private func reportShard(_ shard: Shard?) {
        let previous = reportedShard.withLock { reported in
            defer { reported = shard }
            return reported
        }
        guard previous != shard else { return }
        if let previous { Self.shardGauge(previous).record(0) }
        if let shard { Self.shardGauge(shard).record(1) }
    }

    private static func shardGauge(_ shard: Shard) -> Gauge {
        Gauge(label: "collector_shard_info", dimensions: [("index", "\(shard.index)"), ("count", "\(shard.count)")])
    }

    private func refreshLoop() async {
        var failures = 0
        while !Task.isCancelled {
            let delay: Double
            do {
                let count = try await refresh()
                health.refreshSucceeded(at: clock.now, jobs: count)
                if failures > 0 { logger.notice("configuration refresh works again", metadata: ["jobs": "\(count)"]) }
                failures = 0
                delay = Double(settings.jobsRefreshInterval)
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                refreshFailures.increment()
                let message = redactingBotToken(String(describing: error))
                health.refreshFailed(at: clock.now, error: message)
                delay = min(Double(settings.jobsRefreshInterval), 5 * pow(2, Double(min(failures - 1, 10))))
                logger.error(
                    "configuration refresh failed; keeping the current jobs",
                    metadata: ["error": "\(message)", "retry_in_seconds": "\(Int(delay))", "failures": "\(failures)"])
            }
            do {
                try await clock.sleep(seconds: delay)
            } catch {
                return
            }
        }
    }

    /// Copies the scheduler's progress into the health state.
    private func watchScheduler() async {
        while !Task.isCancelled {
            if let tick = scheduler.lastTick {
                health.schedulerTicked(at: tick)
            }
            if let sender {
                health.deliveryBacklog(oldestWaitingValue: await sender.oldestWaitingTime())
            }
            do {
                try await clock.sleep(seconds: 5)
            } catch {
                return
            }
        }
    }
}
