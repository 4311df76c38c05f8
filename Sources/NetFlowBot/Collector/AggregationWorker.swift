import NIOCore
import NIOPosix
import NetFlow
import Synchronization

/// Adds decoded flows to the shared aggregator on a thread of its own, so that the listener's
/// thread only reads and decodes: at high rates the two halves use two cores instead of one.
///
/// Flows are gathered per read cycle of the socket: the first flows of a batch schedule its
/// hand-off on the listener's event loop, which runs it once the loop has read what the socket
/// held. Up to ``maximumFlowsWaiting`` flows wait (about 40 MB, a third of a second at a million
/// flows/s): enough to ride out the aggregator's pauses (a minute tile folded into the longer
/// windows, a report, a checkpoint's copy) without the kernel dropping datagrams meanwhile. Beyond
/// it the listener adds the next batch itself, which slows its reading: the kernel's buffer, then
/// its counted drops, take the excess.
final class AggregationWorker: Sendable {
    struct Batch: Sendable {
        var flows: [FlowRecord] = []
        /// Consecutive flows received in the same second.
        var runs: [(time: Int64, count: Int)] = []
    }

    struct Pending {
        var batch = Batch()
        var handOffScheduled = false
    }

    static let maximumFlowsWaiting = 262_144
    static let maximumBatchFlows = 8_192

    let state: NetFlowState
    private let pool = NIOThreadPool(numberOfThreads: 1)
    private let pending = Mutex(Pending())
    /// Flows handed off and not yet added.
    private let waiting = Atomic<Int>(0)

    init(state: NetFlowState) {
        self.state = state
        pool.start()
    }

    /// Queues flows received at `time` (Unix s). Called on the listener's `eventLoop`, where the
    /// batch's hand-off is scheduled; without one it is handed off at once.
    func add(_ flows: [FlowRecord], receivedAt time: Int64, eventLoop: (any EventLoop)?) {
        guard !flows.isEmpty else { return }
        let (full, schedule) = pending.withLock { pending -> (Batch?, Bool) in
            pending.batch.flows.append(contentsOf: flows)
            if let last = pending.batch.runs.last, last.time == time {
                pending.batch.runs[pending.batch.runs.count - 1].count += flows.count
            } else {
                pending.batch.runs.append((time, flows.count))
            }
            if pending.batch.flows.count >= Self.maximumBatchFlows {
                let full = pending.batch
                pending.batch = Batch()
                return (full, false)
            }
            guard !pending.handOffScheduled else { return (nil, false) }
            pending.handOffScheduled = true
            return (nil, true)
        }
        if let full { handOff(full) }
        if schedule {
            if let eventLoop { eventLoop.execute { self.flush() } } else { flush() }
        }
    }

    /// Hands off the flows gathered so far.
    func flush() {
        let batch = pending.withLock { pending -> Batch in
            pending.handOffScheduled = false
            let batch = pending.batch
            pending.batch = Batch()
            return batch
        }
        guard !batch.flows.isEmpty else { return }
        handOff(batch)
    }

    /// Hands off what is gathered and waits until every batch has been added to the aggregator.
    func drain() async {
        flush()
        // One thread, first in first out: when this runs, every earlier batch has been added.
        _ = try? await pool.runIfActive {}
    }

    /// Drains, then stops the thread.
    func shutdown() async {
        await drain()
        try? await pool.shutdownGracefully()
    }

    private func handOff(_ batch: Batch) {
        let count = batch.flows.count
        guard waiting.load(ordering: .relaxed) + count <= Self.maximumFlowsWaiting else {
            aggregate(batch)
            return
        }
        waiting.add(count, ordering: .relaxed)
        // Also run when the pool is stopping (`.cancelled`): accepted flows are never dropped.
        pool.submit { _ in
            self.aggregate(batch)
            self.waiting.subtract(count, ordering: .relaxed)
        }
    }

    private func aggregate(_ batch: Batch) {
        let exporters = state.exporters.withLock { $0 }
        state.aggregator.withLock { aggregator in
            var start = 0
            for run in batch.runs {
                aggregator.add(batch.flows[start..<start + run.count], receivedAt: run.time, exporters: exporters)
                start += run.count
            }
        }
    }
}
