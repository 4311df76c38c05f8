import Synchronization

/// Runs started together with the same deadline, shared by the scheduler's state and the task
/// that owns the runs.
///
/// A run records its end here, under this batch's own lock, instead of under the scheduler's:
/// a batch's runs usually end on the thread that started them, so this lock is uncontended,
/// whereas the scheduler's lock is busy while the loop starts thousands of runs. The scheduler
/// takes the recorded ends in ("harvests" them) when the batch finishes, at every tick, and
/// whenever it needs exact counts.
final class RunBatch: Sendable {
    enum Cancellation: Sendable { case timeout, shutdown }

    /// How a batch's wait ended: all its runs finished, or the rest must be cancelled.
    enum End: Sendable { case completed, timedOut, shutdown }

    enum Outcome: Sendable { case succeeded, failed, cancelledByTask }

    /// A run's end, not yet taken in by the scheduler's state.
    struct Finished: Sendable {
        var index: Int
        var outcome: Outcome
        var cancellation: Cancellation?
        var lateness: Double
    }

    struct Runs: Sendable {
        var finished: [Bool]
        var cancellations: [Cancellation?]
        var remaining: Int
        var unharvested: [Finished] = []
        var end: End?
        var waiter: CheckedContinuation<End, Never>?
    }

    let id: UInt64
    let timeout: Double
    /// The job slot of each run.
    let slots: [Int]
    let runs: Mutex<Runs>

    init(id: UInt64, timeout: Double, slots: [Int]) {
        self.id = id
        self.timeout = timeout
        self.slots = slots
        self.runs = Mutex(Runs(finished: Array(repeating: false, count: slots.count),
            cancellations: Array(repeating: nil, count: slots.count), remaining: slots.count))
    }

    /// Records a run's end; returns its cancellation (if it was cancelled) and the batch task's
    /// continuation when this was the last run.
    func finish(index: Int, outcome: Outcome, lateness: Double) -> (Cancellation?, CheckedContinuation<End, Never>?) {
        runs.withLock { runs in
            runs.finished[index] = true
            runs.remaining -= 1
            let cancellation = runs.cancellations[index]
            runs.unharvested.append(Finished(index: index, outcome: outcome, cancellation: cancellation, lateness: lateness))
            var waiter: CheckedContinuation<End, Never>?
            if runs.remaining == 0 && runs.end == nil {
                runs.end = .completed
                waiter = runs.waiter
                runs.waiter = nil
            }
            return (cancellation, waiter)
        }
    }

    /// Registers the batch task's wait; returns the end at once when it is already known.
    func wait(_ continuation: CheckedContinuation<End, Never>) -> End? {
        runs.withLock { runs in
            if let end = runs.end { return end }
            runs.waiter = continuation
            return nil
        }
    }

    /// Ends the batch's wait (timeout or shutdown): marks its unfinished runs cancelled and
    /// returns their indices and the batch task's continuation. Does nothing once it has ended.
    func cancel(_ end: End) -> (cancelled: [Int], waiter: CheckedContinuation<End, Never>?) {
        let cancellation: Cancellation = end == .timedOut ? .timeout : .shutdown
        return runs.withLock { runs in
            guard runs.end == nil else { return ([], nil) }
            runs.end = end
            var cancelled: [Int] = []
            for index in runs.finished.indices where !runs.finished[index] {
                runs.cancellations[index] = cancellation
                cancelled.append(index)
            }
            let waiter = runs.waiter
            runs.waiter = nil
            return (cancelled, waiter)
        }
    }

    /// Ends the batch task's wait because the task itself was cancelled; its runs, cancelled
    /// with it, report themselves as cancelled.
    func endWaitForCancelledTask() -> CheckedContinuation<End, Never>? {
        runs.withLock { runs in
            if runs.end == nil { runs.end = .shutdown }
            let waiter = runs.waiter
            runs.waiter = nil
            return waiter
        }
    }

    /// Takes the ends recorded since the last harvest, and whether every run has ended.
    func harvest() -> (finished: [Finished], isComplete: Bool) {
        runs.withLock { runs in
            let finished = runs.unharvested
            runs.unharvested = []
            return (finished, runs.remaining == 0)
        }
    }
}
