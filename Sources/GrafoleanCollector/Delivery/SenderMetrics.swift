import Metrics

/// The sender's swift-metrics instruments.
struct SenderMetrics: Sendable {
    private let deliveredCounter = Counter(label: "grafolean_values_sent_total")
    private let failedRequestsCounter = Counter(label: "grafolean_delivery_failures_total")
    private let bufferedGauge = Gauge(label: "grafolean_values_buffered")
    private let reachableGauge = Gauge(label: "grafolean_backend_reachable")

    func delivered(_ count: Int) { deliveredCounter.increment(by: count) }
    func failedRequest() { failedRequestsCounter.increment() }
    func buffered(_ count: Int) { bufferedGauge.record(count) }
    func backendReachable(_ reachable: Bool) { reachableGauge.record(reachable ? 1 : 0) }

    func rejected(reason: String, count: Int = 1) {
        Counter(label: "grafolean_values_rejected_total", dimensions: [("reason", reason)]).increment(by: count)
    }

    func dropped(reason: String, count: Int = 1) {
        Counter(label: "grafolean_values_dropped_total", dimensions: [("reason", reason)]).increment(by: count)
    }
}
