import Synchronization

extension SchedulerState {
    /// Takes in the run ends recorded in a batch since the last harvest; forgets the batch once
    /// all its runs have ended. Returns the loop's continuation when the loop now has work.
    mutating func harvest(batch id: UInt64) -> CheckedContinuation<Void, Never>? {
        guard let record = batches[id] else { return nil }
        harvest(record, id: id)
        return wakeLoopIfItHasWork()
    }

    /// Takes in the run ends recorded in every batch, so that counts are exact.
    mutating func harvestAll() {
        for (id, record) in batches { harvest(record, id: id) }
    }

    private mutating func harvest(_ record: BatchRecord, id: UInt64) {
        let (finished, isComplete) = record.batch.harvest()
        if isComplete { batches.removeValue(forKey: id) }
        guard !finished.isEmpty else { return }
        for run in finished {
            let slot = record.batch.slots[run.index]
            if let entry = slots[slot] {
                entry.runsInFlight -= 1
                if run.cancellation != nil { entry.runsUnwinding -= 1 }
                if entry.work == nil { freeSlotIfIdle(slot) }
            }
            if run.lateness > statistics.maximumLateness { statistics.maximumLateness = run.lateness }
            guard run.cancellation == nil else { continue }
            switch run.outcome {
            case .succeeded: statistics.runsSucceeded += 1
            case .failed: statistics.runsFailed += 1
            case .cancelledByTask: statistics.runsCancelled += 1
            }
        }
        runsInFlight -= finished.count
        statistics.runsInFlight = runsInFlight
        // The gauge is also sampled at every tick; recording it here only when it drops to
        // zero keeps the per-run cost low and the idle value exact.
        if runsInFlight == 0 { metrics.runsInFlight.record(0) }
    }

    /// Tells runs whether to report their end at once, then takes in the ends reported before.
    ///
    /// Storing the flag before harvesting closes the race with a run that read the old value:
    /// either the run sees the flag, or its end is in this harvest.
    mutating func armEagerHarvest() {
        let needed = !waitingQueue.isEmpty || shutdownRequested
        eagerHarvest.isSet.store(needed, ordering: .sequentiallyConsistent)
        guard needed else { return }
        harvestAll()
        if hasWorkForLoop { wakeRequested = true }
    }

    /// The loop has work when a waiting run can start, or when shutdown can finish.
    private var hasWorkForLoop: Bool {
        (!waitingQueue.isEmpty && runsInFlight < maximumConcurrentRuns) || (shutdownRequested && runsInFlight == 0)
    }

    private mutating func wakeLoopIfItHasWork() -> CheckedContinuation<Void, Never>? {
        hasWorkForLoop ? takeLoopWaiter() : nil
    }
}
