import Metrics

/// The sender's swift-metrics instruments.
struct SenderMetrics: Sendable {
    private let deliveredCounter = Counter(label: "grafolean_values_sent_total")
    private let failedRequestsCounter = Counter(label: "grafolean_delivery_failures_total")
    private let bufferedGauge = Gauge(label: "grafolean_values_buffered")
    private let reachableGauge = Gauge(label: "grafolean_backend_reachable")
    private let replayedCounter = Counter(label: "grafolean_values_replayed_total")
    private let spoolWriteFailures = Counter(label: "grafolean_spool_write_failures_total")
    private let spoolBytesGauge = Gauge(label: "grafolean_spool_bytes")
    private let oldestAgeGauge = Gauge(label: "grafolean_oldest_waiting_value_age_seconds")

    func delivered(_ count: Int) { deliveredCounter.increment(by: count) }
    func failedRequest() { failedRequestsCounter.increment() }
    func buffered(_ count: Int) { bufferedGauge.record(count) }
    func backendReachable(_ reachable: Bool) { reachableGauge.record(reachable ? 1 : 0) }
    func replayed(_ count: Int) { replayedCounter.increment(by: count) }
    func spoolWriteFailed() { spoolWriteFailures.increment() }
    func spoolBytes(_ bytes: Int) { spoolBytesGauge.record(bytes) }
    func oldestWaitingAge(_ seconds: Double) { oldestAgeGauge.record(seconds) }

    func rejected(reason: String, count: Int = 1) {
        Counter(label: "grafolean_values_rejected_total", dimensions: [("reason", reason)]).increment(by: count)
    }

    func dropped(reason: String, count: Int = 1) {
        Counter(label: "grafolean_values_dropped_total", dimensions: [("reason", reason)]).increment(by: count)
    }
}
