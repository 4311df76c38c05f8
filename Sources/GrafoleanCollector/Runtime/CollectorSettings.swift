import Logging

/// Everything the runtime needs to run a bot, as resolved from the command line and environment.
public struct CollectorSettings: Sendable {
    /// What the bot does when started.
    public enum Mode: Sendable, Hashable {
        /// Keep polling on schedule until stopped (the normal mode).
        case service
        /// Fetch the jobs, run each once, deliver, exit (non-zero if any run failed).
        case once
        /// Print the jobs with their intervals and exit.
        case listJobs
    }

    /// The backend's base URL, ending in `/api`.
    public var backendURL: String
    /// Where the bot token comes from.
    public var token: BotTokenSource
    /// Seconds between configuration refreshes. Default 60 (as Grafolean's docker-compose sets it).
    public var jobsRefreshInterval: Int
    /// The mode.
    public var mode: Mode
    /// Print values as JSON lines instead of sending them.
    public var dryRun: Bool
    /// Serve `/metrics` and `/health` on this port; `nil` (the default) serves nothing.
    public var metricsPort: Int?
    /// The address to serve metrics and health on. Default `127.0.0.1`.
    public var metricsHost: String
    /// How the client talks to the backend (timeouts, CA bundle); the URL and token are set from above.
    public var clientTimeouts: (connect: Duration, request: Duration)
    /// A PEM file of CA certificates to trust for an https backend.
    public var caCertificatesFile: String?
    /// The scheduler's options.
    public var scheduler: SchedulerOptions
    /// The sender's options.
    public var sender: ValueSender.Configuration
    /// `/health` turns unhealthy after refreshes have failed for this long. Default 10 minutes.
    public var unhealthyAfterFailedRefreshes: Duration
    /// `/health` turns unhealthy when a value has waited for delivery this long. Default 30 minutes.
    public var unhealthyAfterUndelivered: Duration = .seconds(1_800)
    /// The log level. Default `info`.
    public var logLevel: Logger.Level
    /// Where the bot keeps what must survive a restart (the spool of undelivered values);
    /// `nil` (the default): memory only.
    public var stateDirectory: String?
    /// Which of the collector's jobs this instance runs, in every mode. Default: all.
    public var jobFilter: JobFilter = .all

    /// Creates settings with the defaults.
    public init(
        backendURL: String,
        token: BotTokenSource,
        jobsRefreshInterval: Int = 60,
        mode: Mode = .service,
        dryRun: Bool = false,
        metricsPort: Int? = nil,
        metricsHost: String = "127.0.0.1",
        clientTimeouts: (connect: Duration, request: Duration) = (.seconds(5), .seconds(30)),
        caCertificatesFile: String? = nil,
        scheduler: SchedulerOptions = SchedulerOptions(),
        sender: ValueSender.Configuration = ValueSender.Configuration(),
        unhealthyAfterFailedRefreshes: Duration = .seconds(600),
        logLevel: Logger.Level = .info
    ) {
        self.backendURL = backendURL
        self.token = token
        self.jobsRefreshInterval = jobsRefreshInterval
        self.mode = mode
        self.dryRun = dryRun
        self.metricsPort = metricsPort
        self.metricsHost = metricsHost
        self.clientTimeouts = clientTimeouts
        self.caCertificatesFile = caCertificatesFile
        self.scheduler = scheduler
        self.sender = sender
        self.unhealthyAfterFailedRefreshes = unhealthyAfterFailedRefreshes
        self.logLevel = logLevel
    }
}
