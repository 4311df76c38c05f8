import Foundation
import Logging
import NetFlow
import NetFlowBot
import ServiceLifecycle

/// The NetFlow bot's own listener service (socket, decoding, aggregation into the five windows,
/// as in `grafolean-netflow-bot`), run in this process; flows counted by its aggregator.
struct BotListenerReceiver: FlowReceiver {
    let name = "grafolean-netflow-bot"
    let port: Int
    let state: NetFlowState
    let group: ServiceGroup
    let task: Task<Void, any Error>

    static func start(port: Int, receiveBufferSize: Int, logger: Logger) async throws -> BotListenerReceiver {
        let state = NetFlowState(windows: FlowWindow.all, directionRule: .inferEgressFromOutputInterface, now: Date())
        var map = ExporterMap()
        map.assign(FlowAddress(ipv4: 0x7F00_0001), account: 1, entity: 1)
        state.updateMapping(map, now: Int64(Date().timeIntervalSince1970))
        let options = NetFlowCollector.Options(host: "127.0.0.1", port: port, receiveBufferSize: receiveBufferSize)
        let service = NetFlowListenerService(state: state, options: options, stateDirectory: nil, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let task = Task { try await group.run() }
        let receiver = BotListenerReceiver(port: port, state: state, group: group, task: task)
        do {
            try await Self.waitUntilBound(port: port)
        } catch {
            _ = try? await receiver.stop()
            throw error
        }
        return receiver
    }

    /// This whole process's CPU time: nothing else runs in it during a trial.
    var cpuSeconds: Double { CPUTime.now().total }

    func stop() async throws -> Int {
        await group.triggerGracefulShutdown()
        try await task.value
        return state.aggregator.withLock { $0.statistics.flows }
    }
}
