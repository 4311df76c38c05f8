import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import SNMP

/// Timeouts and retransmissions on an `EmbeddedEventLoop`: time only moves when the test says.
@Suite("Request matching, timeouts and retries (injected time)")
struct DatagramHandlerTests {
    private let agent = try! SocketAddress(ipAddress: "192.0.2.1", port: 161)

    private func makeChannel() throws -> (EmbeddedChannel, EmbeddedEventLoop, SNMPDatagramHandler) {
        let loop = EmbeddedEventLoop()
        let handler = SNMPDatagramHandler(logger: Logger(label: "test"), metrics: SNMPMetrics())
        let channel = EmbeddedChannel(handler: handler, loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "192.0.2.254", port: 1)).wait()
        return (channel, loop, handler)
    }

    private func request(id: Int32) throws -> ByteBuffer {
        ByteBuffer(bytes: try CommunityMessage(version: 1, community: Array("public".utf8), pdu: .request(.get, requestID: id, oids: ["1.3.6.1.2.1.1.1.0"])).encode())
    }

    private func response(id: Int32) throws -> ByteBuffer {
        let pdu = PDU(type: .response, requestID: id, varBinds: [VarBind(oid: "1.3.6.1.2.1.1.1.0", value: .octetString([0x41]))])
        return ByteBuffer(bytes: try CommunityMessage(version: 1, community: Array("public".utf8), pdu: pdu).encode())
    }

    @Test func retransmitsOnTimeoutThenFails() throws {
        let (channel, loop, handler) = try makeChannel()
        let promise = loop.makePromise(of: SNMPDatagramHandler.Reply.self)
        handler.send(try request(id: 7), id: 7, to: agent, timeout: .seconds(1), retries: 2, promise: promise)
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self)?.remoteAddress == agent)

        loop.advanceTime(by: .milliseconds(999))
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)
        loop.advanceTime(by: .milliseconds(1))
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self)?.data == request(id: 7))
        loop.advanceTime(by: .seconds(1))
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) != nil)
        #expect(handler.outstandingCount == 1)

        loop.advanceTime(by: .seconds(1))
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)
        #expect(handler.outstandingCount == 0)
        let error = try #require(throws: SNMPError.self) { try promise.futureResult.wait() }
        #expect(error.code == .timeout)
        #expect(error.message.contains("3 attempt(s) of 1 s"))
    }

    @Test func matchesAnswerByRequestIDAndAddress() throws {
        let (channel, loop, handler) = try makeChannel()
        let first = loop.makePromise(of: SNMPDatagramHandler.Reply.self)
        let second = loop.makePromise(of: SNMPDatagramHandler.Reply.self)
        handler.send(try request(id: 1), id: 1, to: agent, timeout: .seconds(1), retries: 1, promise: first)
        handler.send(try request(id: 2), id: 2, to: agent, timeout: .seconds(1), retries: 1, promise: second)

        // From another port: spoofed or a different agent, ignored.
        let impostor = try SocketAddress(ipAddress: "192.0.2.1", port: 1161)
        try channel.writeInbound(AddressedEnvelope(remoteAddress: impostor, data: try response(id: 2)))
        // Not SNMP at all.
        try channel.writeInbound(AddressedEnvelope(remoteAddress: agent, data: ByteBuffer(bytes: [0x30, 0x82, 0xFF])))
        #expect(handler.outstandingCount == 2)

        try channel.writeInbound(AddressedEnvelope(remoteAddress: agent, data: try response(id: 2)))
        let reply = try second.futureResult.wait()
        #expect(reply.attempts == 1)
        #expect(try CommunityMessage.decode(reply.bytes).pdu.requestID == 2)
        #expect(handler.outstandingCount == 1)

        // The answered request's timer is cancelled: only request 1 is retransmitted.
        _ = try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self)
        _ = try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self)
        loop.advanceTime(by: .seconds(1))
        let retransmitted = try #require(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self))
        #expect(MessageHeader.peek(Array(buffer: retransmitted.data))?.id == 1)
        #expect(try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) == nil)

        // An answer after the retransmission still counts, and reports two attempts.
        try channel.writeInbound(AddressedEnvelope(remoteAddress: agent, data: try response(id: 1)))
        #expect(try first.futureResult.wait().attempts == 2)
    }

    @Test func lateAnswersAndCancelledRequestsAreDropped() throws {
        let (channel, loop, handler) = try makeChannel()
        let promise = loop.makePromise(of: SNMPDatagramHandler.Reply.self)
        handler.send(try request(id: 5), id: 5, to: agent, timeout: .seconds(1), retries: 0, promise: promise)
        handler.cancel(id: 5)
        #expect(throws: CancellationError.self) { try promise.futureResult.wait() }
        try channel.writeInbound(AddressedEnvelope(remoteAddress: agent, data: try response(id: 5)))
        #expect(handler.outstandingCount == 0)

        let duplicate = loop.makePromise(of: SNMPDatagramHandler.Reply.self)
        let original = loop.makePromise(of: SNMPDatagramHandler.Reply.self)
        handler.send(try request(id: 6), id: 6, to: agent, timeout: .seconds(1), retries: 0, promise: original)
        handler.send(try request(id: 6), id: 6, to: agent, timeout: .seconds(1), retries: 0, promise: duplicate)
        #expect((try #require(throws: SNMPError.self) { try duplicate.futureResult.wait() }).code == .requestIDCollision)

        _ = try channel.finish()
        #expect((try #require(throws: SNMPError.self) { try original.futureResult.wait() }).code == .clientShutDown)
    }
}

@Suite("SNMPv3 engine clock")
struct EngineStateTests {
    @Test func extrapolatesAndNeverGoesBackwards() {
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var state = EngineState(engineID: [1], boots: 2, time: 100, receivedAt: start)
        #expect(state.estimated(at: start + .milliseconds(2_500)).time == 102)
        #expect(state.estimated(at: start - .seconds(5)).time == 100)

        state.update(boots: 2, time: 90, at: start + .seconds(1))
        #expect(state.time == 100)
        state.update(boots: 2, time: 150, at: start + .seconds(1))
        #expect(state.estimated(at: start + .seconds(3)).time == 152)
        state.update(boots: 3, time: 1, at: start + .seconds(3))
        #expect(state.estimated(at: start + .seconds(3)) == USMProcessor.Engine(engineID: [1], boots: 3, time: 1))

        let near = EngineState(engineID: [1], boots: 1, time: Int32.max - 1, receivedAt: start)
        #expect(near.estimated(at: start + .seconds(10)).time == Int32.max)
    }
}
