/// How the job scheduler times, limits and stops job runs.
///
/// The defaults match the Python reference where users depend on it (first run one interval after
/// the job is added, no run at start-up) and fix its weak spots (no silently dropped late runs,
/// no overlapping runs of one job, a timeout on every run).
public struct SchedulerOptions: Sendable, Hashable {
    /// Runs a job once right away when it first appears (all its intervals count as fired),
    /// instead of waiting one interval.
    public var runsJobsWhenAdded: Bool

    /// Spreads jobs without an explicit start over their largest interval by a stable hash of
    /// the job id (FNV-1a), so that thousands of jobs added together do not all fire in the same
    /// second, and a job keeps its phase across restarts of the bot.
    ///
    /// When off, a job's grid starts at the moment it is added, as in the reference library.
    public var spreadsJobs: Bool

    /// The most runs, of all jobs, that may be in flight at once. A run due while the limit is
    /// reached waits and runs late (at most one waiting run per job); it is never dropped.
    ///
    /// The default, 1,000, suits I/O-bound runs (pings, SNMP requests): tasks cost a few
    /// kilobytes, so 1,000 concurrent runs are cheap, and 10,000 entities polled every 60 s with
    /// runs of up to 6 s (3 pings × (1 s + 1 s)) need about 1,000 at once. It also keeps a bot
    /// that opens a socket per run under the common 1,024 open-file limit.
    public var maximumConcurrentRuns: Int

    /// The most runs of one job that may be in flight at once. A fire that finds the job at its
    /// limit is skipped (and counted and logged), unless the runs in flight have already timed
    /// out, in which case it waits for them to unwind and then runs late.
    ///
    /// A job whose own timeout (``CollectorJob/timeout``) is longer than its smallest interval (its run may outlast the interval,
    /// as 3 pings 1 s apart on a 1 s interval do) may overlap up to ⌈timeout ÷ interval⌉ runs
    /// (at most 100), so every fire starts a run and delivers, as in the reference.
    public var maximumConcurrentRunsPerJob: Int

    /// How long a run may take before its task is cancelled, unless the job sets its own.
    /// `nil` means the job's smallest interval.
    public var runTimeout: Duration?

    /// On shutdown, how long runs in flight may go on before they are cancelled.
    public var shutdownGracePeriod: Duration

    /// How far the wall clock may move unexpectedly before the scheduler treats it as a step:
    /// a fire found more than this late is skipped (the clock stepped forward or the process was
    /// suspended), and a clock reading more than this earlier than before re-aligns every job.
    public var clockStepTolerance: Duration

    /// The longest the scheduler sleeps without a tick, so that its last tick is a liveness
    /// signal even when no job is due for a long time.
    public var heartbeatInterval: Duration

    /// Creates scheduler options; every parameter has a default.
    public init(
        runsJobsWhenAdded: Bool = false,
        spreadsJobs: Bool = false,
        maximumConcurrentRuns: Int = 1_000,
        maximumConcurrentRunsPerJob: Int = 1,
        runTimeout: Duration? = nil,
        shutdownGracePeriod: Duration = .seconds(10),
        clockStepTolerance: Duration = .seconds(1),
        heartbeatInterval: Duration = .seconds(10)
    ) {
        self.runsJobsWhenAdded = runsJobsWhenAdded
        self.spreadsJobs = spreadsJobs
        self.maximumConcurrentRuns = maximumConcurrentRuns
        self.maximumConcurrentRunsPerJob = maximumConcurrentRunsPerJob
        self.runTimeout = runTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.clockStepTolerance = clockStepTolerance
        self.heartbeatInterval = heartbeatInterval
    }
}
