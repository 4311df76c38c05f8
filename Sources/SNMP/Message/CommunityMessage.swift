/// An SNMPv1 or SNMPv2c message: version, community and PDU (RFC 1157, RFC 1901).
struct CommunityMessage: Hashable, Sendable {
    /// 0 for v1, 1 for v2c.
    var version: Int64
    var community: [UInt8]
    var pdu: PDU

    func encode() throws(SNMPError) -> [UInt8] {
        var writer = BERWriter()
        try writer.writeSequence { (message) throws(SNMPError) in
            message.writeInteger(version)
            message.writeOctetString(community)
            try pdu.encode(into: &message)
        }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(SNMPError) -> CommunityMessage {
        var outer = BERReader(bytes)
        var message = try outer.readConstructed(tag: BERTag.sequence, "message SEQUENCE")
        let version = try message.readInteger("version")
        guard version == 0 || version == 1 else {
            throw .malformed("version \(version) is not SNMPv1 (0) or SNMPv2c (1)")
        }
        let community = try message.readOctetString("community")
        let pdu = try PDU.decode(from: &message)
        return CommunityMessage(version: version, community: community, pdu: pdu)
    }
}
