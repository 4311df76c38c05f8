/// A matched echo reply to one echo request.
public struct EchoReply: Hashable, Sendable {
    /// The address the reply came from (normally the probed address).
    public var source: ICMPEchoAddress
    /// Round-trip time: from just before the request was handed to the kernel until the kernel
    /// received the reply, on the monotonic clock, with microsecond resolution or better.
    public var roundTripTime: Duration
    /// The ICMP identifier of the exchange (with datagram sockets: the one the kernel chose).
    public var identifier: UInt16
    /// The ICMP sequence number of the exchange.
    public var sequence: UInt16
    /// The reply's IPv4 TTL, when the socket kind reports it (raw IPv4 sockets).
    public var timeToLive: UInt8?

    /// Creates a reply value.
    public init(
        source: ICMPEchoAddress,
        roundTripTime: Duration,
        identifier: UInt16,
        sequence: UInt16,
        timeToLive: UInt8? = nil
    ) {
        self.source = source
        self.roundTripTime = roundTripTime
        self.identifier = identifier
        self.sequence = sequence
        self.timeToLive = timeToLive
    }
}
