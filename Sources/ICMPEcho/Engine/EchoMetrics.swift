import Metrics

/// The swift-metrics instruments of one engine, updated by the I/O thread in batches.
struct EchoMetrics: Sendable {
    let requestsSent: Counter
    let repliesMatched: Counter
    let timeouts: Counter
    let lateReplies: Counter
    let sendFailures: Counter
    let ignoredPackets: Counter
    let pendingProbes: Gauge
    let roundTripTime: Timer

    init(prefix: String) {
        requestsSent = Counter(label: "\(prefix)_requests_sent")
        repliesMatched = Counter(label: "\(prefix)_replies_matched")
        timeouts = Counter(label: "\(prefix)_timeouts")
        lateReplies = Counter(label: "\(prefix)_late_replies")
        sendFailures = Counter(label: "\(prefix)_send_failures")
        ignoredPackets = Counter(label: "\(prefix)_ignored_packets")
        pendingProbes = Gauge(label: "\(prefix)_pending_probes")
        roundTripTime = Timer(label: "\(prefix)_round_trip_time")
    }

    /// Adds the difference between two statistics snapshots.
    func record(from old: ICMPEchoStatistics, to new: ICMPEchoStatistics) {
        func add(_ counter: Counter, _ delta: Int) { if delta > 0 { counter.increment(by: delta) } }
        add(requestsSent, new.requestsSent - old.requestsSent)
        add(repliesMatched, new.repliesMatched - old.repliesMatched)
        add(timeouts, new.timeouts - old.timeouts)
        add(lateReplies, new.lateReplies - old.lateReplies)
        add(sendFailures, new.sendFailures - old.sendFailures)
        add(ignoredPackets, new.ignoredPackets - old.ignoredPackets)
    }
}
