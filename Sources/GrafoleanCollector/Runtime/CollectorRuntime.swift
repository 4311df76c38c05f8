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
        output: @escaping @Sendable (String) -> Void = { print($0) }
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
        let client = try GrafoleanClient(
            configuration: .init(
                backendURL: settings.backendURL, token: token, connectTimeout: settings.clientTimeouts.connect,
                requestTimeout: settings.clientTimeouts.request, caCertificatesFile: settings.caCertificatesFile),
            logger: logger)
        do {
            let result = try await run(collector, client: client, logger: logger)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
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
            ])
        let transport: any ValueTransport = settings.dryRun ? JSONLinesTransport(write: output) : client
        let sender = ValueSender(transport: transport, configuration: settings.sender, clock: clock, logger: logger)
        switch settings.mode {
        case .listJobs:
            let context = JobsContext(client: client, profile: profile, protocolName: collector.protocolName, logger: logger)
            for job in try await collector.jobs(context: context).sorted(by: { $0.id < $1.id }) {
                let intervals = job.intervals.isEmpty ? "none (not periodic)" : job.intervals.map { "\($0)s" }.joined(separator: ", ")
                output("\(job.id)\tintervals: \(intervals)")
            }
            return true
        case .once:
            return try await runOnce(collector, client: client, profile: profile, sender: sender, logger: logger)
        case .service:
            try await runService(collector, client: client, profile: profile, sender: sender, logger: logger)
            return true
        }
    }

    /// `--once`: every job runs once with all its intervals fired; then the values are flushed.
    private func runOnce<C: Collector>(
        _ collector: C, client: GrafoleanClient, profile: BotProfile, sender: ValueSender, logger: Logger
    ) async throws -> Bool {
        let context = JobsContext(client: client, profile: profile, protocolName: collector.protocolName, logger: logger)
        let jobs = try await collector.jobs(context: context)
        let limit = max(1, settings.scheduler.maximumConcurrentRuns)
        let clock = self.clock
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                try await sender.run()
                return 0
            }
            let failures = await withTaskGroup(of: Bool.self) { runs in
                var failures = 0
                var iterator = jobs.makeIterator()
                func startNext() -> Bool {
                    guard let job = iterator.next() else { return false }
                    runs.addTask {
                        var jobLogger = logger
                        jobLogger[metadataKey: "job"] = "\(job.id)"
                        let run = JobRun(jobID: job.id, firedIntervals: job.intervals, scheduledTime: clock.now, logger: jobLogger, sender: sender, clock: clock)
                        do {
                            try await job.work(run)
                            return true
                        } catch {
                            jobLogger.error("run failed", metadata: ["error": "\(redactingBotToken(String(describing: error)))"])
                            return false
                        }
                    }
                    return true
                }
                for _ in 0..<limit where !startNext() { break }
                for await succeeded in runs {
                    if !succeeded { failures += 1 }
                    _ = startNext()
                }
                return failures
            }
            let left = await sender.flush(timeout: settings.sender.shutdownTimeout)
            group.cancelAll()
            try await group.waitForAll()
            return failures + (left > 0 ? 1 : 0)
        }
        let statistics = await sender.statistics
        logger.info(
            "ran every job once",
            metadata: [
                "jobs": "\(jobs.count)", "failed": "\(failures)", "values_delivered": "\(statistics.delivered)",
                "values_rejected": "\(statistics.rejected)", "values_dropped": "\(statistics.dropped)",
            ])
        return failures == 0 && statistics.dropped == 0
    }

    /// The normal mode: sender, collector and (optionally) the metrics/health endpoint in a service group.
    private func runService<C: Collector>(
        _ collector: C, client: GrafoleanClient, profile: BotProfile, sender: ValueSender, logger: Logger
    ) async throws {
        let service = CollectorService(
            collector: collector, client: client, profile: profile, sender: sender, settings: settings, clock: clock, logger: logger)
        // Graceful shutdown goes in reverse order: first the collector stops starting runs and lets
        // the ones in flight finish, then the endpoint closes, then the sender flushes.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: sender)]
        if let port = settings.metricsPort {
            let observability = ObservabilityServer(
                host: settings.metricsHost, port: port, health: service.health, registry: MetricsBootstrap.prometheusRegistry(), clock: clock,
                logger: logger)
            services.append(.init(service: observability))
        }
        services.append(.init(service: service))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}
