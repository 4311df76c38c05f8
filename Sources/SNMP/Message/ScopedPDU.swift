/// The scoped PDU of an SNMPv3 message: context plus PDU (RFC 3412 §6).
struct ScopedPDU: Hashable, Sendable {
    var contextEngineID: [UInt8]
    var contextName: [UInt8]
    var pdu: PDU

    func encode() throws(SNMPError) -> [UInt8] {
        var writer = BERWriter()
        try writer.writeSequence { (scoped) throws(SNMPError) in
            scoped.writeOctetString(contextEngineID)
            scoped.writeOctetString(contextName)
            try pdu.encode(into: &scoped)
        }
        return writer.bytes
    }

    /// Decodes a scoped PDU; trailing bytes after it (cipher padding) are ignored.
    static func decode(_ bytes: [UInt8]) throws(SNMPError) -> ScopedPDU {
        var outer = BERReader(bytes)
        var scoped = try outer.readConstructed(tag: BERTag.sequence, "scopedPDU SEQUENCE")
        let contextEngineID = try scoped.readOctetString("contextEngineID")
        let contextName = try scoped.readOctetString("contextName")
        let pdu = try PDU.decode(from: &scoped)
        return ScopedPDU(contextEngineID: contextEngineID, contextName: contextName, pdu: pdu)
    }
}
