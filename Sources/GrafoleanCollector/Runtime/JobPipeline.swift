import Foundation
import Logging

/// The one way jobs go from a collector to a scheduler, the same in every mode: the collector's
/// jobs, then the filter (a shard, say), then one ``ScheduledJob`` per job whose runs get a
/// ``JobRun`` built here and nowhere else.
struct JobPipeline<C: Collector>: Sendable {
    let collector: C
    let context: JobsContext
    let filter: JobFilter
    let sink: any ValueSink
    let clock: any CollectorClock
    let logger: Logger
    /// Told how each run ended (with the job, its fire, its duration and values), for health and status.
    let observe: @Sendable (JobRunEnd) -> Void

    /// The jobs this instance runs now.
    func jobs() async throws -> [CollectorJob] {
        filter.apply(try await collector.jobs(context: context))
    }

    /// The scheduler's view of `job`. With `gridIntervals`, the job is scheduled on those
    /// intervals (`--once` uses one that never comes round again) while its runs are still told
    /// that the job's own intervals fired; its timeout stays the job's.
    func scheduled(_ job: CollectorJob, defaultTimeout: Duration?, gridIntervals: [Int]? = nil) -> ScheduledJob {
        var jobLogger = logger
        jobLogger[metadataKey: "job"] = "\(job.id)"
        let runLogger = jobLogger
        let sink = self.sink
        let clock = self.clock
        let observe = self.observe
        let reportedIntervals = gridIntervals == nil ? nil : job.intervals
        var timeout = job.timeout
        if gridIntervals != nil, timeout == nil {
            timeout = defaultTimeout ?? job.intervals.min().map { .seconds($0) } ?? .seconds(60)
        }
        return ScheduledJob(
            id: job.id, intervals: gridIntervals ?? job.intervals, start: job.start, fingerprint: job.parameters, timeout: timeout
        ) { fire in
            let counter = CountingSink(sink)
            let run = JobRun(
                jobID: fire.jobID, firedIntervals: reportedIntervals ?? fire.intervals, scheduledTime: fire.scheduled, lateness: fire.lateness,
                deadline: fire.deadline, logger: runLogger, sink: counter, clock: clock)
            let started = clock.now
            func end(_ outcome: JobRunOutcome) -> JobRunEnd {
                JobRunEnd(
                    job: job, fire: fire, outcome: outcome, started: started, duration: max(0, clock.now.timeIntervalSince(started)),
                    values: counter.count)
            }
            do {
                try await job.work(run)
                observe(end(.succeeded))
            } catch {
                let outcome: JobRunOutcome
                if Task.isCancelled {
                    outcome = clock.now >= fire.deadline ? .timedOut : .cancelled
                } else {
                    outcome = .failed(redactingBotToken(String(describing: error)))
                }
                observe(end(outcome))
                throw error
            }
        }
    }
}
