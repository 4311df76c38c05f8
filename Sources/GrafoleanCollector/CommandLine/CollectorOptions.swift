import ArgumentParser
import Foundation
import Logging

/// The command-line options every bot gets, with the environment variables Grafolean's bots read.
///
/// Embed it in a bot's command with `@OptionGroup var collector: CollectorOptions` and call
/// ``run(_:)`` from `run()`:
///
/// ```swift
/// @main
/// struct MyBot: AsyncParsableCommand {
///     @OptionGroup var collector: CollectorOptions
///     func run() async throws { try await collector.run(MyProtocolCollector()) }
/// }
/// ```
public struct CollectorOptions: ParsableArguments, Sendable {
    /// `--backend-url` / `BACKEND_URL`.
    @Option(name: .customLong("backend-url"), help: "Grafolean's API URL, ending in /api (env: BACKEND_URL).")
    public var backendURL: String?

    /// `--bot-token` / `BOT_TOKEN`.
    @Option(name: .customLong("bot-token"), help: "The bot's token (env: BOT_TOKEN; prefer the environment or a file: arguments are visible to other users).")
    public var botToken: String?

    /// `--bot-token-file` / `BOT_TOKEN_FROM_FILE`.
    @Option(name: .customLong("bot-token-file"), help: "A file holding the bot's token; waited for if missing (env: BOT_TOKEN_FROM_FILE).")
    public var botTokenFile: String?

    /// `--jobs-refresh-interval` / `JOBS_REFRESH_INTERVAL`.
    @Option(name: .customLong("jobs-refresh-interval"), help: "Seconds between configuration refreshes (env: JOBS_REFRESH_INTERVAL; default 60).")
    public var jobsRefreshInterval: Int?

    /// `--log-level` / `LOG_LEVEL`.
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env: LOG_LEVEL; default info).")
    public var logLevel: String?

    /// `--once`.
    @Flag(help: "Fetch the jobs, run each once, deliver the values and exit; non-zero if any run failed.")
    public var once = false

    /// `--dry-run`.
    @Flag(name: .customLong("dry-run"), help: "Print the values as JSON lines instead of sending them (combines with --once).")
    public var dryRun = false

    /// `--list-jobs`.
    @Flag(name: .customLong("list-jobs"), help: "Print the jobs with their intervals and exit.")
    public var listJobs = false

    /// `--metrics-port` / `METRICS_PORT`.
    @Option(name: .customLong("metrics-port"), help: "Serve /metrics (Prometheus) and /health on this port (env: METRICS_PORT; default: off).")
    public var metricsPort: Int?

    /// `--metrics-host` / `METRICS_HOST`.
    @Option(name: .customLong("metrics-host"), help: "Address for /metrics and /health (env: METRICS_HOST; default 127.0.0.1).")
    public var metricsHost: String?

    /// `--max-concurrent-runs` / `MAX_CONCURRENT_RUNS`.
    @Option(name: .customLong("max-concurrent-runs"), help: "Most job runs at once; due runs beyond it wait (env: MAX_CONCURRENT_RUNS).")
    public var maxConcurrentRuns: Int?

    /// `--ca-certificates` / `CA_CERTIFICATES_FILE`.
    @Option(name: .customLong("ca-certificates"), help: "PEM file of CA certificates to trust for an https backend (env: CA_CERTIFICATES_FILE).")
    public var caCertificates: String?

    /// `--state-directory` / `STATE_DIRECTORY`.
    @Option(name: .customLong("state-directory"), help: "Keep undelivered values here, on disk, across outages and restarts (env: STATE_DIRECTORY, as systemd's StateDirectory= sets it; default: memory only).")
    public var stateDirectory: String?

    /// `--spool-max-bytes` / `SPOOL_MAX_BYTES`.
    @Option(name: .customLong("spool-max-bytes"), help: "Most bytes the spooled values may take; the oldest go first beyond it (env: SPOOL_MAX_BYTES; default 134217728).")
    public var spoolMaxBytes: Int?

    /// `--spool-sync` / `SPOOL_SYNC`.
    @Option(name: .customLong("spool-sync"), help: "normal (survives a crash of the bot) or full (also a power loss; slower) (env: SPOOL_SYNC; default normal).")
    public var spoolSync: String?

    /// `--shard-index` / `SHARD_INDEX`.
    @Option(name: .customLong("shard-index"), help: "This replica's shard, 0 to count − 1 (env: SHARD_INDEX; default: the ordinal at the end of the host name).")
    public var shardIndex: Int?

    /// `--shard-count` / `SHARD_COUNT`.
    @Option(name: .customLong("shard-count"), help: "Run as one of this many replicas, each polling its share of the devices (env: SHARD_COUNT; default: not sharded).")
    public var shardCount: Int?

    /// `--shard-count-file` / `SHARD_COUNT_FROM_FILE`.
    @Option(name: .customLong("shard-count-file"), help: "A file holding the shard count, re-read at every refresh, so replicas can be added without restarting the others (env: SHARD_COUNT_FROM_FILE).")
    public var shardCountFile: String?

    /// Creates the options with nothing set.
    public init() {}

    /// Resolves options and environment into settings; an option wins over its variable.
    ///
    /// Throws a `ValidationError` that names the option and variable for a missing or bad value,
    /// a ``ShardError`` for an unusable shard. `hostName` gives the shard index when only the count
    /// is set (default: `HOSTNAME`, else the system's host name).
    public func settings(environment: [String: String] = ProcessInfo.processInfo.environment, hostName: String? = nil) throws -> CollectorSettings {
        func value(_ option: String?, _ variable: String) -> String? {
            if let option, !option.isEmpty { return option }
            if let value = environment[variable], !value.trimmingWhitespace().isEmpty { return String(value.trimmingWhitespace()) }
            return nil
        }
        func integer(_ option: Int?, _ variable: String, _ flag: String, range: ClosedRange<Int>) throws -> Int? {
            if let option {
                guard range.contains(option) else { throw ValidationError("--\(flag) must be between \(range.lowerBound) and \(range.upperBound), not \(option)") }
                return option
            }
            guard let text = value(nil, variable) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw ValidationError("\(variable) must be a whole number between \(range.lowerBound) and \(range.upperBound), not '\(text)'")
            }
            return number
        }
        guard let backendURL = value(backendURL, "BACKEND_URL") else {
            throw ValidationError("no backend URL: set BACKEND_URL or --backend-url (for example http://grafolean.example.com/api)")
        }
        let token: BotTokenSource
        if let secret = value(botToken, "BOT_TOKEN") {
            token = .value(BotToken(secret))
        } else if let file = value(botTokenFile, "BOT_TOKEN_FROM_FILE") {
            token = .file(file)
        } else {
            throw ValidationError("no bot token: set BOT_TOKEN or BOT_TOKEN_FROM_FILE (or --bot-token / --bot-token-file)")
        }
        var settings = CollectorSettings(backendURL: backendURL, token: token)
        if let refresh = try integer(jobsRefreshInterval, "JOBS_REFRESH_INTERVAL", "jobs-refresh-interval", range: 1...86_400) {
            settings.jobsRefreshInterval = refresh
        }
        if let level = value(logLevel, "LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ValidationError("unknown log level '\(level)': use trace, debug, info, notice, warning, error or critical")
            }
            settings.logLevel = parsed
        }
        settings.mode = listJobs ? .listJobs : (once ? .once : .service)
        settings.dryRun = dryRun
        settings.metricsPort = try integer(metricsPort, "METRICS_PORT", "metrics-port", range: 0...65_535)
        if let host = value(metricsHost, "METRICS_HOST") { settings.metricsHost = host }
        if let limit = try integer(maxConcurrentRuns, "MAX_CONCURRENT_RUNS", "max-concurrent-runs", range: 1...1_000_000) {
            settings.scheduler.maximumConcurrentRuns = limit
        }
        settings.caCertificatesFile = value(caCertificates, "CA_CERTIFICATES_FILE")
        // systemd may list several directories, separated by colons: the first is the bot's.
        settings.stateDirectory = value(stateDirectory, "STATE_DIRECTORY").flatMap { $0.split(separator: ":").first.map(String.init) }
        if let bytes = try integer(spoolMaxBytes, "SPOOL_MAX_BYTES", "spool-max-bytes", range: (1 << 20)...(1 << 50)) {
            settings.sender.maximumSpoolBytes = bytes
        }
        if let sync = value(spoolSync, "SPOOL_SYNC") {
            guard let policy = SpoolSyncPolicy(rawValue: sync.lowercased()) else {
                throw ValidationError("--spool-sync / SPOOL_SYNC must be normal or full, not '\(sync)'")
            }
            settings.sender.spoolSync = policy
        }
        let host = hostName ?? value(nil, "HOSTNAME") ?? ProcessInfo.processInfo.hostName
        var count = shardCount.map { "\($0)" } ?? value(nil, "SHARD_COUNT")
        let countFile = value(shardCountFile, "SHARD_COUNT_FROM_FILE")
        if let countFile {
            guard count == nil else {
                throw ShardError(code: .invalidCount, message: "set SHARD_COUNT (--shard-count) or SHARD_COUNT_FROM_FILE (--shard-count-file), not both")
            }
            count = "\(try ShardCountFile.read(countFile).get())"
        }
        if let shard = try Shard.resolve(index: shardIndex.map { "\($0)" } ?? value(nil, "SHARD_INDEX"), count: count, hostName: host) {
            if let countFile {
                settings.jobFilter = .shard(index: shard.index, countFile: ShardCountFile(path: countFile, index: shard.index, initialCount: shard.count))
            } else {
                settings.jobFilter = .shard(shard)
            }
        }
        return settings
    }

    /// Resolves the settings, sets up logging and runs `collector` until it is stopped (or once).
    ///
    /// `configure` may change the resolved settings first (a bot's own defaults, for example
    /// spreading its jobs). Failures that a user must fix (no token, invalid token, bad URL) are
    /// logged as one clear line and end the process with a non-zero status, not a stack trace.
    public func run<C: Collector>(_ collector: C, configure: (inout CollectorSettings) -> Void = { _ in }) async throws {
        var settings = try self.settings()
        configure(&settings)
        CollectorRuntime.bootstrapLogging(level: settings.logLevel)
        try await CollectorRuntime(settings: settings).runAsCommand(collector)
    }
}
