import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A UDP socket receiving NetFlow/IPFIX export datagrams and handing them out as an
/// `AsyncStream` (``datagrams``), or to a function on the socket's own thread.
///
/// Bind with ``bind(_:group:logger:)``, consume ``datagrams`` in one task and call ``run()`` in
/// another (or as a service): `run()` keeps the socket open until its task is cancelled, then
/// closes it and finishes the stream. At high rates, ``bind(_:group:logger:receive:)`` costs
/// less: each datagram is handled where it was read, without a hand-off between threads.
public final class NetFlowListener: Sendable {
    /// Where to listen and how much to buffer.
    public struct Configuration: Sendable, Hashable {
        /// Address to bind: `0.0.0.0` (IPv4), `::` (IPv6, and IPv4 unless the host sets
        /// `net.ipv6.bindv6only`), or one address.
        public var host: String
        /// UDP port (2055 like the reference; 0 picks a free one).
        public var port: Int
        /// Socket receive buffer to ask the kernel for. Bursts of export datagrams are lost
        /// when it is small (nfcapd lost 63 % of a 50,000-flow burst with the default).
        public var receiveBufferSize: Int
        /// Datagrams buffered between the socket and a slow consumer; beyond it they are
        /// dropped and counted in ``NetFlowListener/droppedDatagrams``. Each holds only its own
        /// bytes (typically ≤ 1,500; at most 65,535).
        public var bufferedDatagrams: Int

        /// A configuration; defaults: all IPv4 addresses, port 2055, 8 MiB, 8,192 datagrams.
        public init(host: String = "0.0.0.0", port: Int = 2055, receiveBufferSize: Int = 8 << 20, bufferedDatagrams: Int = 8_192) {
            self.host = host
            self.port = port
            self.receiveBufferSize = receiveBufferSize
            self.bufferedDatagrams = bufferedDatagrams
        }
    }

    /// The address the socket is bound to (with the port picked when 0 was asked for).
    public let localAddress: SocketAddress
    /// The configuration it was bound with.
    public let configuration: Configuration
    /// SO_RCVBUF as the kernel reports it after our request. Linux reports twice the usable
    /// size and caps the request at `net.core.rmem_max` (unless the process may use
    /// SO_RCVBUFFORCE, which is tried too).
    public let receiveBufferSize: Int
    /// Received datagrams, in order. One consumer only.
    public let datagrams: AsyncStream<NetFlowDatagram>

    private let channel: any Channel
    private let continuation: AsyncStream<NetFlowDatagram>.Continuation
    private let counters: Counters

    final class Counters: Sendable {
        let received = Atomic<Int>(0)
        let dropped = Atomic<Int>(0)
    }

    private init(
        channel: any Channel,
        configuration: Configuration,
        receiveBufferSize: Int,
        datagrams: AsyncStream<NetFlowDatagram>,
        continuation: AsyncStream<NetFlowDatagram>.Continuation,
        counters: Counters
    ) throws {
        guard let localAddress = channel.localAddress else {
            throw ChannelError.unknownLocalAddress
        }
        self.localAddress = localAddress
        self.channel = channel
        self.configuration = configuration
        self.receiveBufferSize = receiveBufferSize
        self.datagrams = datagrams
        self.continuation = continuation
        self.counters = counters
    }

    /// Datagrams received so far.
    public var receivedDatagrams: Int { counters.received.load(ordering: .relaxed) }
    /// Datagrams dropped because the consumer of ``datagrams`` fell behind.
    public var droppedDatagrams: Int { counters.dropped.load(ordering: .relaxed) }
    /// Datagrams the kernel dropped because the socket's receive buffer was full (Linux; `nil`
    /// where it cannot be read). Counts since the socket was opened.
    public var kernelDroppedDatagrams: Int? {
        localAddress.port.flatMap { UDPSocketTable.entry(port: $0)?.drops }
    }

    /// Whether the kernel granted less receive buffer than asked (Linux reports double).
    public var receiveBufferIsCapped: Bool {
        #if os(Linux)
        receiveBufferSize / 2 < configuration.receiveBufferSize
        #else
        receiveBufferSize < configuration.receiveBufferSize
        #endif
    }

    /// A sentence for the log when ``receiveBufferIsCapped``: what was granted and how to raise it.
    public var receiveBufferAdvice: String? {
        guard receiveBufferIsCapped else { return nil }
        return "the kernel granted a \(receiveBufferSize)-byte UDP receive buffer instead of \(configuration.receiveBufferSize); "
            + "bursts of flows may be lost: raise it with `sysctl -w net.core.rmem_max=\(configuration.receiveBufferSize)`"
    }

    /// Datagrams read per system call where the system has `recvmmsg` (Linux).
    #if os(Linux) || os(FreeBSD) || os(Android)
    static let vectorReads = 16
    #else
    static let vectorReads = 1
    #endif

    /// Opens the socket; datagrams arrive in ``datagrams``.
    public static func bind(
        _ configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "NetFlow")
    ) async throws -> NetFlowListener {
        try await bind(configuration, group: group, logger: logger, receive: nil)
    }

    /// Opens the socket and calls `receive` with every datagram, in order, on the thread that
    /// read it (the channel's event loop); ``datagrams`` then stays empty.
    ///
    /// `receive` holds up the socket while it runs: give the listener an event loop group of
    /// its own when `receive` does real work (decoding), so that other channels do not wait,
    /// and never block in it.
    public static func bind(
        _ configuration: Configuration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "NetFlow"),
        receive: @escaping @Sendable (NetFlowDatagram) -> Void
    ) async throws -> NetFlowListener {
        try await bind(configuration, group: group, logger: logger, receive: Optional(receive))
    }

    private static func bind(
        _ configuration: Configuration,
        group: any EventLoopGroup,
        logger: Logger,
        receive: (@Sendable (NetFlowDatagram) -> Void)?
    ) async throws -> NetFlowListener {
        let (stream, continuation) = AsyncStream.makeStream(
            of: NetFlowDatagram.self,
            bufferingPolicy: .bufferingOldest(max(1, configuration.bufferedDatagrams))
        )
        if receive != nil { continuation.finish() }
        let counters = Counters()
        let channel: any Channel
        do {
            // No SO_REUSEADDR: on UDP it lets a second socket bind the same port and take the
            // datagrams (a second bot, a stray collector) in silence; without it that bind fails.
            channel = try await DatagramBootstrap(group: group)
                // Up to `vectorReads` datagrams per system call (recvmmsg, where there is one), each
                // up to 65,535 bytes (the reference read only 4,096): the buffer is split among them.
                .channelOption(.datagramVectorReadMessageCount, value: Self.vectorReads)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536 * Self.vectorReads))
                .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(clamping: configuration.receiveBufferSize))
                .channelOption(.maxMessagesPerRead, value: 64)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            NetFlowInboundHandler(continuation: continuation, receive: receive, counters: counters, logger: logger)
                        )
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            continuation.finish()
            throw error
        }
        var granted = Int(try await channel.getOption(.socketOption(.so_rcvbuf)).get())
        #if os(Linux)
        if granted / 2 < configuration.receiveBufferSize {
            // Privileged processes may exceed net.core.rmem_max; failure just keeps the cap.
            let force = ChannelOptions.Types.SocketOption(level: NIOBSDSocket.OptionLevel(rawValue: SOL_SOCKET), name: NIOBSDSocket.Option(rawValue: SO_RCVBUFFORCE))
            if (try? await channel.setOption(force, value: SocketOptionValue(clamping: configuration.receiveBufferSize)).get()) != nil {
                granted = Int((try? await channel.getOption(.socketOption(.so_rcvbuf)).get()) ?? SocketOptionValue(granted))
            }
        }
        #endif
        do {
            return try NetFlowListener(
                channel: channel,
                configuration: configuration,
                receiveBufferSize: granted,
                datagrams: stream,
                continuation: continuation,
                counters: counters
            )
        } catch {
            try? await channel.close()
            continuation.finish()
            throw error
        }
    }

    /// Keeps the socket open until the calling task is cancelled or ``close()`` is called, then
    /// closes it and finishes ``datagrams``.
    public func run() async {
        let channel = self.channel
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        continuation.finish()
    }

    /// Closes the socket and finishes ``datagrams``.
    public func close() async {
        try? await channel.close()
        continuation.finish()
    }
}

/// Hands every datagram to the stream, or to the receiving function; runs on the socket's event loop.
final class NetFlowInboundHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let continuation: AsyncStream<NetFlowDatagram>.Continuation
    private let receive: (@Sendable (NetFlowDatagram) -> Void)?
    private let counters: NetFlowListener.Counters
    private let logger: Logger

    init(
        continuation: AsyncStream<NetFlowDatagram>.Continuation, receive: (@Sendable (NetFlowDatagram) -> Void)?,
        counters: NetFlowListener.Counters, logger: Logger
    ) {
        self.continuation = continuation
        self.receive = receive
        self.counters = counters
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let exporter = FlowAddress(envelope.remoteAddress) else { return }
        counters.received.add(1, ordering: .relaxed)
        var bytes = envelope.data
        if bytes.capacity > 2 * bytes.readableBytes {
            // Each read gets a 64 KiB buffer: queued datagrams must not pin that much each.
            var copy = context.channel.allocator.buffer(capacity: bytes.readableBytes)
            copy.writeBuffer(&bytes)
            bytes = copy
        }
        let datagram = NetFlowDatagram(
            exporter: exporter,
            exporterPort: envelope.remoteAddress.port ?? 0,
            bytes: bytes,
            receivedAtMilliseconds: Self.wallClockMilliseconds()
        )
        if let receive {
            receive(datagram)
        } else if case .dropped = continuation.yield(datagram) {
            counters.dropped.add(1, ordering: .relaxed)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket keeps working after e.g. ICMP errors: log, do not close.
        logger.debug("NetFlow socket error", metadata: ["error": "\(error)"])
    }

    static func wallClockMilliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(max(0, now.tv_sec)) &* 1000 &+ UInt64(max(0, now.tv_nsec) / 1_000_000)
    }
}
