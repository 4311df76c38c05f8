extension ICMPEchoEngine {
    /// Which kind of ICMP socket the engine may use.
    public enum SocketMode: Hashable, Sendable {
        /// Raw sockets when the process has root or CAP_NET_RAW, else unprivileged datagram sockets.
        case automatic
        /// Raw sockets only (`SOCK_RAW`); needs root or CAP_NET_RAW.
        case raw
        /// Unprivileged ICMP datagram sockets only (`SOCK_DGRAM`, `IPPROTO_ICMP`); needs the process's
        /// group inside `net.ipv4.ping_group_range`.
        case datagram
    }

    /// The kind of ICMP socket an engine ended up with.
    public enum SocketKind: Hashable, Sendable, CustomStringConvertible {
        /// A raw ICMP socket that sees all ICMP traffic of the host.
        case raw
        /// An unprivileged ICMP datagram ("ping") socket.
        case datagram

        /// `"raw"` or `"datagram"`.
        public var description: String { self == .raw ? "raw" : "datagram" }
    }

    /// Settings of an ``ICMPEchoEngine``; every value has a default.
    public struct Configuration: Sendable {
        /// Which socket kind to use. Default: ``SocketMode/automatic``.
        public var socketMode: SocketMode
        /// Whether to open ICMPv6 sockets too. When the host refuses them the engine still starts
        /// and IPv6 targets fail with ``ICMPEchoError/Code/addressFamilyUnavailable``. Default: `true`.
        public var enableIPv6: Bool
        /// ICMP identifiers used per address family (a datagram socket each in datagram mode).
        /// Each adds 65,536 sequence numbers to the pool that late replies keep reserved. Default: 4.
        public var identifiersPerFamily: Int
        /// Bytes after the 8-byte ICMP header; at least 16 (nonce and token). Default: 56, like ping.
        public var payloadSize: Int
        /// Requested socket receive buffer in bytes. Bursts of thousands of replies need megabytes;
        /// root gets it in full, other processes at most `net.core.rmem_max`. Default: 8 MiB.
        public var receiveBufferSize: Int
        /// Requested socket send buffer in bytes. Default: 1 MiB.
        public var sendBufferSize: Int
        /// How long after a probe's deadline its identifier/sequence pair stays reserved, so that a
        /// late reply cannot be taken for a newer probe's. Default: 60 seconds.
        public var lateReplyWindow: Duration
        /// Upper bound on probes queued or awaiting replies; more fail with
        /// ``ICMPEchoError/Code/tooManyPendingProbes``. Default: 200,000.
        public var maximumPendingProbes: Int
        /// Prefix of the swift-metrics labels (`<prefix>_requests_sent`, ...). Default: `"icmp_echo"`.
        public var metricsLabelPrefix: String

        /// Creates a configuration.
        public init(
            socketMode: SocketMode = .automatic,
            enableIPv6: Bool = true,
            identifiersPerFamily: Int = 4,
            payloadSize: Int = 56,
            receiveBufferSize: Int = 8 << 20,
            sendBufferSize: Int = 1 << 20,
            lateReplyWindow: Duration = .seconds(60),
            maximumPendingProbes: Int = 200_000,
            metricsLabelPrefix: String = "icmp_echo"
        ) {
            self.socketMode = socketMode
            self.enableIPv6 = enableIPv6
            self.identifiersPerFamily = identifiersPerFamily
            self.payloadSize = payloadSize
            self.receiveBufferSize = receiveBufferSize
            self.sendBufferSize = sendBufferSize
            self.lateReplyWindow = lateReplyWindow
            self.maximumPendingProbes = maximumPendingProbes
            self.metricsLabelPrefix = metricsLabelPrefix
        }

        func validate() throws(ICMPEchoError) {
            func invalid(_ message: String) -> ICMPEchoError {
                ICMPEchoError(code: .invalidArgument, message: "ICMPEchoEngine.Configuration: \(message)")
            }
            guard (1 ... 256).contains(identifiersPerFamily) else {
                throw invalid("identifiersPerFamily must be 1...256, got \(identifiersPerFamily)")
            }
            guard (EchoPacket.minimumPayloadSize ... 65_000).contains(payloadSize) else {
                throw invalid("payloadSize must be \(EchoPacket.minimumPayloadSize)...65000 bytes, got \(payloadSize)")
            }
            guard receiveBufferSize > 0, sendBufferSize > 0 else {
                throw invalid("buffer sizes must be positive, got receive \(receiveBufferSize), send \(sendBufferSize)")
            }
            guard lateReplyWindow >= .zero else {
                throw invalid("lateReplyWindow must not be negative, got \(lateReplyWindow)")
            }
            guard maximumPendingProbes > 0 else {
                throw invalid("maximumPendingProbes must be positive, got \(maximumPendingProbes)")
            }
        }
    }
}
