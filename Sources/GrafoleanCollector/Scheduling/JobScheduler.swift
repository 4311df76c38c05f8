import Foundation
import Logging
import Metrics
import Synchronization

/// Runs jobs at whole seconds of their interval grids, with limits, timeouts and graceful shutdown.
///
/// One loop keeps the next fire of every job in a queue (a heap of fire seconds, each with a
/// bucket of jobs) and sleeps once, on the injected clock, until the earliest fire, a run's
/// deadline or the heartbeat, whichever comes first; it does not keep a sleeping task per job.
/// Runs are child tasks of ``run()``, grouped in batches of runs that share a deadline (one task
/// per batch owns them, so that they can be cancelled together); never unstructured tasks. A run
/// starts synchronously on its batch's thread until its first suspension, and reports its end to
/// its batch rather than to the scheduler's lock, so that thousands of runs due in the same
/// second start within a few milliseconds.
///
/// Semantics, in short:
/// - A job fires at `origin + k·interval` (k ≥ 1) for each interval; coinciding intervals fire
///   once, and the run is told which. Fire times come from the grid, so nothing drifts.
/// - A fire found more than ``SchedulerOptions/clockStepTolerance`` late (the wall clock stepped
///   forward, or the process was suspended) is skipped, counted and logged once per tick; the job
///   fires again at its next grid second, without a burst. A backward step re-aligns every job
///   to the grid at the new time.
/// - A fire while the job has its maximum of runs in flight is skipped (counted and logged). A
///   fire while all slots are taken waits and runs late; a further fire of the same job merges
///   into the waiting one (union of the intervals) and is counted as coalesced.
/// - A run that outlives its timeout is cancelled, counted and logged; a run that throws is logged
///   and counted; neither affects other runs.
/// - ``update(jobs:)`` keeps unchanged jobs (and their phase), gives changed ones a new grid, and
///   removes missing ones: their runs in flight finish, up to their timeout, with no new fires.
/// - ``shutdown()`` stops new runs, lets runs in flight finish up to the grace period, then
///   cancels them; ``run()`` returns once all its tasks are done. Cancelling the task of ``run()``
///   cancels all runs at once.
package final class JobScheduler: Sendable {
    let clock: any CollectorClock
    let logger: Logger
    let metrics: SchedulerMetrics
    let state: Mutex<SchedulerState>
    /// Read by every run without the lock: whether to report its end to the state at once.
    let eagerHarvest = SchedulerState.EagerHarvestFlag()
    /// Told of each fire skipped because the job's previous run was still going (for `/status`).
    let onSkippedFire: @Sendable (_ job: String, _ scheduled: Date) -> Void

    /// Creates a scheduler; it starts working when ``run()`` is called.
    package init(
        options: SchedulerOptions = SchedulerOptions(),
        clock: any CollectorClock = SystemClock(),
        logger: Logger = Logger(label: "grafolean.collector.scheduler"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        onSkippedFire: @escaping @Sendable (_ job: String, _ scheduled: Date) -> Void = { _, _ in }
    ) {
        self.onSkippedFire = onSkippedFire
        self.clock = clock
        self.logger = logger
        self.metrics = SchedulerMetrics(factory: metricsFactory)
        self.state = Mutex(SchedulerState(options: options, metrics: metrics, eagerHarvest: eagerHarvest))
    }

    /// Replaces the set of jobs. Can be called before or while ``run()`` runs.
    ///
    /// Jobs without a valid interval, with an unusable start, or with a duplicate id are logged
    /// once per id (not on every update) and are not scheduled.
    package func update(jobs: [ScheduledJob]) {
        let now = clock.now.timeIntervalSince1970
        let (events, waiter) = state.withLock { state in
            (state.update(jobs: jobs, now: now), state.takeLoopWaiter())
        }
        waiter?.resume()
        log(events)
    }

    /// Asks ``run()`` to stop starting runs, let runs in flight finish up to the grace period,
    /// cancel the rest and return.
    package func shutdown() {
        let waiter = state.withLock { state in
            state.shutdownRequested = true
            return state.takeLoopWaiter()
        }
        waiter?.resume()
    }

    /// A snapshot of the scheduler's counters; `lastTick` and `ticks` tell that the loop is alive
    /// (it ticks at least once per heartbeat).
    package var statistics: SchedulerStatistics {
        state.withLock { state in
            state.harvestAll()
            return state.statistics
        }
    }

    /// The clock's time at the loop's last iteration: a liveness signal. While ``run()`` runs,
    /// it is never older than ``SchedulerOptions/heartbeatInterval`` plus the time one iteration
    /// takes, so a health check can call the scheduler stuck when it is much older than that.
    package var lastTick: Date? {
        state.withLock { $0.statistics.lastTick }
    }

    /// The next grid fire of a scheduled job, if it is scheduled.
    package func nextFire(ofJob id: String) -> Date? {
        state.withLock { state in
            guard let slot = state.slotByID[id], let next = state.slots[slot]?.nextFire else { return nil }
            return Date(timeIntervalSince1970: Double(next))
        }
    }

    /// Runs the scheduler until ``shutdown()`` completes or the calling task is cancelled.
    ///
    /// Owns every task it starts. Call it once.
    package func run() async {
        let isAlreadyRunning = state.withLock { state in
            defer { state.isLoopRunning = true }
            return state.isLoopRunning
        }
        guard !isAlreadyRunning else {
            logger.error("JobScheduler.run() was called while it already runs; this call returns at once")
            return
        }
        await withDiscardingTaskGroup { group in
            var sleptUntil: Double?
            while true {
                let now = clock.now.timeIntervalSince1970
                let isCancelled = Task.isCancelled
                var step = state.withLock { $0.step(now: now, sleptUntil: sleptUntil, isCancelled: isCancelled) }
                while true {
                    for (waiter, end) in step.endedBatches { waiter.resume(returning: end) }
                    log(step.events)
                    for batch in step.batches {
                        group.addTask { await self.runBatch(batch) }
                    }
                    guard step.hasMoreDue else { break }
                    // Release the lock between batches so that runs start while later fires of
                    // a busy second are still being processed.
                    step = state.withLock { $0.fireMore(now: now) }
                }
                if step.isFinished { break }
                await sleep(until: step.nextWake)
                sleptUntil = step.nextWake
            }
        }
    }

    /// Sleeps on the clock until `deadline`, or until something wakes the loop earlier.
    private func sleep(until deadline: Double) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await self.clock.sleep(until: Date(timeIntervalSince1970: deadline))
                    self.wakeUp()
                } catch {
                    // Cancelled: the loop was woken by something else, or is being cancelled.
                }
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    if state.withLock({ $0.waitForWakeUp(continuation) }) { continuation.resume() }
                }
            } onCancel: {
                self.wakeUp()
            }
            group.cancelAll()
        }
    }

    private func wakeUp() {
        state.withLock { $0.takeLoopWaiter() }?.resume()
    }

    /// Runs a batch of runs as children of one task, and cancels those left when it times out.
    private func runBatch(_ start: SchedulerState.BatchStart) async {
        let batch = start.batch
        await withDiscardingTaskGroup { group in
            // Each run starts at once on this thread and runs until its first suspension (for
            // a bot, sending its request), instead of being queued: with thousands of runs due
            // in the same second, this removes a queue hop from every run's start.
            for index in start.runs.indices {
                group.addImmediateTask { await self.execute(start, index: index) }
            }
            let end = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<RunBatch.End, Never>) in
                    if let end = batch.wait(continuation) { continuation.resume(returning: end) }
                }
            } onCancel: {
                // The scheduler's task was cancelled: the runs are cancelled with it.
                batch.endWaitForCancelledTask()?.resume(returning: .shutdown)
            }
            if end != .completed { group.cancelAll() }
        }
        state.withLock { $0.harvest(batch: batch.id) }?.resume()
    }

    private func execute(_ start: SchedulerState.BatchStart, index: Int) async {
        let run = start.runs[index]
        let started = clock.now
        let lateness = started.timeIntervalSince1970 - run.scheduled
        metrics.runLateness.recordSeconds(max(0, lateness))
        let context = FireContext(
            jobID: run.jobID, intervals: run.intervals, scheduled: Date(timeIntervalSince1970: run.scheduled),
            lateness: lateness, deadline: Date(timeIntervalSince1970: start.deadline))
        var failure: (any Error)?
        do {
            try await run.work(context)
        } catch {
            failure = error
        }
        metrics.runDuration.recordSeconds(max(0, clock.now.timeIntervalSince(started)))
        let outcome: RunBatch.Outcome = failure == nil ? .succeeded : Task.isCancelled ? .cancelledByTask : .failed
        let (cancellation, batchWaiter) = start.batch.finish(index: index, outcome: outcome, lateness: lateness)
        batchWaiter?.resume(returning: .completed)
        if eagerHarvest.isSet.load(ordering: .sequentiallyConsistent) {
            state.withLock { $0.harvest(batch: start.batch.id) }?.resume()
        }
        if let failure, cancellation == nil, outcome == .failed {
            metrics.runFailures.increment()
            logger.warning(
                "Job run failed",
                metadata: ["job": "\(run.jobID)", "error": "\(String(reflecting: failure))"])
        }
    }
}
