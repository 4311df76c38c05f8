import Foundation

/// What a job run is told about the fire that started it.
package struct FireContext: Sendable {
    /// The id of the job.
    package var jobID: String
    /// The job's intervals that fired this time, ascending. Several when they coincide or when
    /// fires were merged while the run waited for a free slot.
    package var intervals: [Int]
    /// When the run was due: a whole second of the job's grid (or, for a run when the job was
    /// added, that moment). For a run that waited, its earliest merged fire.
    package var scheduled: Date
    /// How late the run started, in seconds: actual start − ``scheduled``.
    package var lateness: Double
    /// When the run will be cancelled if it has not finished.
    package var deadline: Date

    /// Creates a fire context.
    package init(jobID: String, intervals: [Int], scheduled: Date, lateness: Double, deadline: Date) {
        self.jobID = jobID
        self.intervals = intervals
        self.scheduled = scheduled
        self.lateness = lateness
        self.deadline = deadline
    }
}
