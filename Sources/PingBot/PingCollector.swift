import Foundation
import GrafoleanCollector
import ICMPEcho
import Logging
import ServiceLifecycle

/// Grafolean's ICMP ping bot on the collector library: one job per device, pinged on its sensors' intervals.
///
/// Emits exactly the reference bot's series, in one batch per run:
/// `entity.<id>.ping.p<i>.ok` (1 or 0), `entity.<id>.ping.p<i>.rtt` (seconds, replies only) and
/// `entity.<id>.ping.success` (the fraction of packets that came back). With
/// ``Options/extraSeries``, also `entity.<id>.ping.rtt.min`, `.avg` and `.max` (seconds, when any reply came).
///
/// The values are stamped when the run's pings are complete (the time the reference's values get
/// on arrival), so they leave at once by POST and fire Grafolean's alerts. A run may take longer
/// than its interval (3 packets 1 s apart on a 1 s interval): its timeout is
/// ``PingSettings/longestRun``, and runs of one device overlap so every interval delivers.
/// The collector brings its ICMP engine as a bot service, so the engine stops after the jobs.
public struct PingCollector: Collector {
    /// Options beyond the reference bot's behaviour.
    public struct Options: Sendable, Hashable {
        /// Also emit min/avg/max round-trip times. Default off, as in the reference bot.
        public var extraSeries: Bool

        /// Creates options.
        public init(extraSeries: Bool = false) {
            self.extraSeries = extraSeries
        }
    }

    /// What one job pings, for change detection.
    public struct Target: Sendable, Hashable {
        /// The account the values go to.
        public var accountID: Int
        /// The entity.
        public var entityID: Int
        /// The entity's name, for logs.
        public var name: String
        /// The entity's IPv4 address.
        public var address: ICMPEchoAddress
        /// How to ping.
        public var settings: PingSettings
        /// The sensors' intervals.
        public var intervals: [Int]
    }

    /// `ping`.
    public let protocolName = "ping"
    let engine: ICMPEchoEngine
    let options: Options

    /// Creates the collector on a running (or about to run) ICMP engine.
    public init(engine: ICMPEchoEngine, options: Options = Options()) {
        self.engine = engine
        self.options = options
    }

    /// One job per pingable device; devices with unusable settings are skipped with a warning.
    public func jobs(context: JobsContext) async throws -> [CollectorJob] {
        try await context.jobConfigurations().compactMap { configuration in
            guard let target = Self.target(for: configuration, logger: context.logger) else { return nil }
            let engine = self.engine
            let options = self.options
            return CollectorJob(
                id: "\(configuration.entityID)", intervals: target.intervals, timeout: target.settings.longestRun,
                entityID: configuration.entityID, entityName: configuration.name, parameters: target
            ) { run in
                try await Self.ping(target, engine: engine, options: options, run: run)
            }
        }
    }

    /// The ICMP engine's I/O loop, which the jobs share.
    public func services(context: ServicesContext) -> [any Service] {
        [EngineService(engine: engine)]
    }

    /// Runs the engine until the bot shuts down (after its jobs have stopped).
    struct EngineService: Service {
        let engine: ICMPEchoEngine

        func run() async throws {
            try await cancelWhenGracefulShutdown { try await engine.run() }
        }
    }

    /// Checks one configuration; `nil` (with a warning naming the entity and the field) when unusable.
    static func target(for configuration: JobConfiguration, logger: Logger) -> Target? {
        let entity = "entity '\(configuration.name)' (\(configuration.entityID))"
        let metadata: Logger.Metadata = ["entity": "\(configuration.entityID)", "account": "\(configuration.accountID)"]
        guard let ipv4 = configuration.details["ipv4"]?.stringValue, !ipv4.isEmpty else {
            logger.warning("skipping \(entity): it has no IPv4 address (details.ipv4)", metadata: metadata)
            return nil
        }
        guard let address = try? ICMPEchoAddress(ipv4), address.family == .ipv4 else {
            logger.warning("skipping \(entity): details.ipv4 '\(ipv4)' is not an IPv4 address", metadata: metadata)
            return nil
        }
        let settings: PingSettings
        do {
            settings = try PingSettings(credentialDetails: configuration.credentialDetails)
        } catch {
            logger.warning("skipping \(entity): its ping \(error)", metadata: metadata)
            return nil
        }
        return Target(
            accountID: configuration.accountID, entityID: configuration.entityID, name: configuration.name, address: address,
            settings: settings, intervals: configuration.intervals)
    }

    /// One run: ping, then send the reference series in one batch.
    static func ping(_ target: Target, engine: ICMPEchoEngine, options: Options, run: JobRun) async throws {
        let results = try await engine.ping(
            target.address, count: target.settings.packets, spacing: .seconds(target.settings.spacing),
            timeout: .seconds(target.settings.timeout), retries: target.settings.retries)
        let time = run.clock.now
        let values = Self.values(for: results, entityID: target.entityID, time: time, options: options)
        await run.send(values, account: target.accountID)
        let replies = results.filter(\.isReplied).count
        run.logger.debug("pinged", metadata: ["address": "\(target.address)", "replies": "\(replies)/\(results.count)"])
    }

    /// The series of one run.
    static func values(for results: [ProbeResult], entityID: Int, time: Date, options: Options) -> [MeasuredValue] {
        let prefix = "entity.\(entityID).ping"
        var values: [MeasuredValue] = []
        var rtts: [Double] = []
        for result in results {
            values.append(MeasuredValue(path: "\(prefix).p\(result.index).ok", value: result.isReplied ? 1 : 0, time: time))
            if let rtt = result.roundTripTime {
                let seconds = rtt.inSeconds
                rtts.append(seconds)
                values.append(MeasuredValue(path: "\(prefix).p\(result.index).rtt", value: seconds, time: time))
            }
        }
        let success = results.isEmpty ? 0 : Double(rtts.count) / Double(results.count)
        values.append(MeasuredValue(path: "\(prefix).success", value: success, time: time))
        if options.extraSeries, !rtts.isEmpty {
            values.append(MeasuredValue(path: "\(prefix).rtt.min", value: rtts.min()!, time: time))
            values.append(MeasuredValue(path: "\(prefix).rtt.avg", value: rtts.reduce(0, +) / Double(rtts.count), time: time))
            values.append(MeasuredValue(path: "\(prefix).rtt.max", value: rtts.max()!, time: time))
        }
        return values
    }
}
