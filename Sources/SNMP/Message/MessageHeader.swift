/// The few fields needed to route an incoming datagram to the request waiting for it.
struct MessageHeader: Hashable, Sendable {
    /// The message version field: 0 (v1), 1 (v2c) or 3 (v3).
    var version: Int64
    /// The request-id for v1/v2c, the msgID for v3 (the PDU may be encrypted).
    var id: Int32

    /// Reads the version and request-id/msgID without decoding the rest; nil if the datagram
    /// is not an SNMP message this client could have asked for.
    static func peek(_ bytes: [UInt8]) -> MessageHeader? {
        do {
            var outer = BERReader(bytes)
            var message = try outer.readConstructed(tag: BERTag.sequence, "message")
            let version = try message.readInteger("version")
            let id: Int64
            switch version {
            case 0, 1:
                _ = try message.readElement(tag: BERTag.octetString, "community")
                let (_, contents) = try message.readElement()
                var pdu = try message.child(contents)
                id = try pdu.readInteger("request-id")
            case 3:
                var global = try message.readConstructed(tag: BERTag.sequence, "msgGlobalData")
                id = try global.readInteger("msgID")
            default:
                return nil
            }
            guard let id32 = Int32(exactly: id) else { return nil }
            return MessageHeader(version: version, id: id32)
        } catch {
            return nil
        }
    }
}
