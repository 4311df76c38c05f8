/// The outcome of one packet of ``ICMPEchoEngine/ping(_:count:spacing:timeout:retries:)-(ICMPEchoAddress,_,_,_,_)``.
public struct ProbeResult: Hashable, Sendable {
    /// Position of the packet in the run, `0 ..< count`.
    public var index: Int
    /// The reply that answered one of this packet's attempts in time, or `nil` when all were lost.
    public var reply: EchoReply?
    /// How many echo requests were sent (or tried) for this packet: 1 plus the retries used.
    public var attempts: Int
    /// Why the last attempt could not be sent, when the kernel refused it (for example
    /// "Network is unreachable"); `nil` when it was sent and simply not answered in time.
    public var sendError: ICMPEchoError?

    /// Creates a result value.
    public init(index: Int, reply: EchoReply?, attempts: Int, sendError: ICMPEchoError? = nil) {
        self.index = index
        self.reply = reply
        self.attempts = attempts
        self.sendError = sendError
    }

    /// Whether a reply came back in time.
    public var isReplied: Bool { reply != nil }

    /// The round-trip time of the reply, if one came back in time.
    public var roundTripTime: Duration? { reply?.roundTripTime }
}
