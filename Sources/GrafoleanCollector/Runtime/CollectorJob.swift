import Foundation

/// One unit of periodic work: usually one entity, or one sensor of one.
///
/// The runtime decides whether a job changed between two refreshes by comparing its intervals,
/// start and ``parameters``; the work closure is not compared, so everything it depends on
/// should be in the parameters (typically the ``JobConfiguration`` it was made from).
public struct CollectorJob: Sendable {
    /// A permanent identity, such as the entity id: a job with a new id is a new job.
    public var id: String
    /// Seconds between runs, one per sensor interval; several intervals share one job and a run
    /// learns which of them fired. Empty for a job that is not scheduled periodically.
    public var intervals: [Int]
    /// The origin of the job's time grid (runs fall on `start + k·interval`). `nil`: when the job is
    /// first scheduled, or spread by the job id if the runtime is configured so.
    public var start: Date?
    /// What the job does, for change detection.
    public var parameters: AnySendableHashable
    /// How long one run may take before it is cancelled; `nil`: the scheduler's
    /// ``SchedulerOptions/runTimeout``, else the smallest interval. A collector that knows how long
    /// its work takes (pings × spacing, SNMP timeouts × retries) says so here; a timeout longer than
    /// the smallest interval lets runs of the job overlap (see ``SchedulerOptions``).
    public var timeout: Duration?
    /// The device (entity) the job belongs to, if any: a device's jobs stay together when jobs are
    /// divided (sharding), and status reports name it.
    public var entityID: Int?
    /// The entity's name, for status reports (`/status` and the status page).
    public var entityName: String?
    /// The work of one run.
    public var work: @Sendable (JobRun) async throws -> Void

    /// Creates a job.
    public init<Parameters: Hashable & Sendable>(
        id: String,
        intervals: [Int],
        start: Date? = nil,
        timeout: Duration? = nil,
        entityID: Int? = nil,
        entityName: String? = nil,
        parameters: Parameters,
        work: @escaping @Sendable (JobRun) async throws -> Void
    ) {
        self.id = id
        self.intervals = Array(Set(intervals)).sorted()
        self.start = start
        self.timeout = timeout
        self.entityID = entityID
        self.entityName = entityName
        self.parameters = AnySendableHashable(parameters)
        self.work = work
    }
}

/// A type-erased `Hashable & Sendable` value, for comparing job parameters of any type.
public struct AnySendableHashable: Hashable, Sendable {
    /// The wrapped value.
    public let base: any Hashable & Sendable

    /// Wraps a value.
    public init(_ base: some Hashable & Sendable) {
        self.base = base
    }

    /// Equal when the wrapped values have the same type and are equal.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        AnyHashable(lhs.base) == AnyHashable(rhs.base)
    }

    /// Hashes the wrapped value.
    public func hash(into hasher: inout Hasher) {
        AnyHashable(base).hash(into: &hasher)
    }
}
