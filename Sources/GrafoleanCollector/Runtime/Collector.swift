import ServiceLifecycle

/// A bot: turns the configuration a user made in Grafolean's web UI into jobs, and may bring
/// long-lived services of its own (an ICMP engine, a UDP listener, a trap receiver).
///
/// Its one requirement returns the jobs for the current configuration. The runtime calls it at
/// start and then every jobs-refresh interval, and keeps the scheduled jobs in step: unchanged jobs
/// keep running untouched, changed ones are rescheduled, missing ones are removed.
///
/// ```swift
/// struct MyProtocolCollector: Collector {
///     let protocolName = "myprotocol"
///     func jobs(context: JobsContext) async throws -> [CollectorJob] {
///         try await context.jobConfigurations().map { configuration in
///             CollectorJob(id: "\(configuration.entityID)", intervals: configuration.intervals, parameters: configuration) { run in
///                 await run.send(["entity.\(configuration.entityID).myprotocol.up": 1], account: configuration.accountID)
///             }
///         }
///     }
/// }
/// ```
public protocol Collector: Sendable {
    /// The protocol this bot serves, as named on entities in Grafolean (`ping`, `snmp`, …).
    var protocolName: String { get }

    /// Returns the jobs for the current configuration.
    ///
    /// Throwing keeps the current jobs running; the runtime logs the error and retries with backoff.
    func jobs(context: JobsContext) async throws -> [CollectorJob]

    /// The bot's own long-lived services, started before its jobs and stopped after them.
    ///
    /// They run in the bot's swift-service-lifecycle group in every mode that runs jobs. On shutdown
    /// the order is: jobs stop (runs in flight finish), then these services in reverse order, then
    /// delivery flushes. A service must return when the group shuts down gracefully
    /// (`cancelWhenGracefulShutdown` does it for a loop that only stops on cancellation). A service
    /// that throws, or returns while the bot is not shutting down, ends the bot with an error
    /// naming it. Default: none.
    func services(context: ServicesContext) -> [any Service]
}

extension Collector {
    /// No services of its own.
    public func services(context: ServicesContext) -> [any Service] { [] }
}
