import Foundation
import GrafoleanCollector
import HostResolution
import ICMPEcho
import Logging
import ServiceLifecycle

/// Grafolean's ICMP ping bot on the collector library: one job per device, pinged on its sensors' intervals.
///
/// Emits exactly the reference bot's series, in one batch per run:
/// `entity.<id>.ping.p<i>.ok` (1 or 0), `entity.<id>.ping.p<i>.rtt` (seconds, replies only) and
/// `entity.<id>.ping.success` (the fraction of packets that came back). With
/// ``Options/extraSeries``, also `entity.<id>.ping.rtt.min`, `.avg`, `.max`, `.mdev` (standard
/// deviation) and `.jitter` (mean absolute difference of consecutive round-trip times, two replies
/// or more), in seconds, when any reply came.
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
        /// `details.ipv4` as the user wrote it: an IPv4 or IPv6 address, or a host name.
        public var host: String
        /// The address, when `host` is one; `nil` for a host name (resolved at each run, cached).
        public var address: ICMPEchoAddress?
        /// How to ping.
        public var settings: PingSettings
        /// The sensors' intervals.
        public var intervals: [Int]
    }

    /// `ping`.
    public let protocolName = "ping"
    let engine: ICMPEchoEngine
    let options: Options
    let resolver: HostResolver
    /// Configuration problems, logged once while they last rather than at every refresh.
    let notices = NoticeBoard()

    /// Creates the collector on a running (or about to run) ICMP engine. Host names in
    /// `details.ipv4` are resolved with `resolver` (IPv4 preferred, cached, refreshed in the background).
    public init(engine: ICMPEchoEngine, options: Options = Options(), resolver: HostResolver = .shared) {
        self.engine = engine
        self.options = options
        self.resolver = resolver
    }

    /// One job per pingable device; devices with unusable settings are skipped with a warning.
    public func jobs(context: JobsContext) async throws -> [CollectorJob] {
        var problems: [NoticeBoard.Notice] = []
        let jobs = try await context.jobConfigurations().compactMap { configuration -> CollectorJob? in
            let target: Target
            switch Self.target(for: configuration) {
            case .success(let usable): target = usable
            case .failure(let problem):
                problems.append(problem.notice)
                return nil
            }
            let engine = self.engine
            let options = self.options
            let resolver = self.resolver
            return CollectorJob(
                id: "\(configuration.entityID)", intervals: target.intervals, timeout: target.settings.longestRun,
                entityID: configuration.entityID, entityName: configuration.name, parameters: target
            ) { run in
                try await Self.ping(target, engine: engine, resolver: resolver, options: options, run: run)
            }
        }
        notices.refresh(problems, logger: context.logger)
        return jobs
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

    /// Checks one configuration; a notice naming the entity, the field and what is accepted when unusable.
    ///
    /// `details.ipv4` may be an IPv4 or IPv6 address or a host name, as with the reference bot
    /// (which resolves it, preferring IPv4).
    static func target(for configuration: JobConfiguration) -> Result<Target, UnusableEntity> {
        let entity = "entity '\(configuration.name)' (\(configuration.entityID))"
        let metadata = ["entity": "\(configuration.entityID)", "account": "\(configuration.accountID)"]
        func problem(_ message: String) -> Result<Target, UnusableEntity> {
            .failure(UnusableEntity(notice: NoticeBoard.Notice(level: .warning, message: "skipping \(entity): \(message)", metadata: metadata)))
        }
        guard let host = configuration.details["ipv4"]?.stringValue?.trimmingCharacters(in: .whitespaces), !host.isEmpty else {
            return problem("it has no address (details.ipv4); set an IPv4 or IPv6 address or a host name")
        }
        var address: ICMPEchoAddress?
        if HostResolver.isIPLiteral(host) {
            guard let literal = try? ICMPEchoAddress(host) else { return problem("details.ipv4 '\(host)' is not a usable address") }
            address = literal
        } else if !Self.isHostName(host) {
            return problem("details.ipv4 '\(host)' is not an IPv4 or IPv6 address or a host name")
        }
        let settings: PingSettings
        do {
            settings = try PingSettings(credentialDetails: configuration.credentialDetails)
        } catch {
            return problem("its ping \(error)")
        }
        return .success(
            Target(
                accountID: configuration.accountID, entityID: configuration.entityID, name: configuration.name, host: host, address: address,
                settings: settings, intervals: configuration.intervals))
    }

    /// An entity that cannot be pinged, and the notice that says why.
    struct UnusableEntity: Error {
        var notice: NoticeBoard.Notice
    }

    /// Letters, digits, hyphens and dots, as DNS names are written (RFC 1123).
    static func isHostName(_ text: String) -> Bool {
        text.utf8.count <= 253 && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
                && label.first != "-" && label.last != "-"
        }
    }

    /// The address to ping: the literal, or the host name resolved (IPv4 first). A name that does
    /// not resolve fails the run with a message naming it: no values are sent for that run, as
    /// with the reference (a made-up "down" would raise alerts for a DNS problem).
    static func address(of target: Target, resolver: HostResolver) async throws -> ICMPEchoAddress {
        if let address = target.address { return address }
        let addresses = try await resolver.resolve(target.host)
        for text in addresses {
            if let address = try? ICMPEchoAddress(text) { return address }
        }
        throw PingSettingsError(field: "ipv4", message: "host name '\(target.host)' of entity '\(target.name)' (\(target.entityID)) resolved to no usable address")
    }

    /// One run: ping, then send the reference series in one batch.
    static func ping(_ target: Target, engine: ICMPEchoEngine, resolver: HostResolver, options: Options, run: JobRun) async throws {
        let address = try await Self.address(of: target, resolver: resolver)
        let results = try await engine.ping(
            address, count: target.settings.packets, spacing: .seconds(target.settings.spacing),
            timeout: .seconds(target.settings.timeout), retries: target.settings.retries)
        let time = run.clock.now
        let values = Self.values(for: results, entityID: target.entityID, time: time, options: options)
        await run.send(values, account: target.accountID)
        let replies = results.filter(\.isReplied).count
        run.logger.debug("pinged", metadata: ["address": "\(address)", "replies": "\(replies)/\(results.count)"])
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
            let mean = rtts.reduce(0, +) / Double(rtts.count)
            values.append(MeasuredValue(path: "\(prefix).rtt.min", value: rtts.min()!, time: time))
            values.append(MeasuredValue(path: "\(prefix).rtt.avg", value: mean, time: time))
            values.append(MeasuredValue(path: "\(prefix).rtt.max", value: rtts.max()!, time: time))
            // mdev as ping(8) prints it: the population standard deviation.
            let variance = rtts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(rtts.count)
            values.append(MeasuredValue(path: "\(prefix).rtt.mdev", value: variance.squareRoot(), time: time))
            // Jitter (RFC 3550 style, unsmoothed): mean absolute difference of consecutive replies' times.
            if rtts.count > 1 {
                let differences = zip(rtts, rtts.dropFirst()).map { abs($1 - $0) }
                values.append(MeasuredValue(path: "\(prefix).rtt.jitter", value: differences.reduce(0, +) / Double(differences.count), time: time))
            }
        }
        return values
    }
}
