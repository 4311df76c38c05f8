import Foundation
import GrafoleanCollector
import Synchronization

/// What the benchmark's jobs record at every run: lateness of the runs due in the measured window,
/// and how many runs fell outside it. Shared by all runs; the lock is held for a few nanoseconds.
final class RunLog: Sendable {
    struct Counts {
        var histogram = LatencyHistogram()
        var runsInWindow = 0
        var runsOutsideWindow = 0
        /// The smallest lateness of each second's runs: how late the scheduler woke up, as
        /// opposed to how long it took to start all the runs due in that second.
        var earliestStartBySecond: [Int64: Double] = [:]

        /// The wake-up lateness of every second, as a histogram.
        var wakeUps: LatencyHistogram {
            var histogram = LatencyHistogram()
            for lateness in earliestStartBySecond.values { histogram.record(lateness) }
            return histogram
        }
    }

    /// The first and last whole second (Unix time) whose fires are counted.
    let window: ClosedRange<Int64>
    private let counts = Mutex(Counts())

    init(window: ClosedRange<Int64>) {
        self.window = window
    }

    /// The trivial work of a benchmark job: note when the run was due and how late it started.
    func record(_ fire: FireContext) {
        let scheduled = Int64(fire.scheduled.timeIntervalSince1970.rounded(.down))
        let lateness = fire.lateness
        counts.withLock { counts in
            if window.contains(scheduled) {
                counts.runsInWindow += 1
                counts.histogram.record(lateness)
                counts.earliestStartBySecond[scheduled] = min(counts.earliestStartBySecond[scheduled] ?? .infinity, lateness)
            } else {
                counts.runsOutsideWindow += 1
            }
        }
    }

    var snapshot: Counts { counts.withLock { $0 } }
}
