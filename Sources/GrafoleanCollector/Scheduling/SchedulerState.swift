import DequeModule
import Foundation
import HeapModule
import Synchronization

/// Everything the scheduler knows, changed only under its lock, by synchronous transitions.
///
/// The async parts of ``JobScheduler`` (the loop, batches, runs) call these transitions and act on
/// what they return (tasks to start, continuations to resume, events to log) outside the lock.
/// Job entries and batch records are classes so that the hot paths mutate them in place instead
/// of copying them (a struct copy retains every reference it holds); they never leave the lock.
/// Only ``RunBatch`` (`Sendable`, with its own lock) is shared with the tasks.
struct SchedulerState {
    // MARK: Types

    /// A job known to the scheduler: scheduled, or removed with runs still finishing.
    final class JobEntry {
        let id: String
        /// The current definition; `nil` once the job was removed (its runs may still be finishing).
        var definition: ScheduledJob?
        /// The definition's work, kept apart so that starting a run does not copy the definition;
        /// `nil` exactly when `definition` is (testing it is cheaper).
        var work: (@Sendable (FireContext) async throws -> Void)?
        var grid: ScheduleGrid?
        var timeout: Double = 0
        /// Runs of this job that may be in flight at once (see ``SchedulerOptions/maximumConcurrentRunsPerJob``).
        var runLimit = 1
        /// The next fire on the grid; matches exactly one valid item in the fire queue.
        var nextFire: Int64?
        /// Identifies the current schedule; heap and queue items of an older one are ignored.
        var generation: UInt64 = 0
        var runsInFlight = 0
        /// Runs in flight that were already cancelled (timeout) and are unwinding.
        var runsUnwinding = 0
        var waitingRun: WaitingRun?

        init(id: String) { self.id = id }
    }

    /// A fire that waits for a free slot (at most one per job; later fires merge into it).
    struct WaitingRun {
        var intervals: Set<Int>
        var scheduled: Double
        var token: UInt64
    }

    /// A batch's deadline in the deadline heap (stale once the batch is gone or its deadline moved).
    struct DeadlineItem: Comparable {
        var deadline: Double
        var batch: UInt64
        static func < (a: Self, b: Self) -> Bool { (a.deadline, a.batch) < (b.deadline, b.batch) }
    }

    /// A batch in flight, as the state sees it: the shared batch and its deadline (which moves
    /// with wall-clock steps).
    final class BatchRecord {
        let batch: RunBatch
        var deadline: Double

        init(batch: RunBatch, deadline: Double) {
            self.batch = batch
            self.deadline = deadline
        }
    }

    /// Whether runs must report their end to the state at once (runs wait for a slot, or the
    /// scheduler shuts down) rather than leave it to be harvested later.
    final class EagerHarvestFlag: Sendable {
        let isSet = Atomic<Bool>(false)
    }

    /// A run to start, as handed to a batch task; its index in the batch identifies it.
    struct RunStart: Sendable {
        var jobID: String
        var work: @Sendable (FireContext) async throws -> Void
        var intervals: [Int]
        var scheduled: Double
    }

    /// A batch to start: the shared batch, its deadline and its runs.
    struct BatchStart: Sendable {
        var batch: RunBatch
        var deadline: Double
        var runs: [RunStart]
    }

    /// Something to log, produced under the lock and logged outside it.
    enum Event: Sendable {
        case overlapSkipped(job: String, scheduled: Double, runsInFlight: Int)
        case timedOut(job: String, timeout: Double)
        case clockSteppedForward(by: Double?, skippedFires: Int64, jobs: Int)
        case clockSteppedBackward(by: Double)
        case invalidIntervals(job: String, intervals: [Int])
        case noInterval(job: String)
        case invalidStart(job: String)
        case duplicateJob(job: String)
        case shutdownStarted(runsInFlight: Int, droppedWaitingRuns: Int)
        case shutdownCancelled(runs: Int, jobs: [String])
    }

    /// What the loop must do outside the lock after a transition.
    struct Step {
        var batches: [BatchStart] = []
        var endedBatches: [(CheckedContinuation<RunBatch.End, Never>, RunBatch.End)] = []
        var events: [Event] = []
        /// More fires are due now: call ``SchedulerState/fireMore(now:)`` before sleeping.
        var hasMoreDue = false
        var nextWake: Double = 0
        var isFinished = false
    }

    // MARK: Configuration

    let maximumConcurrentRuns: Int
    let maximumConcurrentRunsPerJob: Int
    let runTimeout: Double?
    let shutdownGracePeriod: Double
    let tolerance: Double
    let heartbeat: Double
    let runsJobsWhenAdded: Bool
    let spreadsJobs: Bool
    let metrics: SchedulerMetrics
    let eagerHarvest: EagerHarvestFlag
    /// Runs are started in batches of at most this many, handed out as soon as each is full, so
    /// that the first runs of a busy second start while later fires are still being processed,
    /// and both cores create tasks.
    static let batchSize = 256

    // MARK: Jobs

    var slots: [JobEntry?] = []
    var freeSlots: [Int] = []
    var slotByID: [String: Int] = [:]
    var fireQueue = FireQueue()
    var addedJobs: Deque<(slot: Int, generation: UInt64, at: Double)> = []
    var waitingQueue: Deque<(slot: Int, token: UInt64)> = []
    var nextGeneration: UInt64 = 0
    var scheduledJobCount = 0
    /// Job ids currently reported as unusable, so that each is logged once, not on every update.
    var reportedProblems: Set<String> = []

    // MARK: Runs

    var batches: [UInt64: BatchRecord] = [:]
    var nextBatchID: UInt64 = 0
    var deadlineHeap = Heap<DeadlineItem>()
    var runsInFlight = 0
    /// Batches being filled in the current transition, by timeout (usually one).
    var openBatches: [(timeout: Double, id: UInt64, deadline: Double, slots: [Int], runs: [RunStart])] = []
    var closedBatches: [BatchStart] = []

    // MARK: Loop

    var lastNow: Double?
    var isLoopRunning = false
    var wakeRequested = false
    var loopWaiter: CheckedContinuation<Void, Never>?
    var shutdownRequested = false
    var shutdownDeadline: Double?
    var isShutdownLogged = false
    /// Fires skipped in the current tick (reported once per tick).
    var tickSkippedFires: Int64 = 0
    var tickSkippedJobs = 0
    var tickClockStep: Double?

    var statistics = SchedulerStatistics()

    init(options: SchedulerOptions, metrics: SchedulerMetrics, eagerHarvest: EagerHarvestFlag) {
        maximumConcurrentRuns = max(1, options.maximumConcurrentRuns)
        maximumConcurrentRunsPerJob = max(1, options.maximumConcurrentRunsPerJob)
        runTimeout = options.runTimeout.map(\.inSeconds).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        shutdownGracePeriod = max(0, options.shutdownGracePeriod.inSeconds)
        tolerance = min(max(0, options.clockStepTolerance.inSeconds), 3_600)
        heartbeat = min(max(0.001, options.heartbeatInterval.inSeconds), 86_400)
        runsJobsWhenAdded = options.runsJobsWhenAdded
        spreadsJobs = options.spreadsJobs
        self.metrics = metrics
        self.eagerHarvest = eagerHarvest
    }

    /// The whole second at or before `time` (clamped far from overflow).
    static func wholeSecond(_ time: Double) -> Int64 {
        guard time.isFinite else { return time > 0 ? 1 << 50 : -(1 << 50) }
        return Int64(min(max(time, -1e15), 1e15).rounded(.down))
    }
}
