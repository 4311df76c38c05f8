/// Chooses which of a collector's jobs this instance runs (for example one shard's).
///
/// Applied in every mode, between ``Collector/jobs(context:)`` and the scheduler, `--once` and
/// `--list-jobs` alike.
public struct JobFilter: Sendable {
    let select: @Sendable ([CollectorJob]) -> [CollectorJob]

    /// A filter that keeps the jobs `select` returns.
    public init(_ select: @escaping @Sendable ([CollectorJob]) -> [CollectorJob]) {
        self.select = select
    }

    /// Keeps every job.
    public static let all = JobFilter { $0 }

    /// The jobs this instance runs.
    public func apply(_ jobs: [CollectorJob]) -> [CollectorJob] {
        select(jobs)
    }
}
