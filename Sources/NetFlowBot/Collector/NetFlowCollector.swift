import Foundation
import GrafoleanCollector
import Logging
import NetFlow
import ServiceLifecycle
import Synchronization

/// Grafolean's NetFlow bot on the collector library, in one process and without a database.
///
/// A bot service listens for NetFlow v5/v9 and IPFIX on UDP, decodes the datagrams and adds the
/// flows to an in-memory aggregator (window tiles aligned to the epoch). Per account, one job per
/// window (`1min`, `15min`, `1h`, `4h`, `24h`) runs a little after each tile ends and posts that
/// tile's values in the reference's paths, all stamped with the tile's end time and stored by
/// PUT, so every value of one account's window shares one timestamp.
///
/// Exporter → entity as in the reference: the datagram's source address equals the device's
/// `details.ipv4`, with NetFlow enabled on it (a credential and a sensor set, as Grafolean's
/// defaults do) and `bot` unset or this bot. Exporters without an entity are proposed as devices
/// in the accounts where the bot may create entities.
public struct NetFlowCollector: Collector {
    /// How the bot listens and aggregates.
    public struct Options: Sendable {
        /// Address to bind (`0.0.0.0`; `::` for dual stack).
        public var host: String
        /// UDP port (2055; 0 picks a free one, reported to ``onListening``).
        public var port: Int
        /// Socket receive buffer to ask for, in bytes.
        public var receiveBufferSize: Int
        /// The windows posted (the reference's five by default).
        public var windows: [FlowWindow]
        /// Seconds a window job waits after its tile ended, for datagrams still on their way.
        public var grace: Int
        /// How often templates and the checkpoint are saved to the state directory.
        public var checkpointInterval: Duration
        /// How a flow's direction is decided.
        public var directionRule: NetFlowAggregator.DirectionRule
        /// Propose unknown exporters as devices (where the bot may create entities).
        public var proposesExporters: Bool
        /// Seconds between proposals (120 in the reference, on even UTC minutes + 10 s).
        public var proposalInterval: Int
        /// Called with the bound port once the socket listens (for a demo or a test on port 0).
        public var onListening: (@Sendable (Int) -> Void)?

        /// Options; the defaults are the reference's where it has one.
        public init(
            host: String = "0.0.0.0", port: Int = 2055, receiveBufferSize: Int = 8 << 20, windows: [FlowWindow] = FlowWindow.all,
            grace: Int = 2, checkpointInterval: Duration = .seconds(10),
            directionRule: NetFlowAggregator.DirectionRule = .inferEgressFromOutputInterface,
            proposesExporters: Bool = true, proposalInterval: Int = 120, onListening: (@Sendable (Int) -> Void)? = nil
        ) {
            self.host = host
            self.port = port
            self.receiveBufferSize = receiveBufferSize
            self.windows = windows
            self.grace = max(0, grace)
            self.checkpointInterval = checkpointInterval
            self.directionRule = directionRule
            self.proposesExporters = proposesExporters
            self.proposalInterval = max(1, proposalInterval)
            self.onListening = onListening
        }
    }

    /// What one window job does, for change detection.
    public struct WindowJob: Sendable, Hashable {
        /// The account.
        public var account: Int
        /// The window.
        public var window: FlowWindow
        /// Grace seconds after the tile's end.
        public var grace: Int
    }

    /// What the proposal job does, for change detection.
    public struct ProposalJob: Sendable, Hashable {
        /// The accounts where the bot may create entities.
        public var accounts: [Int]
    }

    /// `netflow`.
    public let protocolName = "netflow"
    /// The options in force.
    public let options: Options
    let shared = Shared()

    /// Holds the state once ``services(context:)`` loaded it (from the state directory, if any).
    final class Shared: Sendable {
        let state = Mutex<NetFlowState?>(nil)
    }

    /// Creates the collector.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// The shared state (loaded by ``services(context:)``; fresh in modes that run no services).
    public var state: NetFlowState {
        shared.state.withLock { state in
            if let state { return state }
            let fresh = NetFlowState(windows: options.windows, directionRule: options.directionRule, now: Date())
            state = fresh
            return fresh
        }
    }

    /// The UDP listener, with the state restored from the state directory.
    public func services(context: ServicesContext) -> [any Service] {
        let maximumGap = options.checkpointInterval.inSeconds + Double(options.grace) + 10
        let loaded = NetFlowState.load(
            from: context.stateDirectory, windows: options.windows, directionRule: options.directionRule, now: Date(),
            maximumGap: maximumGap, logger: context.logger)
        shared.state.withLock { $0 = loaded }
        return [NetFlowListenerService(state: loaded, options: options, stateDirectory: context.stateDirectory, logger: context.logger)]
    }

    /// Per account with NetFlow entities, one job per window; one job proposing unknown exporters.
    public func jobs(context: JobsContext) async throws -> [CollectorJob] {
        let configurations = try await context.jobConfigurations()
        let map = Self.exporterMap(configurations, logger: context.logger)
        let state = self.state
        state.updateMapping(map, now: Int64(Date().timeIntervalSince1970))
        var jobs: [CollectorJob] = []
        let grace = options.grace
        for account in map.accounts {
            for window in options.windows {
                let parameters = WindowJob(account: account, window: window, grace: grace)
                jobs.append(
                    CollectorJob(
                        id: "aggr/\(window.label)/\(account)", intervals: [Int(window.seconds)],
                        // Runs fall on every tile end (multiples of the window since the epoch) + grace.
                        start: Date(timeIntervalSince1970: Double(grace)), timeout: .seconds(max(10, min(Int(window.seconds), 60))),
                        parameters: parameters
                    ) { run in
                        await Self.post(parameters, state: state, run: run)
                    })
            }
        }
        if options.proposesExporters, let job = try await proposalJob(context: context, state: state) {
            jobs.append(job)
        }
        return jobs
    }

    /// The exporter → entity map of the enabled entities.
    static func exporterMap(_ configurations: [JobConfiguration], logger: Logger) -> ExporterMap {
        var map = ExporterMap()
        for configuration in configurations {
            if let text = configuration.details["ipv4"]?.stringValue, let address = FlowAddress(text) {
                map.assign(address, account: configuration.accountID, entity: configuration.entityID)
            } else {
                // Still shown (with zero traffic), as the reference posts every enabled entity.
                logger.warning(
                    "NetFlow entity '\(configuration.name)' (\(configuration.entityID)) has no usable address in details.ipv4: no exporter can match it",
                    metadata: ["account": "\(configuration.accountID)"])
                map.addEntity(account: configuration.accountID, entity: configuration.entityID)
            }
        }
        return map
    }
}
