import Foundation

extension SchedulerState {
    /// Replaces the job set: unchanged jobs keep their schedule, changed ones get a new grid,
    /// missing ones are removed (their runs in flight finish, up to their timeout).
    mutating func update(jobs: [ScheduledJob], now: Double) -> [Event] {
        var events: [Event] = []
        var seen = Set<String>()
        var problems = Set<String>()
        var scheduledIDs = Set<String>()
        var unscheduled = 0
        let nowSecond = Self.wholeSecond(now)

        func report(_ id: String, _ event: Event) {
            problems.insert(id)
            if !reportedProblems.contains(id) { events.append(event) }
        }

        for job in jobs {
            guard seen.insert(job.id).inserted else {
                report(job.id, .duplicateJob(job: job.id))
                continue
            }
            let (intervals, hadInvalid) = ScheduleGrid.normalized(job.intervals)
            var definition = job
            if let start = job.start, !(abs(start.timeIntervalSince1970) <= ScheduleGrid.maximumOriginMagnitude) {
                definition.start = nil
                report(job.id, .invalidStart(job: job.id))
            }
            if hadInvalid {
                report(job.id, .invalidIntervals(job: job.id, intervals: job.intervals))
            } else if intervals.isEmpty {
                report(job.id, .noInterval(job: job.id))
            }
            guard !intervals.isEmpty else {
                unscheduled += 1
                continue
            }
            definition.intervals = intervals.map { Int($0) }
            scheduledIDs.insert(job.id)
            schedule(definition, intervals: intervals, now: now, nowSecond: nowSecond)
        }

        // Jobs absent from this update, or present without a valid interval, are removed.
        let removed = slotByID.compactMap { id, slot in
            slots[slot]?.work != nil && !scheduledIDs.contains(id) ? slot : nil
        }
        for slot in removed { remove(slot: slot) }

        reportedProblems = problems
        statistics.unscheduledJobs = unscheduled
        statistics.jobs = scheduledJobCount
        metrics.jobs.record(scheduledJobCount)
        return events
    }

    /// The most runs of one job that a long timeout lets overlap (the reference allowed 100).
    static var maximumOverlap: Int { 100 }

    private mutating func schedule(_ job: ScheduledJob, intervals: [Int64], now: Double, nowSecond: Int64) {
        let timeout = (job.timeout?.inSeconds).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
            ?? runTimeout ?? Double(intervals[0])
        let entry: JobEntry
        var isNew = true
        if let slot = slotByID[job.id], let existing = slots[slot] {
            if let old = existing.definition {
                if Self.isUnchanged(old, job) && existing.timeout == timeout { return }
                // Changed: a new grid; a waiting run of the old definition is dropped, runs in
                // flight of the old definition finish.
                isNew = false
                dropWaitingRun(existing)
            }
            // Else it comes back while runs of its previous life still finish: they keep
            // counting against its limit.
            entry = existing
        } else {
            let slot: Int
            entry = JobEntry(id: job.id)
            if let free = freeSlots.popLast() {
                slot = free
                slots[slot] = entry
            } else {
                slot = slots.count
                slots.append(entry)
            }
            slotByID[job.id] = slot
        }
        let slot = slotByID[job.id]!
        let grid = ScheduleGrid(origin: origin(for: job, intervals: intervals, now: now), intervals: intervals)
        nextGeneration += 1
        entry.definition = job
        entry.work = job.work
        entry.grid = grid
        entry.timeout = timeout
        // A job that says its run may outlast its interval gets enough overlap that every fire
        // starts a run (the scheduler-wide timeout does not: it is a limit, not a promise).
        let overlapNeeded = job.timeout == nil ? 1 : Int((timeout / Double(intervals[0])).rounded(.up))
        entry.runLimit = max(maximumConcurrentRunsPerJob, min(overlapNeeded, Self.maximumOverlap))
        entry.generation = nextGeneration
        let next = grid.nextFire(after: nowSecond)
        entry.nextFire = next
        fireQueue.insert(FireQueue.Item(time: next, slot: slot, generation: nextGeneration))
        if isNew {
            scheduledJobCount += 1
            if runsJobsWhenAdded { addedJobs.append((slot, nextGeneration, now)) }
        }
    }

    private static func isUnchanged(_ old: ScheduledJob, _ new: ScheduledJob) -> Bool {
        old.intervals == new.intervals && old.start == new.start
            && AnyHashable(old.fingerprint) == AnyHashable(new.fingerprint)
    }

    /// The grid origin: the job's start, else a stable spread offset, else now, in whole seconds.
    private func origin(for job: ScheduledJob, intervals: [Int64], now: Double) -> Int64 {
        if let start = job.start { return Int64(start.timeIntervalSince1970.rounded()) }
        if spreadsJobs { return Self.spreadOrigin(jobID: job.id, largestInterval: intervals.last!) }
        return Self.wholeSecond(now + 0.5)
    }

    /// The origin that spreads a job over its largest interval: FNV-1a of the id modulo that
    /// interval, as Unix seconds. The same in every process, so the phase survives restarts.
    static func spreadOrigin(jobID: String, largestInterval: Int64) -> Int64 {
        Int64(StableHash.fnv1a(jobID) % UInt64(largestInterval))
    }

    private mutating func remove(slot: Int) {
        guard let entry = slots[slot], entry.work != nil else { return }
        entry.definition = nil
        entry.work = nil
        entry.grid = nil
        entry.nextFire = nil
        nextGeneration += 1
        entry.generation = nextGeneration
        dropWaitingRun(entry)
        scheduledJobCount -= 1
        freeSlotIfIdle(slot)
    }

    mutating func dropWaitingRun(_ entry: JobEntry) {
        if entry.waitingRun != nil {
            entry.waitingRun = nil
            statistics.runsWaiting -= 1
        }
    }

    /// Forgets a removed job once its last run has finished.
    mutating func freeSlotIfIdle(_ slot: Int) {
        guard let entry = slots[slot], entry.work == nil, entry.runsInFlight == 0 else { return }
        slotByID.removeValue(forKey: entry.id)
        slots[slot] = nil
        freeSlots.append(slot)
    }
}
