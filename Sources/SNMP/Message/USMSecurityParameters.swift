/// UsmSecurityParameters (RFC 3414 §2.4), carried BER-encoded inside an OCTET STRING.
struct USMSecurityParameters: Hashable, Sendable {
    var engineID: [UInt8] = []
    var engineBoots: Int32 = 0
    var engineTime: Int32 = 0
    var userName: [UInt8] = []
    var authenticationParameters: [UInt8] = []
    var privacyParameters: [UInt8] = []

    func encode() -> [UInt8] {
        var writer = BERWriter()
        // Cannot throw: the body only writes primitives.
        try? writer.writeSequence { usm in
            usm.writeOctetString(engineID)
            usm.writeInteger(Int64(engineBoots))
            usm.writeInteger(Int64(engineTime))
            usm.writeOctetString(userName)
            usm.writeOctetString(authenticationParameters)
            usm.writeOctetString(privacyParameters)
        }
        return writer.bytes
    }

    /// Decodes the parameters; also returns where msgAuthenticationParameters sits in the
    /// whole message, which is zeroed to compute and check the HMAC.
    static func decode(from reader: BERReader) throws(SNMPError) -> (USMSecurityParameters, authenticationRange: Range<Int>) {
        var outer = reader
        var usm = try outer.readConstructed(tag: BERTag.sequence, "UsmSecurityParameters SEQUENCE")
        var parameters = USMSecurityParameters()
        parameters.engineID = try usm.readOctetString("msgAuthoritativeEngineID")
        guard parameters.engineID.count <= 32 else {
            throw .malformed("msgAuthoritativeEngineID of \(parameters.engineID.count) octets exceeds 32")
        }
        parameters.engineBoots = try clamp(try usm.readInteger("msgAuthoritativeEngineBoots"), "msgAuthoritativeEngineBoots")
        parameters.engineTime = try clamp(try usm.readInteger("msgAuthoritativeEngineTime"), "msgAuthoritativeEngineTime")
        parameters.userName = try usm.readOctetString("msgUserName")
        let authRange = try usm.readElement(tag: BERTag.octetString, "msgAuthenticationParameters")
        parameters.authenticationParameters = Array(usm.bytes[authRange])
        parameters.privacyParameters = try usm.readOctetString("msgPrivacyParameters")
        return (parameters, authRange)
    }

    private static func clamp(_ value: Int64, _ what: String) throws(SNMPError) -> Int32 {
        guard value >= 0, let result = Int32(exactly: value) else {
            throw .malformed("\(what) \(value) is outside 0...2147483647")
        }
        return result
    }
}
