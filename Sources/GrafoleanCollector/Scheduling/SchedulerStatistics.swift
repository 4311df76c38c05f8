import Foundation

/// A snapshot of what the scheduler has done since it was created, for health checks, tests and
/// benchmarks.
package struct SchedulerStatistics: Sendable, Hashable {
    /// Jobs scheduled periodically.
    package var jobs = 0
    /// Jobs in the last update that have no valid interval and are therefore not scheduled.
    package var unscheduledJobs = 0
    /// Runs started.
    package var runsStarted = 0
    /// Runs that returned normally, within their timeout.
    package var runsSucceeded = 0
    /// Runs that threw (not counting runs cancelled for a timeout or shutdown).
    package var runsFailed = 0
    /// Runs cancelled because they outlived their timeout.
    package var runsTimedOut = 0
    /// Runs cancelled at shutdown, or because the scheduler's task was cancelled.
    package var runsCancelled = 0
    /// Fires skipped because the job already had its maximum of runs in flight.
    package var firesSkippedOverlap = 0
    /// Fires skipped because they were found too late (wall-clock step forward or suspension).
    package var firesSkippedClockJump = 0
    /// Fires merged into a run that was already waiting for a free slot.
    package var firesCoalesced = 0
    /// Fires that had to wait for a free slot (they ran late).
    package var firesDeferred = 0
    /// Runs in flight now.
    package var runsInFlight = 0
    /// Runs waiting for a free slot now.
    package var runsWaiting = 0
    /// The largest lateness of the runs finished so far, in seconds.
    package var maximumLateness: Double = 0
    /// Iterations of the scheduler's loop; it goes up at least once per heartbeat while running.
    package var ticks = 0
    /// The clock's time at the last iteration of the scheduler's loop.
    package var lastTick: Date?
    /// Backward steps of the wall clock the scheduler re-aligned to.
    package var backwardClockSteps = 0
}
