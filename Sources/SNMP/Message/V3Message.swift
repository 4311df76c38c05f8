/// An SNMPv3 message with the User-based Security Model (RFC 3412 §6, RFC 3414).
struct V3Message: Hashable, Sendable {
    /// msgFlags bits.
    struct Flags: OptionSet, Hashable, Sendable {
        let rawValue: UInt8
        static let authentication = Flags(rawValue: 0x01)
        static let privacy = Flags(rawValue: 0x02)
        static let reportable = Flags(rawValue: 0x04)
    }

    /// msgData: a plaintext scoped PDU or its encryption.
    enum Payload: Hashable, Sendable {
        case plaintext(ScopedPDU)
        case encrypted([UInt8])
    }

    static let userSecurityModel: Int64 = 3
    /// Our msgMaxSize: the largest UDP payload over IPv4.
    static let maximumMessageSize: Int64 = 65507

    var messageID: Int32
    var maximumSize: Int64 = V3Message.maximumMessageSize
    var flags: Flags
    var security: USMSecurityParameters
    var payload: Payload
    /// Where msgAuthenticationParameters' contents are in the decoded bytes.
    var authenticationRange: Range<Int>? = nil

    func encode() throws(SNMPError) -> [UInt8] {
        var writer = BERWriter()
        try writer.writeSequence { (message) throws(SNMPError) in
            message.writeInteger(3)
            try message.writeSequence { header in
                header.writeInteger(Int64(messageID))
                header.writeInteger(maximumSize)
                header.writeOctetString([flags.rawValue])
                header.writeInteger(Self.userSecurityModel)
            }
            message.writeOctetString(security.encode())
            switch payload {
            case .plaintext(let scoped):
                message.append(encoded: try scoped.encode())
            case .encrypted(let bytes):
                message.writeOctetString(bytes)
            }
        }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(SNMPError) -> V3Message {
        var outer = BERReader(bytes)
        var message = try outer.readConstructed(tag: BERTag.sequence, "message SEQUENCE")
        let version = try message.readInteger("msgVersion")
        guard version == 3 else {
            throw .malformed("msgVersion \(version) is not 3")
        }
        var header = try message.readConstructed(tag: BERTag.sequence, "msgGlobalData SEQUENCE")
        let messageID = try header.readInteger("msgID")
        guard let messageID32 = Int32(exactly: messageID), messageID32 >= 0 else {
            throw .malformed("msgID \(messageID) is out of range")
        }
        let maximumSize = try header.readInteger("msgMaxSize")
        let flagBytes = try header.readOctetString("msgFlags")
        guard flagBytes.count == 1, let flagByte = flagBytes.first else {
            throw .malformed("msgFlags has \(flagBytes.count) octets instead of 1")
        }
        let flags = Flags(rawValue: flagByte)
        guard !flags.contains(.privacy) || flags.contains(.authentication) else {
            throw .malformed("msgFlags 0x\(hex(flagByte)) asks for privacy without authentication")
        }
        let model = try header.readInteger("msgSecurityModel")
        guard model == userSecurityModel else {
            throw SNMPError(
                code: .unsupportedProtocol,
                message: "msgSecurityModel \(model) is not the User-based Security Model (3)"
            )
        }
        let securityRange = try message.readElement(tag: BERTag.octetString, "msgSecurityParameters")
        let (security, authRange) = try USMSecurityParameters.decode(from: try message.child(securityRange))
        let start = message.position
        let (tag, dataRange) = try message.readElement()
        let payload: Payload
        switch tag {
        case BERTag.sequence:
            payload = .plaintext(try ScopedPDU.decode(Array(bytes[start..<dataRange.upperBound])))
        case BERTag.octetString:
            payload = .encrypted(Array(bytes[dataRange]))
        default:
            throw .malformed("msgData has tag 0x\(hex(tag)), expected a scopedPDU or encryptedPDU")
        }
        return V3Message(
            messageID: messageID32,
            maximumSize: maximumSize,
            flags: flags,
            security: security,
            payload: payload,
            authenticationRange: authRange
        )
    }
}
