import Foundation
import NIOPosix
import Logging
import Metrics
import NetFlow
import ServiceLifecycle

/// The bot's UDP listener as a bot service: receives export datagrams, decodes them and adds
/// their flows to the shared aggregator; saves templates and the checkpoint periodically and at
/// shutdown when the bot has a state directory.
///
/// Datagrams are decoded on the listener's own event loop thread as they are read (no hand-off
/// per datagram: that cost more than the decoding), and their flows added to the aggregator by an
/// ``AggregationWorker`` thread, one batch per read cycle; nothing runs on Swift's cooperative pool
/// or on the event loops the HTTP client shares.
package struct NetFlowListenerService: Service {
    let state: NetFlowState
    let options: NetFlowCollector.Options
    let stateDirectory: String?
    let logger: Logger

    /// The listener the bot runs; the benchmarks run it alone against nfcapd.
    package init(state: NetFlowState, options: NetFlowCollector.Options, stateDirectory: String?, logger: Logger) {
        self.state = state
        self.options = options
        self.stateDirectory = stateDirectory
        self.logger = logger
    }

    package func run() async throws {
        let thread = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let worker = AggregationWorker(state: state)
        let processor = NetFlowDatagramProcessor(state: state, worker: worker, eventLoop: thread.next(), logger: logger)
        let listener: NetFlowListener
        do {
            listener = try await NetFlowListener.bind(
                .init(host: options.host, port: options.port, receiveBufferSize: options.receiveBufferSize), group: thread, logger: logger
            ) { datagram in
                processor.process(datagram)
            }
        } catch {
            await worker.shutdown()
            try? await thread.shutdownGracefully()
            throw NetFlowBotError(code: .cannotListen, message: "cannot listen for NetFlow on \(options.host) UDP port \(options.port): \(error)")
        }
        logger.info(
            "listening for NetFlow v5/v9 and IPFIX; the kernel granted a \(listener.receiveBufferSize)-byte receive buffer (to raise it: NETFLOW_RECEIVE_BUFFER, and sysctl net.core.rmem_max when capped)",
            metadata: ["address": "\(listener.localAddress)", "receive_buffer_bytes": "\(listener.receiveBufferSize)"])
        if let advice = listener.receiveBufferAdvice {
            logger.warning("\(advice)")
        }
        options.onListening?(listener.localAddress.port ?? options.port)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var uncounted = UncountedFlowsReport(from: state.aggregator.withLock { $0.statistics })
                await periodically {
                    processor.countKernelDrops(listener.kernelDroppedDatagrams)
                    uncounted.log(state.aggregator.withLock { $0.statistics }, now: Date().timeIntervalSince1970, to: logger)
                    if let directory = stateDirectory { save(to: directory) }
                }
            }
            group.addTask {
                // Stops the socket when the bot shuts down.
                try? await gracefulShutdown()
                await listener.close()
            }
            await listener.run()
            group.cancelAll()
        }
        processor.countKernelDrops(listener.kernelDroppedDatagrams)
        try? await thread.shutdownGracefully()
        // Every flow read before the socket closed is in the aggregator before the state is saved.
        await worker.shutdown()
        if let directory = stateDirectory { save(to: directory) }
        logger.info("NetFlow listener stopped", metadata: ["datagrams": "\(listener.receivedDatagrams)", "kernel_dropped": "\(processor.kernelDrops)"])
    }

    /// Every checkpoint interval until cancelled.
    func periodically(_ work: () -> Void) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: options.checkpointInterval)
            if Task.isCancelled { return }
            work()
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
