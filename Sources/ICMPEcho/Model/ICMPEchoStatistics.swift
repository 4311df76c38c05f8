/// Cumulative counters of an engine since it was created.
public struct ICMPEchoStatistics: Hashable, Sendable {
    /// Echo requests handed to the kernel.
    public var requestsSent: Int = 0
    /// Replies matched to a pending probe within its timeout.
    public var repliesMatched: Int = 0
    /// Probes that got no reply within their timeout.
    public var timeouts: Int = 0
    /// Replies to this engine's requests that came after the probe had timed out or was
    /// cancelled, and duplicates; they are never counted as success.
    public var lateReplies: Int = 0
    /// Echo requests the kernel refused to send.
    public var sendFailures: Int = 0
    /// Received packets that were not replies to this engine (other processes' pings, other ICMP
    /// types, wrong length or checksum).
    public var ignoredPackets: Int = 0
    /// Probes cancelled by their caller.
    public var cancelled: Int = 0
    /// Probes currently waiting to be sent or answered.
    public var pendingProbes: Int = 0

    /// Creates zeroed statistics.
    public init() {}
}
