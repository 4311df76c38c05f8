import DequeModule
extension NetFlowDecoder {
    /// Queues a data set whose template has not arrived, dropping the oldest when full.
    mutating func enqueue(_ item: PendingSet) {
        statistics.pendingQueued &+= 1
        guard item.bytes.count <= configuration.pendingByteLimit, configuration.pendingSetLimit > 0 else {
            count(.pendingOverflow, item.key.exporter)
            return
        }
        while let oldest = pending.first,
            pending.count >= configuration.pendingSetLimit || pendingBytes + item.bytes.count > configuration.pendingByteLimit
        {
            pending.removeFirst()
            pendingBytes -= oldest.bytes.count
            count(.pendingOverflow, oldest.key.exporter)
        }
        pending.append(item)
        pendingBytes += item.bytes.count
    }

    /// Drops (and counts as `pendingExpired`) queued data older than the configured lifetime.
    public mutating func expirePending(now: UInt64) {
        while let oldest = pending.first, now >= oldest.receivedAt &+ configuration.pendingLifetimeMilliseconds {
            pending.removeFirst()
            pendingBytes -= oldest.bytes.count
            count(.pendingExpired, oldest.key.exporter)
        }
    }

    /// Decodes, in arrival order, queued data whose template is now known.
    mutating func decodeReadyPending(result: inout DecodeResult, into flows: inout [FlowRecord]) {
        guard !pending.isEmpty, pending.contains(where: { templates[$0.key] != nil }) else { return }
        var waiting = Deque<PendingSet>()
        var ready: [PendingSet] = []
        for item in pending {
            if templates[item.key] != nil { ready.append(item) } else { waiting.append(item) }
        }
        pending = waiting
        for item in ready {
            pendingBytes -= item.bytes.count
            guard let template = templates[item.key] else { continue }
            statistics.pendingDecoded &+= 1
            item.bytes.withUnsafeBytes { bytes in
                decodeRecords(bytes, from: 0, to: bytes.count, template: template, context: item.context, result: &result, into: &flows)
            }
        }
    }
}
