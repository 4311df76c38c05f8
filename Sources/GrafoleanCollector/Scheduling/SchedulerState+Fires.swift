import DequeModule

extension SchedulerState {
    mutating func startWaitingRuns(now: Double, step: inout Step) {
        guard !waitingQueue.isEmpty, runsInFlight < maximumConcurrentRuns else { return }
        var kept: Deque<(slot: Int, token: UInt64)> = []
        while let item = waitingQueue.popFirst() {
            guard let entry = slots[item.slot], let waiting = entry.waitingRun, waiting.token == item.token else { continue }
            if runsInFlight >= maximumConcurrentRuns {
                kept.append(item)
                kept.append(contentsOf: waitingQueue)
                waitingQueue.removeAll()
                break
            }
            if entry.runsInFlight >= entry.runLimit {
                kept.append(item)  // waits for a timed-out run of its job to unwind
                continue
            }
            entry.waitingRun = nil
            statistics.runsWaiting -= 1
            startRun(item.slot, entry, intervals: waiting.intervals.sorted(), scheduled: waiting.scheduled, now: now)
        }
        waitingQueue = kept
    }

    mutating func fireAddedJobs(now: Double, step: inout Step) {
        while let added = addedJobs.popFirst() {
            guard let entry = slots[added.slot], entry.generation == added.generation, let grid = entry.grid else { continue }
            fire(added.slot, entry, intervals: grid.intervalList, scheduled: added.at, now: now, step: &step)
        }
    }

    /// Handles the fires due at `now` until a batch is full; returns whether more are due.
    ///
    /// A fire more than the tolerance late is skipped and counted (the wall clock stepped forward
    /// or the process was suspended); the job then fires at its next grid second, never in a burst.
    mutating func fireDueJobs(now: Double, step: inout Step) -> Bool {
        let nowSecond = Self.wholeSecond(now)
        // The largest whole second strictly before the cutoff: fires at or before it are missed.
        let lastMissed = -Self.wholeSecond(tolerance - now) - 1  // ⌈now − tolerance⌉ − 1
        let startedBefore = statistics.runsStarted
        while statistics.runsStarted - startedBefore < Self.batchSize {
            guard let item = fireQueue.popDue(through: nowSecond) else { break }
            guard let entry = slots[item.slot], entry.generation == item.generation, entry.nextFire == item.time,
                let grid = entry.grid
            else { continue }
            var first = item.time
            if first <= lastMissed {
                tickSkippedFires += grid.fireCount(from: first, through: lastMissed)
                tickSkippedJobs += 1
                first = grid.nextFire(after: lastMissed)
            }
            if first <= nowSecond {
                var next = grid.nextFire(after: first)
                if next > nowSecond {
                    fire(item.slot, entry, intervals: grid.intervals(firingAt: first), scheduled: Double(first), now: now, step: &step)
                } else {
                    // Several grid seconds within the tolerance: one run for all of them.
                    var intervals = Set(grid.intervals(firingAt: first))
                    while next <= nowSecond {
                        intervals.formUnion(grid.intervals(firingAt: next))
                        statistics.firesCoalesced += 1
                        metrics.firesCoalesced.increment()
                        next = grid.nextFire(after: next)
                    }
                    fire(item.slot, entry, intervals: intervals.sorted(), scheduled: Double(first), now: now, step: &step)
                }
                entry.nextFire = next
            } else {
                entry.nextFire = first
            }
            fireQueue.insert(FireQueue.Item(time: entry.nextFire!, slot: item.slot, generation: item.generation))
        }
        if let next = fireQueue.nextTime, next <= nowSecond { return true }
        if tickSkippedFires > 0 {
            statistics.firesSkippedClockJump += Int(tickSkippedFires)
            metrics.firesSkippedClockJump.increment(by: tickSkippedFires)
        }
        return false
    }

    /// Handles one fire of a job: start it, merge it into its waiting run, make it wait, or skip it.
    private mutating func fire(_ slot: Int, _ entry: JobEntry, intervals: [Int], scheduled: Double, now: Double, step: inout Step) {
        if var waiting = entry.waitingRun {
            waiting.intervals.formUnion(intervals)
            waiting.scheduled = min(waiting.scheduled, scheduled)
            entry.waitingRun = waiting
            statistics.firesCoalesced += 1
            metrics.firesCoalesced.increment()
        } else if entry.runsInFlight >= entry.runLimit && entry.runsUnwinding < entry.runsInFlight {
            statistics.firesSkippedOverlap += 1
            metrics.firesSkippedOverlap.increment()
            step.events.append(.overlapSkipped(job: entry.id, scheduled: scheduled, runsInFlight: entry.runsInFlight))
        } else if entry.runsInFlight >= entry.runLimit || runsInFlight >= maximumConcurrentRuns {
            nextGeneration += 1
            entry.waitingRun = WaitingRun(intervals: Set(intervals), scheduled: scheduled, token: nextGeneration)
            waitingQueue.append((slot, nextGeneration))
            statistics.runsWaiting += 1
            statistics.firesDeferred += 1
        } else {
            startRun(slot, entry, intervals: intervals, scheduled: scheduled, now: now)
        }
    }

    /// Counts a run as in flight and adds it to the open batch for its timeout.
    private mutating func startRun(_ slot: Int, _ entry: JobEntry, intervals: [Int], scheduled: Double, now: Double) {
        entry.runsInFlight += 1
        runsInFlight += 1
        statistics.runsStarted += 1
        statistics.runsInFlight = runsInFlight
        let timeout = entry.timeout
        var open = openBatches.firstIndex { $0.timeout == timeout }
        if let index = open, openBatches[index].runs.count >= Self.batchSize {
            closeBatch(at: index)
            open = nil
        }
        if open == nil {
            nextBatchID += 1
            openBatches.append((timeout, nextBatchID, now + timeout, [], []))
            open = openBatches.count - 1
        }
        openBatches[open!].slots.append(slot)
        openBatches[open!].runs.append(
            RunStart(jobID: entry.id, work: entry.work!, intervals: intervals, scheduled: scheduled))
    }

    private mutating func closeBatch(at index: Int) {
        let open = openBatches.remove(at: index)
        let batch = RunBatch(id: open.id, timeout: open.timeout, slots: open.slots)
        batches[open.id] = BatchRecord(batch: batch, deadline: open.deadline)
        deadlineHeap.insert(DeadlineItem(deadline: open.deadline, batch: open.id))
        closedBatches.append(BatchStart(batch: batch, deadline: open.deadline, runs: open.runs))
    }

    /// Hands out the batches filled so far.
    mutating func takeBatches() -> [BatchStart] {
        while !openBatches.isEmpty { closeBatch(at: 0) }
        let result = closedBatches
        closedBatches = []
        let started = result.reduce(0) { $0 + $1.runs.count }
        if started > 0 { metrics.runs.increment(by: Int64(started)) }
        return result
    }
}
