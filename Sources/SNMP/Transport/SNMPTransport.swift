import Logging
import NIOCore
import NIOPosix

/// One UDP socket shared by all requests of one address family.
final class SNMPTransport: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<SNMPDatagramHandler>

    init(channel: any Channel, handler: NIOLoopBound<SNMPDatagramHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Binds a socket on `host` (an unspecified address such as `0.0.0.0` or `::`).
    static func bind(
        host: String,
        group: any EventLoopGroup,
        receiveBufferSize: Int,
        logger: Logger,
        metrics: SNMPMetrics
    ) async throws -> SNMPTransport {
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SNMPDatagramHandler(logger: logger, metrics: metrics))
                }
            }
            .bind(host: host, port: 0)
            .get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(
                try channel.pipeline.syncOperations.handler(type: SNMPDatagramHandler.self),
                eventLoop: channel.eventLoop
            )
        }.get()
        return SNMPTransport(channel: channel, handler: handler)
    }

    /// Sends a request and waits for the datagram that answers it.
    func exchange(
        _ datagram: [UInt8],
        id: Int32,
        to remote: SocketAddress,
        timeout: TimeAmount,
        retries: Int
    ) async throws -> SNMPDatagramHandler.Reply {
        try Task.checkCancellation()
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: SNMPDatagramHandler.Reply.self)
        let buffer = channel.allocator.buffer(bytes: datagram)
        let handler = self.handler
        return try await withTaskCancellationHandler {
            eventLoop.execute {
                handler.value.send(buffer, id: id, to: remote, timeout: timeout, retries: retries, promise: promise)
            }
            return try await promise.futureResult.get()
        } onCancel: {
            eventLoop.execute {
                handler.value.cancel(id: id)
            }
        }
    }

    /// The current time on the socket's event loop (the clock engine times are kept against).
    var now: NIODeadline { channel.eventLoop.now }

    func close() async {
        try? await channel.close()
    }
}
