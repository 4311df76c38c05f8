/// Chooses which of a collector's jobs this instance runs (for example one shard's).
///
/// Applied in every mode, between ``Collector/jobs(context:)`` and the scheduler, `--once` and
/// `--list-jobs` alike.
public struct JobFilter: Sendable {
    let select: @Sendable ([CollectorJob], Shard?) -> [CollectorJob]
    let currentShard: @Sendable () -> Shard?

    /// A filter that keeps the jobs `select` returns.
    public init(_ select: @escaping @Sendable ([CollectorJob]) -> [CollectorJob]) {
        self.select = { jobs, _ in select(jobs) }
        self.currentShard = { nil }
    }

    init(currentShard: @escaping @Sendable () -> Shard?, select: @escaping @Sendable ([CollectorJob], Shard?) -> [CollectorJob]) {
        self.select = select
        self.currentShard = currentShard
    }

    /// Keeps every job.
    public static let all = JobFilter { $0 }

    /// The shard this filter keeps now, if it is a shard's (for `/metrics` and `/status`).
    public var shard: Shard? { currentShard() }

    /// The jobs this instance runs.
    public func apply(_ jobs: [CollectorJob]) -> [CollectorJob] {
        select(jobs, currentShard())
    }
}
