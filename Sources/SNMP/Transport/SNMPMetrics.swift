import Metrics

/// The client's metrics, created once per client (swift-metrics).
struct SNMPMetrics: Sendable {
    /// Requests handed to the transport (each counted once, however many retransmissions).
    let requests = Counter(label: "snmp_client_requests_total")
    /// Datagrams re-sent after a timeout.
    let retransmissions = Counter(label: "snmp_client_retransmissions_total")
    /// Requests that got no answer at all.
    let timeouts = Counter(label: "snmp_client_timeouts_total")
    /// Incoming datagrams that matched no request, came from the wrong address or were not SNMP.
    let droppedDatagrams = Counter(label: "snmp_client_dropped_datagrams_total")
    /// Time from the first transmission to the answer.
    let roundTrip = Timer(label: "snmp_client_round_trip")
}
