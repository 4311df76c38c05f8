/// The wire format of the ICMP and ICMPv6 echo messages this engine sends and accepts.
///
/// Payload layout (after the 8-byte ICMP header): an 8-byte engine nonce, an 8-byte probe token
/// (unique per probe within an engine), then filler up to the configured payload size. A reply is
/// ours only when its nonce matches; it answers a probe only when its token is that probe's.
package enum EchoPacket {
    /// ICMP header: type, code, checksum, identifier, sequence.
    static let headerSize = 8
    /// Nonce and token at the start of the payload.
    static let minimumPayloadSize = 16

    static let echoRequestV4: UInt8 = 8
    static let echoReplyV4: UInt8 = 0
    static let echoRequestV6: UInt8 = 128
    static let echoReplyV6: UInt8 = 129

    /// A reply that carries this engine's nonce.
    struct Reply: Equatable {
        var identifier: UInt16
        var sequence: UInt16
        var token: UInt64
        var timeToLive: UInt8?
    }

    /// Why a received packet is not a usable reply.
    enum Rejection: Error, Equatable {
        /// Too short for an IP header, an ICMP header or our payload, or longer than what we sent.
        case badLength
        /// An IPv4 header that is not IPv4/ICMP or whose header length is impossible.
        case malformedIPHeader
        /// Another ICMP type or code (requests, errors, ...).
        case notEchoReply
        /// The ICMP checksum does not verify.
        case badChecksum
        /// An echo reply without this engine's nonce: another process's ping.
        case foreign
    }

    /// Writes an echo request of `buffer.count` bytes (header plus payload) and returns nothing.
    ///
    /// The checksum is filled in for IPv4; for ICMPv6 the kernel computes it (it needs the
    /// pseudo-header), and datagram sockets recompute it anyway.
    static func writeRequest(
        into buffer: UnsafeMutableRawBufferPointer,
        family: ICMPEchoAddress.Family,
        identifier: UInt16,
        sequence: UInt16,
        nonce: UInt64,
        token: UInt64
    ) {
        precondition(buffer.count >= headerSize + minimumPayloadSize)
        buffer.storeBytes(of: family == .ipv4 ? echoRequestV4 : echoRequestV6, toByteOffset: 0, as: UInt8.self)
        buffer.storeBytes(of: 0, toByteOffset: 1, as: UInt8.self)
        buffer.storeBytes(of: 0, toByteOffset: 2, as: UInt16.self)
        buffer.storeBytes(of: identifier.bigEndian, toByteOffset: 4, as: UInt16.self)
        buffer.storeBytes(of: sequence.bigEndian, toByteOffset: 6, as: UInt16.self)
        buffer.storeBytes(of: nonce.bigEndian, toByteOffset: 8, as: UInt64.self)
        buffer.storeBytes(of: token.bigEndian, toByteOffset: 16, as: UInt64.self)
        for offset in (headerSize + minimumPayloadSize) ..< buffer.count {
            buffer[offset] = UInt8(truncatingIfNeeded: offset)
        }
        if family == .ipv4 {
            let sum = checksum(UnsafeRawBufferPointer(buffer))
            buffer.storeBytes(of: sum.bigEndian, toByteOffset: 2, as: UInt16.self)
        }
    }

    /// Parses a received datagram.
    ///
    /// - Parameters:
    ///   - bytes: what `recvmsg` returned.
    ///   - family: the socket's family.
    ///   - includesIPHeader: `true` for raw IPv4 sockets, which deliver the IP header too.
    ///   - payloadSize: the payload size this engine sends; a reply must echo exactly that much.
    ///   - nonce: this engine's nonce.
    static func parseReply(
        _ bytes: UnsafeRawBufferPointer,
        family: ICMPEchoAddress.Family,
        includesIPHeader: Bool,
        payloadSize: Int,
        nonce: UInt64
    ) -> Result<Reply, Rejection> {
        var icmp = bytes
        var timeToLive: UInt8?
        if includesIPHeader {
            guard bytes.count >= 20 else { return .failure(.badLength) }
            let versionAndLength = bytes[0]
            let headerLength = Int(versionAndLength & 0x0F) * 4
            guard versionAndLength >> 4 == 4, headerLength >= 20, headerLength <= bytes.count, bytes[9] == 1 else {
                return .failure(.malformedIPHeader)
            }
            timeToLive = bytes[8]
            icmp = UnsafeRawBufferPointer(rebasing: bytes[headerLength...])
        }
        guard icmp.count >= headerSize else { return .failure(.badLength) }
        let expectedType = family == .ipv4 ? echoReplyV4 : echoReplyV6
        guard icmp[0] == expectedType, icmp[1] == 0 else { return .failure(.notEchoReply) }
        guard icmp.count == headerSize + payloadSize else { return .failure(.badLength) }
        // ICMPv6 checksums cover a pseudo-header the kernel already verified for us.
        if family == .ipv4, checksum(icmp) != 0 {
            return .failure(.badChecksum)
        }
        guard UInt64(bigEndian: icmp.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) == nonce else {
            return .failure(.foreign)
        }
        return .success(Reply(
            identifier: UInt16(bigEndian: icmp.loadUnaligned(fromByteOffset: 4, as: UInt16.self)),
            sequence: UInt16(bigEndian: icmp.loadUnaligned(fromByteOffset: 6, as: UInt16.self)),
            token: UInt64(bigEndian: icmp.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            timeToLive: timeToLive
        ))
    }

    /// The Internet checksum (RFC 1071) of `bytes`; 0 when computed over a message whose checksum
    /// field is correct.
    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum &+= UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count {
            sum &+= UInt32(bytes[index]) << 8
        }
        while sum >> 16 != 0 {
            sum = (sum & 0xFFFF) &+ (sum >> 16)
        }
        return ~UInt16(truncatingIfNeeded: sum)
    }
}
