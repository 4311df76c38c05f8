import Foundation
import HeapModule

extension SchedulerState {
    /// Begins one iteration of the scheduler's loop at time `now`, after a sleep that should have
    /// ended at `sleptUntil`: handles clock steps, timeouts and shutdown, starts waiting runs and
    /// the first batch of due fires. While ``Step/hasMoreDue``, the loop calls ``fireMore(now:)``.
    mutating func step(now: Double, sleptUntil: Double?, isCancelled: Bool) -> Step {
        var step = Step()
        statistics.ticks += 1
        statistics.lastTick = Date(timeIntervalSince1970: now)
        detectClockSteps(now: now, sleptUntil: sleptUntil, step: &step)
        lastNow = now
        harvestAll()

        if isCancelled && !shutdownRequested {
            shutdownRequested = true
            shutdownDeadline = now
        }
        timeOutRuns(now: now, step: &step)
        if shutdownRequested {
            stepShuttingDown(now: now, step: &step)
            return step
        }
        tickSkippedFires = 0
        tickSkippedJobs = 0
        startWaitingRuns(now: now, step: &step)
        fireAddedJobs(now: now, step: &step)
        continueFiring(now: now, step: &step)
        return step
    }

    /// Starts the next batch of fires due at `now`.
    mutating func fireMore(now: Double) -> Step {
        var step = Step()
        continueFiring(now: now, step: &step)
        return step
    }

    private mutating func continueFiring(now: Double, step: inout Step) {
        step.hasMoreDue = fireDueJobs(now: now, step: &step)
        step.batches = takeBatches()
        guard !step.hasMoreDue else { return }
        armEagerHarvest()
        if tickSkippedFires > 0 {
            step.events.append(.clockSteppedForward(by: tickClockStep, skippedFires: tickSkippedFires, jobs: tickSkippedJobs))
        }
        var nextWake = now + heartbeat
        if let next = fireQueue.nextTime { nextWake = min(nextWake, Double(next)) }
        if let next = deadlineHeap.min { nextWake = min(nextWake, next.deadline) }
        step.nextWake = nextWake
        metrics.runsInFlight.record(runsInFlight)
    }

    private mutating func detectClockSteps(now: Double, sleptUntil: Double?, step: inout Step) {
        tickClockStep = nil
        if let last = lastNow, now < last - tolerance {
            // Backward step: re-align every job to the grid at the new time, and move deadlines
            // (timeouts, shutdown) by the same amount, since they measure durations.
            let delta = now - last
            statistics.backwardClockSteps += 1
            step.events.append(.clockSteppedBackward(by: -delta))
            let nowSecond = Self.wholeSecond(now)
            var items: [FireQueue.Item] = []
            for (slot, entry) in slots.enumerated() {
                guard let entry, let grid = entry.grid else { continue }
                let next = grid.nextFire(after: nowSecond)
                entry.nextFire = next
                items.append(FireQueue.Item(time: next, slot: slot, generation: entry.generation))
            }
            fireQueue = FireQueue(items)
            shiftDeadlines(by: delta)
        } else if let expected = sleptUntil, now > expected + tolerance {
            // Forward step (or the process was suspended): timeouts and the shutdown deadline
            // measure durations, so they move too. Missed fires are skipped in `fireDueJobs`.
            tickClockStep = now - expected
            shiftDeadlines(by: now - expected)
        }
    }

    private mutating func shiftDeadlines(by delta: Double) {
        var items: [DeadlineItem] = []
        for (id, record) in batches {
            record.deadline += delta
            items.append(DeadlineItem(deadline: record.deadline, batch: id))
        }
        deadlineHeap = Heap(items)
        shutdownDeadline = shutdownDeadline.map { $0 + delta }
    }

    private mutating func timeOutRuns(now: Double, step: inout Step) {
        while let item = deadlineHeap.min, item.deadline <= now {
            deadlineHeap.removeMin()
            guard let record = batches[item.batch], record.deadline == item.deadline else { continue }
            endBatch(record.batch, as: .timedOut, step: &step)
        }
    }

    /// Cancels the unfinished runs of a batch (timeout or shutdown), counting and reporting them.
    private mutating func endBatch(_ batch: RunBatch, as end: RunBatch.End, step: inout Step) {
        let (cancelled, waiter) = batch.cancel(end)
        if let waiter { step.endedBatches.append((waiter, end)) }
        var cancelledJobs: [String] = []
        for index in cancelled {
            guard let entry = slots[batch.slots[index]] else { continue }
            entry.runsUnwinding += 1
            if end == .timedOut {
                statistics.runsTimedOut += 1
                metrics.runTimeouts.increment()
                step.events.append(.timedOut(job: entry.id, timeout: batch.timeout))
            } else {
                statistics.runsCancelled += 1
                cancelledJobs.append(entry.id)
            }
        }
        if !cancelledJobs.isEmpty { step.events.append(.shutdownCancelled(runs: cancelledJobs.count, jobs: cancelledJobs)) }
    }

    private mutating func stepShuttingDown(now: Double, step: inout Step) {
        if shutdownDeadline == nil { shutdownDeadline = now + shutdownGracePeriod }
        if !isShutdownLogged {
            // The first shutdown step drops the runs that have not started.
            let dropped = statistics.runsWaiting + addedJobs.count
            for (slot, _) in waitingQueue { slots[slot]?.waitingRun = nil }
            waitingQueue.removeAll()
            addedJobs.removeAll()
            statistics.runsWaiting = 0
            step.events.append(.shutdownStarted(runsInFlight: runsInFlight, droppedWaitingRuns: dropped))
            isShutdownLogged = true
        }
        armEagerHarvest()
        if runsInFlight == 0 {
            step.isFinished = true
        } else if now >= shutdownDeadline! {
            for id in batches.keys.sorted() { endBatch(batches[id]!.batch, as: .shutdown, step: &step) }
            step.isFinished = true
        } else {
            var nextWake = shutdownDeadline!
            if let next = deadlineHeap.min { nextWake = min(nextWake, next.deadline) }
            step.nextWake = nextWake
        }
        metrics.runsInFlight.record(runsInFlight)
    }

    // MARK: Wake-ups

    /// Asks the loop to run an iteration; returns its continuation when it is waiting.
    mutating func takeLoopWaiter() -> CheckedContinuation<Void, Never>? {
        if let waiter = loopWaiter {
            loopWaiter = nil
            return waiter
        }
        wakeRequested = true
        return nil
    }

    /// Registers the loop's wait; returns `true` when a wake-up is already pending.
    mutating func waitForWakeUp(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        if wakeRequested {
            wakeRequested = false
            return true
        }
        loopWaiter = continuation
        return false
    }
}
