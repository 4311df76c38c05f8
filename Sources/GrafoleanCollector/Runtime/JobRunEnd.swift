import Foundation

/// How one run of a job ended, with what a status report shows of it.
struct JobRunEnd: Sendable {
    /// The job.
    var job: CollectorJob
    /// The fire that started the run.
    var fire: FireContext
    /// How it ended.
    var outcome: JobRunOutcome
    /// When the work started.
    var started: Date
    /// How long the work took, in seconds.
    var duration: Double
    /// How many values the run handed to the sink and the sink accepted.
    var values: Int
}
