import Foundation

/// A job as the scheduler sees it: an identity, a time grid and the work to run at each fire.
///
/// Two definitions with the same id are the same job unchanged when their intervals (as a set),
/// start, timeout and fingerprint are equal; the scheduler then keeps the running job and its
/// phase, and ignores the new `work` closure.
package struct ScheduledJob: Sendable {
    /// The job's permanent identity (for example the entity id).
    package var id: String
    /// The intervals in whole seconds; values that are not in 1 ... 10⁹ are ignored (and
    /// reported). A job without a valid interval is not scheduled.
    package var intervals: [Int]
    /// The origin of the job's time grid; `nil` means the moment the job is added (or, with
    /// ``SchedulerOptions/spreadsJobs``, a stable offset derived from the id).
    package var start: Date?
    /// What makes two definitions of the job equal, typically its parameters.
    package var fingerprint: any Hashable & Sendable
    /// How long a run may take; `nil` uses ``SchedulerOptions/runTimeout``, else the smallest interval.
    package var timeout: Duration?
    /// The work done at each fire. Cancelled when the run times out or at shutdown.
    package var work: @Sendable (FireContext) async throws -> Void

    /// Creates a job definition.
    package init(
        id: String,
        intervals: [Int],
        start: Date? = nil,
        fingerprint: any Hashable & Sendable,
        timeout: Duration? = nil,
        work: @escaping @Sendable (FireContext) async throws -> Void
    ) {
        self.id = id
        self.intervals = intervals
        self.start = start
        self.fingerprint = fingerprint
        self.timeout = timeout
        self.work = work
    }
}
