/// A bot: turns the configuration a user made in Grafolean's web UI into jobs.
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
}
