import Logging
import NIOCore

/// Matches datagrams to outstanding requests by request-id (v1/v2c) or msgID (v3) and runs each
/// request's timeout and retransmissions.
///
/// Not `Sendable`: every method runs on the channel's event loop, callers reach it through a
/// `NIOLoopBound`.
final class SNMPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// The raw answer to a request.
    struct Reply: Sendable {
        var bytes: [UInt8]
        /// How many times the request was sent before this answer arrived.
        var attempts: Int
    }

    private struct Outstanding {
        var remote: SocketAddress
        var datagram: ByteBuffer
        var timeout: TimeAmount
        var retriesLeft: Int
        var attempts: Int
        var firstSent: NIODeadline
        var promise: EventLoopPromise<Reply>
        var timer: Scheduled<Void>?
    }

    private var outstanding: [Int32: Outstanding] = [:]
    private var context: ChannelHandlerContext?
    private let logger: Logger
    private let metrics: SNMPMetrics

    init(logger: Logger, metrics: SNMPMetrics) {
        self.logger = logger
        self.metrics = metrics
    }

    /// Number of requests waiting for an answer (for tests and diagnostics).
    var outstandingCount: Int { outstanding.count }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll()
        context.fireChannelInactive()
    }

    /// Sends `datagram` and completes `promise` with the answer, or fails it after
    /// `retries + 1` timeouts.
    func send(
        _ datagram: ByteBuffer,
        id: Int32,
        to remote: SocketAddress,
        timeout: TimeAmount,
        retries: Int,
        promise: EventLoopPromise<Reply>
    ) {
        guard let context else {
            promise.fail(SNMPError(code: .clientShutDown, message: "the SNMP client has been shut down"))
            return
        }
        guard outstanding[id] == nil else {
            promise.fail(SNMPError(code: .requestIDCollision, message: "request ID \(id) is already in use"))
            return
        }
        metrics.requests.increment()
        outstanding[id] = Outstanding(
            remote: remote,
            datagram: datagram,
            timeout: timeout,
            retriesLeft: max(0, retries),
            attempts: 0,
            firstSent: context.eventLoop.now,
            promise: promise
        )
        transmit(id)
    }

    /// Abandons a request (its task was cancelled).
    func cancel(id: Int32) {
        guard let request = outstanding.removeValue(forKey: id) else { return }
        request.timer?.cancel()
        request.promise.fail(CancellationError())
    }

    private func transmit(_ id: Int32) {
        guard let context, var request = outstanding[id] else { return }
        request.attempts += 1
        let envelope = AddressedEnvelope(remoteAddress: request.remote, data: request.datagram)
        let writePromise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(envelope), promise: writePromise)
        let loop = context.eventLoop.assumeIsolated()
        writePromise.futureResult.assumeIsolated().whenFailure { [self] error in
            // Typically ENETUNREACH/EHOSTUNREACH: waiting for the timeout would only hide it.
            guard let failed = outstanding.removeValue(forKey: id) else { return }
            failed.timer?.cancel()
            failed.promise.fail(
                SNMPError(code: .addressUnavailable, message: "could not send to \(failed.remote): \(error)")
            )
        }
        request.timer = loop.scheduleTask(in: request.timeout) { [self] in
            timedOut(id)
        }
        outstanding[id] = request
    }

    private func timedOut(_ id: Int32) {
        guard var request = outstanding[id] else { return }
        if request.retriesLeft > 0 {
            request.retriesLeft -= 1
            outstanding[id] = request
            metrics.retransmissions.increment()
            logger.debug("SNMP retransmission", metadata: ["snmp.request_id": "\(id)", "snmp.remote": "\(request.remote)"])
            transmit(id)
        } else {
            outstanding[id] = nil
            metrics.timeouts.increment()
            request.promise.fail(
                SNMPError(
                    code: .timeout,
                    message: "no response after \(request.attempts) attempt(s) of \(Self.format(request.timeout)) each"
                )
            )
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let header = MessageHeader.peek(bytes) else {
            drop("not an SNMP message", from: envelope.remoteAddress)
            return
        }
        guard let request = outstanding[header.id] else {
            // Usually a late answer to a request that already timed out.
            drop("no outstanding request \(header.id)", from: envelope.remoteAddress)
            return
        }
        guard Self.sameEndpoint(request.remote, envelope.remoteAddress) else {
            drop("request \(header.id) was sent to \(request.remote)", from: envelope.remoteAddress)
            return
        }
        outstanding[header.id] = nil
        request.timer?.cancel()
        metrics.roundTrip.recordNanoseconds(Int64(context.eventLoop.now.uptimeNanoseconds) - Int64(request.firstSent.uptimeNanoseconds))
        request.promise.succeed(Reply(bytes: bytes, attempts: request.attempts))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket keeps working after e.g. ICMP errors: log, do not close.
        logger.debug("SNMP socket error", metadata: ["error": "\(error)"])
    }

    private func drop(_ reason: String, from remote: SocketAddress) {
        metrics.droppedDatagrams.increment()
        logger.debug("dropped SNMP datagram", metadata: ["snmp.remote": "\(remote)", "reason": "\(reason)"])
    }

    private func failAll() {
        let requests = outstanding
        outstanding = [:]
        for request in requests.values {
            request.timer?.cancel()
            request.promise.fail(SNMPError(code: .clientShutDown, message: "the SNMP client was shut down while waiting for a response"))
        }
    }

    static func sameEndpoint(_ lhs: SocketAddress, _ rhs: SocketAddress) -> Bool {
        lhs.port == rhs.port && lhs.ipAddress != nil && lhs.ipAddress == rhs.ipAddress
    }

    static func format(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
