import Foundation

/// The wall clock a collector reads and sleeps on.
///
/// Scheduling is aligned to wall-clock seconds (as Grafolean's bots are), and values carry the
/// wall-clock time they were measured at, so the clock is a wall clock rather than a
/// `Swift.Clock`. Injecting it lets tests simulate days of scheduling, outages and clock steps
/// deterministically (see `ManualClock` in `GrafoleanCollectorTesting`).
public protocol CollectorClock: Sendable {
    /// The current wall-clock time.
    var now: Date { get }

    /// Suspends until the wall clock reads `deadline` or later.
    ///
    /// Returns at once for a deadline in the past. May return early after a backward step of the
    /// wall clock: callers re-read ``now``. Throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

extension CollectorClock {
    /// Suspends for `seconds` of wall-clock time.
    public func sleep(seconds: Double) async throws {
        try await sleep(until: now.addingTimeInterval(seconds))
    }
}

/// The system's wall clock.
///
/// Sleeps in short slices so that a wall-clock step (an NTP correction) is noticed within a
/// second rather than after the whole sleep.
public struct SystemClock: CollectorClock {
    /// Creates the system clock.
    public init() {}

    /// The current wall-clock time.
    public var now: Date { Date() }

    /// Sleeps until the wall clock reads `deadline`, re-reading the wall clock at least once a second.
    ///
    /// Returns early when the wall clock steps back by more than a second, so that the caller
    /// re-aligns instead of sleeping through the step.
    public func sleep(until deadline: Date) async throws {
        var previous = Date()
        while true {
            let now = Date()
            if now.timeIntervalSince(previous) < -1 {
                try Task.checkCancellation()
                return
            }
            previous = now
            let remaining = deadline.timeIntervalSince(now)
            if remaining <= 0 {
                try Task.checkCancellation()
                return
            }
            try await Task.sleep(for: .seconds(min(remaining, 1.0)))
        }
    }
}
