import NIOCore
import NIOPosix
import Synchronization

@testable import SNMP

/// A scripted SNMPv1/v2c agent on a loopback port, for behaviour real agents will not show on
/// demand (looping walks, tooBig, error-status). `respond` maps a request PDU to the answer PDU,
/// or nil to stay silent.
final class FakeAgent: Sendable {
    typealias Responder = @Sendable (PDU) -> PDU?

    private final class RequestLog: Sendable {
        let pdus = Mutex<[PDU]>([])
    }

    private let channel: any Channel
    private let log: RequestLog

    var port: Int { channel.localAddress?.port ?? 0 }
    /// Every request the agent received, in order.
    var receivedRequests: [PDU] { log.pdus.withLock { $0 } }

    private init(channel: any Channel, log: RequestLog) {
        self.channel = channel
        self.log = log
    }

    static func with<Result>(_ respond: @escaping Responder, _ body: (FakeAgent) async throws -> Result) async throws -> Result {
        let log = RequestLog()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(respond: respond, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let agent = FakeAgent(channel: channel, log: log)
        do {
            let result = try await body(agent)
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    func target(_ credentials: SNMPCredentials = .v2c(community: "public"), timeout: Duration = .seconds(1)) -> SNMPTarget {
        SNMPTarget(host: "127.0.0.1", port: port, credentials: credentials, timeout: timeout, retries: 0)
    }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let respond: Responder
        let log: RequestLog

        init(respond: @escaping Responder, log: RequestLog) {
            self.respond = respond
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let request = try? CommunityMessage.decode(Array(buffer: envelope.data)) else { return }
            log.pdus.withLock { $0.append(request.pdu) }
            guard var answer = respond(request.pdu) else { return }
            answer.requestID = request.pdu.requestID
            guard let bytes = try? CommunityMessage(version: request.version, community: request.community, pdu: answer).encode() else { return }
            let reply = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: bytes))
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        }
    }
}
