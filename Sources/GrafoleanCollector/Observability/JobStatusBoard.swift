import Foundation
import Synchronization

/// The last run of every current job, as the status page shows it: fed by the job pipeline
/// (each run's end), the scheduler (skipped fires) and the refresh (which jobs exist).
final class JobStatusBoard: Sendable {
    struct Entry: Sendable {
        var id: String
        var entityID: Int?
        var entityName: String?
        var intervals: [Int]
        /// When the job (with these intervals) was first seen: a job that has not run for long after this is silent.
        var added: Date
        var lastRun: CollectorStatus.Run?
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// Makes the board hold exactly `jobs`: new ones are added, missing ones removed, the others
    /// keep their last run.
    func update(jobs: [CollectorJob], now: Date) {
        entries.withLock { entries in
            var next: [String: Entry] = [:]
            next.reserveCapacity(jobs.count)
            for job in jobs {
                var entry = entries[job.id] ?? Entry(id: job.id, intervals: job.intervals, added: now)
                if entry.intervals != job.intervals, entries[job.id] != nil { entry.added = now }
                entry.entityID = job.entityID
                entry.entityName = job.entityName
                entry.intervals = job.intervals
                next[job.id] = entry
            }
            entries = next
        }
    }

    /// Records how a run ended.
    func runEnded(_ end: JobRunEnd) {
        let outcome: CollectorStatus.Outcome
        var message: String?
        switch end.outcome {
        case .succeeded: outcome = .ok
        case .failed(let error):
            outcome = .failed
            message = error
        case .timedOut: outcome = .timedOut
        case .cancelled: outcome = .cancelled
        }
        let run = CollectorStatus.Run(time: end.fire.scheduled, durationSeconds: end.duration, outcome: outcome, message: message, values: end.values)
        entries.withLock { entries in
            guard entries[end.job.id] != nil else { return }  // removed since the run started
            entries[end.job.id]!.lastRun = run
        }
    }

    /// Records a fire skipped because the job's previous run was still going.
    func fireSkipped(job: String, scheduled: Date) {
        entries.withLock { entries in
            guard entries[job] != nil else { return }
            entries[job]!.lastRun = CollectorStatus.Run(
                time: scheduled, durationSeconds: 0, outcome: .skipped, message: "the previous run was still going", values: 0)
        }
    }

    /// The entries, in no particular order.
    var all: [Entry] {
        entries.withLock { Array($0.values) }
    }
}
