import Logging
import Metrics
import NIOCore
import NetFlow
import Synchronization

/// Decodes one datagram at a time and passes its flows to the aggregation worker, counting
/// datagrams, flows and errors, and logging a malformed datagram at most once a minute per exporter.
///
/// Called on the listener's thread, one datagram after another; its own bookkeeping is behind a
/// lock only because that thread is not known to the type system.
final class NetFlowDatagramProcessor: Sendable {
    struct Bookkeeping {
        var flows: [FlowRecord] = []
        var errorCounters: [NetFlowDecoder.ErrorKey: Counter] = [:]
        var lastLogged: [FlowAddress: UInt64] = [:]
        var kernelDrops = 0
    }

    let state: NetFlowState
    let logger: Logger
    let datagramCounter = Counter(label: "netflow_datagrams_total")
    let kernelDropCounter = Counter(label: "netflow_datagrams_dropped_total")
    let flowCounter = Counter(label: "netflow_flows_total")
    let bookkeeping = Mutex(Bookkeeping())
    let worker: AggregationWorker
    /// The listener's event loop (`nil`: flows are handed to the worker at once).
    let eventLoop: (any EventLoop)?

    init(state: NetFlowState, worker: AggregationWorker, eventLoop: (any EventLoop)?, logger: Logger) {
        self.state = state
        self.worker = worker
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// Datagrams the kernel dropped, as last counted.
    var kernelDrops: Int { bookkeeping.withLock { $0.kernelDrops } }

    /// Adds the kernel's drops since the last call to `netflow_datagrams_dropped_total`.
    func countKernelDrops(_ total: Int?) {
        guard let total else { return }
        let added = bookkeeping.withLock { book in
            defer { book.kernelDrops = max(book.kernelDrops, total) }
            return total - book.kernelDrops
        }
        if added > 0 {
            kernelDropCounter.increment(by: added)
            logger.warning(
                "the kernel dropped \(added) NetFlow datagrams: the receive buffer was full (raise NETFLOW_RECEIVE_BUFFER and net.core.rmem_max)")
        }
    }

    func process(_ datagram: NetFlowDatagram) {
        bookkeeping.withLock { book in
            book.flows.removeAll(keepingCapacity: true)
            let result = state.decoder.withLock { $0.decode(datagram, into: &book.flows) }
            datagramCounter.increment()
            if !book.flows.isEmpty {
                flowCounter.increment(by: book.flows.count)
                worker.add(book.flows, receivedAt: Int64(datagram.receivedAtMilliseconds / 1000), eventLoop: eventLoop)
            }
            guard !result.errors.isEmpty else { return }
            for error in result.errors {
                let key = NetFlowDecoder.ErrorKey(exporter: error.exporter, code: error.code)
                if book.errorCounters[key] == nil, book.errorCounters.count < 4_096 {
                    book.errorCounters[key] = Counter(
                        label: "netflow_decode_errors_total", dimensions: [("exporter", "\(error.exporter)"), ("reason", "\(error.code)")])
                }
                book.errorCounters[key]?.increment()
            }
            // At most one line a minute per exporter: a broken exporter sends many datagrams.
            let now = datagram.receivedAtMilliseconds
            if book.lastLogged[datagram.exporter].map({ now >= $0 + 60_000 }) ?? true {
                if book.lastLogged.count >= 4_096 { book.lastLogged.removeAll() }
                book.lastLogged[datagram.exporter] = now
                logger.warning(
                    "malformed NetFlow datagram (further ones from this exporter are counted, and logged at most once a minute)",
                    metadata: ["exporter": "\(datagram.exporter)", "error": "\(result.errors[0])", "errors": "\(result.errors.count)"])
            }
        }
    }
}
