import Foundation

/// Puts together a ``CollectorStatus`` from the pieces of a running bot.
final class StatusReporter: Sendable {
    let board: JobStatusBoard
    let health: CollectorHealth
    let scheduler: JobScheduler
    let sender: ValueSender?
    let profile: BotProfile
    let protocolName: String
    let filter: JobFilter
    let backendURL: String
    let clock: any CollectorClock

    init(
        board: JobStatusBoard, health: CollectorHealth, scheduler: JobScheduler, sender: ValueSender?, profile: BotProfile, protocolName: String,
        filter: JobFilter, backendURL: String, clock: any CollectorClock
    ) {
        self.board = board
        self.health = health
        self.scheduler = scheduler
        self.sender = sender
        self.profile = profile
        self.protocolName = protocolName
        self.filter = filter
        self.backendURL = backendURL
        self.clock = clock
    }

    func status() async -> CollectorStatus {
        let now = clock.now
        let shard = filter.shard
        let report = health.report(now: now)
        let refresh = health.refreshState
        let statistics = await sender?.statistics ?? ValueSender.Statistics()
        let jobs = board.all.map { entry in
            CollectorStatus.Job(
                id: entry.id, entityID: entry.entityID, entityName: entry.entityName, intervals: entry.intervals, lastRun: entry.lastRun,
                nextRun: scheduler.nextFire(ofJob: entry.id), problem: Self.problem(of: entry, now: now))
        }
        let refreshFailing = refresh.lastError != nil
        return CollectorStatus(
            generatedAt: now,
            bot: .init(
                name: profile.name, id: profile.userID, protocol: protocolName, shard: shard.map { .init(index: $0.index, count: $0.count) },
                healthy: report.healthy, problems: report.problems),
            backend: .init(
                url: Self.displayURL(backendURL), reachable: !refreshFailing && statistics.backendReachable != false,
                lastError: refresh.lastError ?? statistics.lastError, lastRefresh: refresh.lastSuccess),
            delivery: .init(
                sent: statistics.delivered, waiting: statistics.buffered, rejected: statistics.rejected, dropped: statistics.droppedByReason,
                failedRequests: statistics.failedRequests),
            jobs: Self.problemsFirst(jobs))
    }

    /// What is wrong with a job, if anything.
    static func problem(of entry: JobStatusBoard.Entry, now: Date) -> String? {
        // Silent: no run for two of its intervals, plus room for a spread first run and a slow one.
        let silence = Double(2 * (entry.intervals.min() ?? 60) + 30)
        guard let run = entry.lastRun else {
            let waited = now.timeIntervalSince(entry.added)
            return waited > silence ? "no run in the \(Int(waited)) s since the job was added" : nil
        }
        switch run.outcome {
        case .failed: return "failed: \(run.message ?? "unknown error")"
        case .timedOut: return "timed out after \(Self.seconds(run.durationSeconds))"
        case .skipped: return "skipped: the previous run was still going"
        case .cancelled, .ok: break
        }
        let since = now.timeIntervalSince(run.time)
        if since > silence + run.durationSeconds { return "no run for \(Int(since)) s" }
        if run.outcome == .ok, run.values == 0 { return "sent no values in its last run" }
        return nil
    }

    /// Failing jobs first, then silent ones, then the rest; by entity name and id within each.
    static func problemsFirst(_ jobs: [CollectorStatus.Job]) -> [CollectorStatus.Job] {
        func rank(_ job: CollectorStatus.Job) -> Int {
            guard job.problem != nil else { return 2 }
            switch job.lastRun?.outcome {
            case .failed?, .timedOut?: return 0
            default: return 1
            }
        }
        return jobs.sorted { a, b in
            let (ra, rb) = (rank(a), rank(b))
            if ra != rb { return ra < rb }
            let (na, nb) = (a.entityName ?? "", b.entityName ?? "")
            if na != nb { return na.localizedStandardCompare(nb) == .orderedAscending }
            if a.entityID != b.entityID { return (a.entityID ?? Int.max) < (b.entityID ?? Int.max) }
            return a.id < b.id
        }
    }

    /// The URL without user, password or query (which could hold secrets).
    static func displayURL(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(unparsable URL)" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "(unparsable URL)"
    }

    static func seconds(_ value: Double) -> String {
        value < 10 ? String(format: "%.2f s", value) : "\(Int(value.rounded())) s"
    }
}
