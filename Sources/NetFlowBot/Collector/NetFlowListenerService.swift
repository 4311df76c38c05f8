import Foundation
import Logging
import Metrics
import NetFlow
import ServiceLifecycle

/// The bot's UDP listener as a bot service: receives export datagrams, decodes them and adds
/// their flows to the shared aggregator; saves templates and the checkpoint periodically and at
/// shutdown when the bot has a state directory.
///
/// Decoding is pure computation on bytes already received (the socket is read by NIO's event
/// loop), so it runs on the cooperative pool without blocking it.
struct NetFlowListenerService: Service {
    let state: NetFlowState
    let options: NetFlowCollector.Options
    let stateDirectory: String?
    let logger: Logger

    func run() async throws {
        let listener: NetFlowListener
        do {
            listener = try await NetFlowListener.bind(
                .init(host: options.host, port: options.port, receiveBufferSize: options.receiveBufferSize), logger: logger)
        } catch {
            throw NetFlowBotError(code: .cannotListen, message: "cannot listen for NetFlow on \(options.host) UDP port \(options.port): \(error)")
        }
        logger.info(
            "listening for NetFlow v5/v9 and IPFIX; the kernel granted a \(listener.receiveBufferSize)-byte receive buffer (to raise it: NETFLOW_RECEIVE_BUFFER, and sysctl net.core.rmem_max when capped)",
            metadata: ["address": "\(listener.localAddress)", "receive_buffer_bytes": "\(listener.receiveBufferSize)"])
        if let advice = listener.receiveBufferAdvice {
            logger.warning("\(advice)")
        }
        options.onListening?(listener.localAddress.port ?? options.port)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run() }
            if let directory = stateDirectory {
                group.addTask { await periodicallySave(to: directory) }
            }
            group.addTask {
                // Stops the socket (and so the stream) when the bot shuts down.
                try? await gracefulShutdown()
                await listener.close()
            }
            await consume(listener)
            group.cancelAll()
        }
        if let directory = stateDirectory { save(to: directory) }
        logger.info("NetFlow listener stopped", metadata: ["datagrams": "\(listener.receivedDatagrams)", "dropped": "\(listener.droppedDatagrams)"])
    }

    /// Decodes every datagram until the stream ends.
    func consume(_ listener: NetFlowListener) async {
        let datagramCounter = Counter(label: "netflow_datagrams_total")
        let droppedCounter = Counter(label: "netflow_datagrams_dropped_total")
        var dropped = 0
        let flowCounter = Counter(label: "netflow_flows_total")
        var errorCounters: [NetFlowDecoder.ErrorKey: Counter] = [:]
        var lastLogged: [FlowAddress: UInt64] = [:]
        var flows: [FlowRecord] = []
        for await datagram in listener.datagrams {
            // Datagrams the listener dropped because decoding fell behind (an atomic read).
            let droppedNow = listener.droppedDatagrams
            if droppedNow > dropped {
                droppedCounter.increment(by: droppedNow - dropped)
                dropped = droppedNow
            }
            flows.removeAll(keepingCapacity: true)
            let result = state.decoder.withLock { $0.decode(datagram, into: &flows) }
            datagramCounter.increment()
            if !flows.isEmpty {
                flowCounter.increment(by: flows.count)
                let exporters = state.exporters.withLock { $0 }
                let seconds = Int64(datagram.receivedAtMilliseconds / 1000)
                state.aggregator.withLock { $0.add(flows, receivedAt: seconds, exporters: exporters) }
            }
            guard !result.errors.isEmpty else { continue }
            for error in result.errors {
                let key = NetFlowDecoder.ErrorKey(exporter: error.exporter, code: error.code)
                if errorCounters[key] == nil, errorCounters.count < 4_096 {
                    errorCounters[key] = Counter(
                        label: "netflow_decode_errors_total", dimensions: [("exporter", "\(error.exporter)"), ("reason", "\(error.code)")])
                }
                errorCounters[key]?.increment()
            }
            // At most one line a minute per exporter: a broken exporter sends many datagrams.
            let now = datagram.receivedAtMilliseconds
            if now >= (lastLogged[datagram.exporter] ?? 0) + 60_000 || lastLogged[datagram.exporter] == nil {
                if lastLogged.count >= 4_096 { lastLogged.removeAll() }
                lastLogged[datagram.exporter] = now
                logger.warning(
                    "malformed NetFlow datagram (further ones from this exporter are counted, and logged at most once a minute)",
                    metadata: ["exporter": "\(datagram.exporter)", "error": "\(result.errors[0])", "errors": "\(result.errors.count)"])
            }
        }
    }

    func periodicallySave(to directory: String) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: options.checkpointInterval)
            if Task.isCancelled { return }
            save(to: directory)
        }
    }

    func save(to directory: String) {
        do {
            try state.save(to: directory)
        } catch {
            logger.warning("cannot save the NetFlow state", metadata: ["directory": "\(directory)", "error": "\(error)"])
        }
    }
}
