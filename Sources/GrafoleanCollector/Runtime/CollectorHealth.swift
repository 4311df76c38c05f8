import Foundation
import Synchronization

/// The runtime's view of its own health, behind `/health`.
///
/// Unhealthy when configuration refreshes have failed for longer than the configured time, or
/// when the scheduler has stopped ticking, so that a container health check restarts a stuck bot.
public final class CollectorHealth: Sendable {
    struct State {
        var startedAt: Date
        var lastSuccessfulRefresh: Date?
        var failingSince: Date?
        var lastRefreshError: String?
        var jobs = 0
        var lastSchedulerTick: Date?
        var oldestWaitingValue: Date?
    }

    private let state: Mutex<State>
    let unhealthyAfterFailedRefreshes: Double
    let schedulerStallLimit: Double
    let deliveryBacklogLimit: Double

    /// Creates a health tracker.
    public init(
        now: Date, unhealthyAfterFailedRefreshes: Duration, schedulerStallLimit: Duration = .seconds(120),
        deliveryBacklogLimit: Duration = .seconds(1_800)
    ) {
        state = Mutex(State(startedAt: now))
        self.unhealthyAfterFailedRefreshes = unhealthyAfterFailedRefreshes.inSeconds
        self.schedulerStallLimit = schedulerStallLimit.inSeconds
        self.deliveryBacklogLimit = deliveryBacklogLimit.inSeconds
    }

    func deliveryBacklog(oldestWaitingValue: Date?) {
        state.withLock { $0.oldestWaitingValue = oldestWaitingValue }
    }

    func refreshSucceeded(at time: Date, jobs: Int) {
        state.withLock {
            $0.lastSuccessfulRefresh = time
            $0.failingSince = nil
            $0.lastRefreshError = nil
            $0.jobs = jobs
        }
    }

    func refreshFailed(at time: Date, error: String) {
        state.withLock {
            if $0.failingSince == nil { $0.failingSince = time }
            $0.lastRefreshError = error
        }
    }

    func schedulerTicked(at time: Date) {
        state.withLock { $0.lastSchedulerTick = time }
    }

    /// The last successful refresh, and the error of the last refresh if it failed.
    var refreshState: (lastSuccess: Date?, lastError: String?) {
        state.withLock { ($0.lastSuccessfulRefresh, $0.lastRefreshError) }
    }

    /// A health report.
    public struct Report: Sendable, Hashable {
        /// Whether the bot works.
        public var healthy: Bool
        /// Why not, when not.
        public var problems: [String]
        /// The number of jobs after the last successful refresh.
        public var jobs: Int
    }

    /// The health at `now`.
    public func report(now: Date) -> Report {
        state.withLock { state in
            var problems: [String] = []
            let failingSince = state.failingSince ?? (state.lastSuccessfulRefresh == nil ? state.startedAt : nil)
            if let failingSince, now.timeIntervalSince(failingSince) > unhealthyAfterFailedRefreshes {
                let reason = state.lastRefreshError.map { ": \($0)" } ?? ""
                problems.append("no successful configuration refresh for \(Int(now.timeIntervalSince(failingSince))) s\(reason)")
            }
            if let oldest = state.oldestWaitingValue, now.timeIntervalSince(oldest) > deliveryBacklogLimit {
                problems.append("values have waited for delivery for \(Int(now.timeIntervalSince(oldest))) s (the backend is unreachable or refuses them)")
            }
            if let tick = state.lastSchedulerTick, now.timeIntervalSince(tick) > schedulerStallLimit {
                problems.append("the scheduler has made no progress for \(Int(now.timeIntervalSince(tick))) s")
            }
            return Report(healthy: problems.isEmpty, problems: problems, jobs: state.jobs)
        }
    }
}
