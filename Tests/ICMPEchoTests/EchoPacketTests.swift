import ICMPEchoTestSupport
import Testing

@testable import ICMPEcho

@Suite("EchoPacket wire format")
struct EchoPacketTests {
    static let nonce: UInt64 = 0x0123_4567_89AB_CDEF
    static let payloadSize = 56

    /// An echo request as this engine writes it.
    func request(family: ICMPEchoAddress.Family = .ipv4, identifier: UInt16 = 0xBEEF, sequence: UInt16 = 7, token: UInt64 = 42) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: EchoPacket.headerSize + Self.payloadSize)
        bytes.withUnsafeMutableBytes {
            EchoPacket.writeRequest(into: $0, family: family, identifier: identifier, sequence: sequence, nonce: Self.nonce, token: token)
        }
        return bytes
    }

    /// What a peer sends back: type 0, checksum recomputed, optionally behind an IPv4 header.
    func reply(to request: [UInt8], withIPHeader: Bool = true) -> [UInt8] {
        let icmp = EchoResponder.reply(to: request)
        guard withIPHeader else { return icmp }
        var header: [UInt8] = [0x45, 0, 0, 0, 0, 0, 0, 0, 61, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
        header[2] = UInt8((header.count + icmp.count) >> 8)
        header[3] = UInt8((header.count + icmp.count) & 0xFF)
        return header + icmp
    }

    func parse(_ bytes: [UInt8], family: ICMPEchoAddress.Family = .ipv4, withIPHeader: Bool = true) -> Result<EchoPacket.Reply, EchoPacket.Rejection> {
        bytes.withUnsafeBytes {
            EchoPacket.parseReply($0, family: family, includesIPHeader: withIPHeader, payloadSize: Self.payloadSize, nonce: Self.nonce)
        }
    }

    @Test("a request carries type, identifier, sequence, nonce, token and a valid checksum")
    func requestLayout() {
        let bytes = request()
        #expect(bytes[0] == 8)
        #expect(bytes[4 ... 7] == [0xBE, 0xEF, 0, 7])
        #expect(bytes.withUnsafeBytes { EchoPacket.checksum($0) } == 0)
        #expect(request(family: .ipv6)[0] == 128)
    }

    @Test("a reply with IP header parses into identifier, sequence, token and TTL")
    func parsesReply() throws {
        let parsed = try parse(reply(to: request(identifier: 513, sequence: 65535, token: 99))).get()
        #expect(parsed == EchoPacket.Reply(identifier: 513, sequence: 65535, token: 99, timeToLive: 61))
        let datagram = try parse(reply(to: request(), withIPHeader: false), withIPHeader: false).get()
        #expect(datagram.timeToLive == nil)
        #expect(datagram.token == 42)
    }

    @Test("foreign, damaged and other packets are rejected with the reason")
    func rejections() {
        // Another process's ping: same shape, different nonce.
        var foreign = reply(to: request())
        foreign[20 + 8] ^= 0xFF
        let sum = Array(foreign[20...]).withUnsafeBytes { bytes -> UInt16 in
            var copy = Array(bytes)
            copy[2] = 0
            copy[3] = 0
            return copy.withUnsafeBytes { EchoPacket.checksum($0) }
        }
        foreign[22] = UInt8(sum >> 8)
        foreign[23] = UInt8(sum & 0xFF)
        #expect(parse(foreign) == .failure(.foreign))

        var corrupted = reply(to: request())
        corrupted[20 + 30] ^= 0x01
        #expect(parse(corrupted) == .failure(.badChecksum))

        #expect(parse(reply(to: request()).dropLast(1).map { $0 }) == .failure(.badLength))
        #expect(parse(Array(reply(to: request())[0 ..< 25])) == .failure(.badLength))
        #expect(parse([0x45] + [UInt8](repeating: 0, count: 10)) == .failure(.badLength))

        var echoRequest = reply(to: request())
        echoRequest[20] = 8
        #expect(parse(echoRequest) == .failure(.notEchoReply))
        var unreachable = reply(to: request())
        unreachable[20] = 3
        #expect(parse(unreachable) == .failure(.notEchoReply))

        var notICMP = reply(to: request())
        notICMP[9] = 17
        #expect(parse(notICMP) == .failure(.malformedIPHeader))
        var badHeaderLength = reply(to: request())
        badHeaderLength[0] = 0x44
        #expect(parse(badHeaderLength) == .failure(.malformedIPHeader))

        // An ICMPv6 socket expects type 129, not 0.
        #expect(parse(reply(to: request(family: .ipv6), withIPHeader: false), family: .ipv6, withIPHeader: false) == .failure(.notEchoReply))
    }

    @Test("random bytes never crash the parser and are never accepted")
    func fuzz() {
        var generator = SystemRandomNumberGenerator()
        for length in 0 ..< 200 {
            for _ in 0 ..< 50 {
                var bytes = (0 ..< length).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
                if length > 0 { bytes[0] = 0x45 }
                if case .success = parse(bytes) { Issue.record("accepted random bytes \(bytes)") }
                if case .success = parse(bytes, withIPHeader: false) { Issue.record("accepted random bytes \(bytes)") }
            }
        }
    }

    @Test("checksum of the RFC 1071 example")
    func checksumExample() {
        let bytes: [UInt8] = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]
        #expect(bytes.withUnsafeBytes { EchoPacket.checksum($0) } == ~UInt16(0xDDF2))
        #expect([UInt8]([0xFF]).withUnsafeBytes { EchoPacket.checksum($0) } == 0x00FF)
    }
}
