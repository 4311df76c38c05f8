import Foundation
import Logging

extension JobScheduler {
    /// Logs events that the state machine produced under its lock.
    func log(_ events: [SchedulerState.Event]) {
        for event in events {
            switch event {
            case .overlapSkipped(let job, let scheduled, let runsInFlight):
                onSkippedFire(job, Date(timeIntervalSince1970: scheduled))
                logger.notice(
                    "Skipped a fire: the job's previous run is still going",
                    metadata: ["job": "\(job)", "scheduled": "\(Int64(scheduled))", "runs_in_flight": "\(runsInFlight)"])
            case .timedOut(let job, let timeout):
                logger.warning(
                    "Job run timed out and was cancelled", metadata: ["job": "\(job)", "timeout_seconds": "\(timeout)"])
            case .clockSteppedForward(let step, let skippedFires, let jobs):
                var metadata: Logger.Metadata = ["skipped_fires": "\(skippedFires)", "jobs": "\(jobs)"]
                if let step { metadata["step_seconds"] = "\(step)" }
                logger.warning(
                    "Skipped missed fires: the wall clock stepped forward or the process was suspended",
                    metadata: metadata)
            case .clockSteppedBackward(let step):
                logger.warning(
                    "The wall clock stepped backward; jobs re-aligned to their grids",
                    metadata: ["step_seconds": "\(step)"])
            case .invalidIntervals(let job, let intervals):
                logger.warning(
                    "Job has invalid intervals (whole seconds from 1 to 10^9 are valid); they are ignored",
                    metadata: ["job": "\(job)", "intervals": "\(intervals)"])
            case .noInterval(let job):
                logger.notice("Job has no interval; it is not scheduled", metadata: ["job": "\(job)"])
            case .invalidStart(let job):
                logger.warning("Job has an unusable start time; it starts when added", metadata: ["job": "\(job)"])
            case .duplicateJob(let job):
                logger.warning("Job id appears more than once; only the first is scheduled", metadata: ["job": "\(job)"])
            case .shutdownStarted(let runsInFlight, let dropped):
                logger.info(
                    "Scheduler shutting down: no new runs",
                    metadata: ["runs_in_flight": "\(runsInFlight)", "dropped_waiting_runs": "\(dropped)"])
            case .shutdownCancelled(let runs, let jobs):
                logger.warning(
                    "Cancelled runs still going at the end of the shutdown grace period",
                    metadata: ["runs": "\(runs)", "jobs": "\(jobs.joined(separator: ","))"])
            }
        }
    }
}
