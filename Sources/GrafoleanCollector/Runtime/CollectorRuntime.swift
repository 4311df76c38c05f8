import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Starts a bot the way Grafolean's bots start, but robustly, and runs it in the chosen mode.
///
/// Start-up: read the token (waiting for a token file that is not there yet), wait until the
/// backend is ready, check the token (an invalid one is a clear error), warn if the bot's protocol
/// in Grafolean is not the collector's. Then run as a service until SIGTERM/SIGINT, run every job
/// once (`--once`), or list the jobs (`--list-jobs`).
public struct CollectorRuntime: Sendable {
    /// The settings.
    public let settings: CollectorSettings
    let clock: any CollectorClock
    let logger: Logger
    let output: @Sendable (String) -> Void

    /// Creates a runtime. `output` receives what `--list-jobs` and `--dry-run` print (standard output by default).
    public init(
        settings: CollectorSettings,
        clock: any CollectorClock = SystemClock(),
        logger: Logger = Logger(label: "grafolean.collector"),
        output: @escaping @Sendable (String) -> Void = { StandardOutput.line($0) }
    ) {
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.output = output
    }

    /// Sets up swift-log once per process: standard error, the given level.
    public static func bootstrapLogging(level: Logger.Level) {
        LoggingBootstrap.once(level: level)
    }

    /// Runs `collector` as the process's command: user errors become one log line and `ExitCode.failure`.
    public func runAsCommand<C: Collector>(_ collector: C) async throws {
        do {
            let succeeded = try await run(collector)
            if !succeeded { throw ExitCode.failure }
        } catch let error as GrafoleanError {
            logger.critical("\(error.description)")
            throw ExitCode.failure
        } catch let error as CollectorError {
            logger.critical("\(error.description)")
            throw ExitCode.failure
        } catch let error as SpoolError {
            logger.critical("\(error.description)")
            throw ExitCode.failure
        } catch is CancellationError {
            return
        }
    }

    /// Runs `collector` in the configured mode.
    ///
    /// - Returns: `false` if a `--once` run failed; `true` otherwise.
    @discardableResult
    public func run<C: Collector>(_ collector: C) async throws -> Bool {
        if settings.metricsPort != nil, settings.mode == .service {
            // Before any instrument is made: swift-metrics binds each one to the factory of its time.
            _ = MetricsBootstrap.prometheusRegistry()
        }
        var logger = self.logger
        logger.logLevel = settings.logLevel
        let token = try await settings.token.load(clock: clock, logger: logger)
        if !token.looksValid {
            logger.warning("the bot token does not look like a Grafolean token (a UUID); the backend will likely refuse it")
        }
        let configuration = GrafoleanClient.Configuration(
            backendURL: settings.backendURL, token: token, connectTimeout: settings.clientTimeouts.connect,
            requestTimeout: settings.clientTimeouts.request, caCertificatesFile: settings.caCertificatesFile)
        return try await GrafoleanClient.withClient(configuration: configuration, logger: logger) { client in
            try await run(collector, client: client, logger: logger)
        }
    }

    private func run<C: Collector>(_ collector: C, client: GrafoleanClient, logger: Logger) async throws -> Bool {
        logger.info("waiting for the backend", metadata: ["backend": "\(client.baseURL)"])
        _ = try await client.waitUntilReady(clock: clock)
        let profile: BotProfile
        do {
            profile = try await client.profile()
        } catch let error as GrafoleanError where error.code == .invalidToken {
            throw GrafoleanError(
                code: .invalidToken,
                message: "the backend at \(client.baseURL) does not accept the bot token: check BOT_TOKEN / BOT_TOKEN_FROM_FILE (the token is shown in Grafolean under Settings → Bots)",
                endpoint: error.endpoint, status: error.status)
        }
        if let grafoleanProtocol = profile.protocol, !grafoleanProtocol.isEmpty, grafoleanProtocol != collector.protocolName {
            logger.warning(
                "this bot is registered in Grafolean for protocol '\(grafoleanProtocol)' but collects '\(collector.protocolName)'; entities assigned to it for '\(collector.protocolName)' are still polled",
                metadata: ["bot": "\(profile.userID)"])
        }
        logger.info(
            "bot started",
            metadata: [
                "bot": "\(profile.userID)", "name": "\(profile.name ?? "")", "protocol": "\(collector.protocolName)",
                "kind": "\(profile.isSystemwide ? "systemwide" : "account \(profile.tiedToAccount ?? 0)")",
                "shard": "\(settings.jobFilter.shard.map { "\($0.index) of \($0.count)" } ?? "none")",
            ])
        let transport: any ValueTransport = settings.dryRun ? JSONLinesTransport(write: output) : client
        let sender: ValueSender
        if let directory = settings.stateDirectory, !settings.dryRun, settings.mode != .listJobs {
            sender = try await ValueSender.opening(stateDirectory: directory, transport: transport, configuration: settings.sender, clock: clock, logger: logger)
            logger.info("keeping undelivered values in the spool", metadata: ["directory": "\(directory)", "sync": "\(settings.sender.spoolSync.rawValue)"])
        } else {
            sender = ValueSender(transport: transport, configuration: settings.sender, clock: clock, logger: logger)
            if settings.mode == .service && !settings.dryRun {
                logger.notice(
                    "no state directory: undelivered values are kept in memory only (up to \(settings.sender.maximumBufferedValuesPerAccount) per account); a restart, or an outage longer than that, loses them. Set STATE_DIRECTORY (--state-directory) to keep them on disk")
            }
        }
        let context = JobsContext(client: client, profile: profile, protocolName: collector.protocolName, logger: logger)
        switch settings.mode {
        case .listJobs:
            let pipeline = JobPipeline(
                collector: collector, context: context, filter: settings.jobFilter, sink: sender, clock: clock, logger: logger,
                observe: { _ in })
            for job in try await pipeline.jobs().sorted(by: { $0.id < $1.id }) {
                let intervals = job.intervals.isEmpty ? "none (not periodic)" : job.intervals.map { "\($0)s" }.joined(separator: ", ")
                output("\(job.id)\tintervals: \(intervals)")
            }
            return true
        case .once:
            let once = OnceRun(collector: collector, context: context, settings: settings, sink: sender, clock: clock, logger: logger)
            try await runGroup(collector, main: once, sender: sender, health: nil, status: nil, logger: logger)
            let result = once.result
            let statistics = await sender.statistics
            logger.info(
                "ran every job once",
                metadata: [
                    "jobs": "\(result.jobs)", "failed": "\(result.failed)", "values_delivered": "\(statistics.delivered)",
                    "values_rejected": "\(statistics.rejected)", "values_dropped": "\(statistics.dropped)",
                ])
            return result.failed == 0 && statistics.dropped == 0
        case .service:
            let service = CollectorService(
                collector: collector, client: client, profile: profile, sender: sender, settings: settings, clock: clock, logger: logger)
            try await runGroup(collector, main: service, sender: sender, health: service.health, status: { await service.status() }, logger: logger)
            logger.info("stopped")
            return true
        }
    }

    /// Runs the bot's service group: the sender, the metrics endpoint (service mode), the
    /// collector's own services, and `main` (the scheduled jobs, or `--once`).
    ///
    /// Graceful shutdown goes in reverse order: `main` stops starting runs and lets the ones in
    /// flight finish, then the collector's services stop (last first), then the endpoint closes,
    /// then the sender flushes. When `main` returns (`--once` is done) the group shuts down the same way.
    private func runGroup<C: Collector>(
        _ collector: C, main: some Service, sender: ValueSender, health: CollectorHealth?, status: (@Sendable () async -> CollectorStatus)?,
        logger: Logger
    ) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: sender)]
        if let health, let port = settings.metricsPort {
            let observability = ObservabilityServer(
                host: settings.metricsHost, port: port, health: health, registry: MetricsBootstrap.prometheusRegistry(), clock: clock,
                logger: logger, status: status)
            services.append(.init(service: observability))
        }
        for service in collector.services(context: ServicesContext(sink: sender, logger: logger, stateDirectory: settings.stateDirectory)) {
            services.append(.init(service: BotServiceRunner(service: service), failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: main, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        // Runs get their grace period, then the sender its flush; beyond that (a service that
        // ignores shutdown) everything is cancelled rather than hanging.
        configuration.maximumGracefulShutdownDuration = settings.scheduler.shutdownGracePeriod + settings.sender.shutdownTimeout + .seconds(10)
        try await ServiceGroup(configuration: configuration).run()
    }
}
