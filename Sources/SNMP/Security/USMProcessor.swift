/// Outgoing and incoming message processing of the User-based Security Model (RFC 3414 §3).
enum USMProcessor {
    /// What is known about an authoritative engine when a request is built.
    struct Engine: Hashable, Sendable {
        var engineID: [UInt8]
        var boots: Int32
        var time: Int32
    }

    /// A verified (and decrypted) incoming message.
    struct Incoming: Hashable, Sendable {
        var message: V3Message
        var scopedPDU: ScopedPDU
        var authenticated: Bool
    }

    /// Builds a request: encrypts the scoped PDU if the user has privacy, then computes the HMAC
    /// over the whole message with msgAuthenticationParameters zeroed.
    static func encodeRequest(
        _ pdu: PDU,
        messageID: Int32,
        user: SNMPv3User,
        engine: Engine,
        keys: LocalizedKeys?,
        salt: UInt64
    ) throws(SNMPError) -> [UInt8] {
        var flags: V3Message.Flags = .reportable
        var security = USMSecurityParameters(
            engineID: engine.engineID,
            engineBoots: engine.boots,
            engineTime: engine.time,
            userName: Array(user.userName.utf8)
        )
        let scoped = ScopedPDU(contextEngineID: engine.engineID, contextName: Array(user.contextName.utf8), pdu: pdu)
        var payload = V3Message.Payload.plaintext(scoped)

        if let authentication = user.authentication, let keys {
            flags.insert(.authentication)
            security.authenticationParameters = [UInt8](repeating: 0, count: authentication.protocol.macLength)
            if let privacy = user.privacy, let privacyKey = keys.privacy {
                flags.insert(.privacy)
                let saltBytes = privacy.protocol.salt(counter: salt, boots: engine.boots)
                security.privacyParameters = saltBytes
                payload = .encrypted(
                    try privacy.protocol.encrypt(
                        try scoped.encode(),
                        key: privacyKey,
                        boots: engine.boots,
                        time: engine.time,
                        salt: saltBytes
                    )
                )
            }
        }

        let message = V3Message(messageID: messageID, flags: flags, security: security, payload: payload)
        var bytes = try message.encode()
        if let authentication = user.authentication, let keys {
            // Find the zeroed placeholder by parsing what we just built: robust against any
            // change in how lengths are encoded.
            guard let range = try V3Message.decode(bytes).authenticationRange else {
                throw .malformed("internal: no msgAuthenticationParameters in an encoded request")
            }
            let mac = authentication.protocol.authenticate(bytes, key: keys.authentication)
            bytes.replaceSubrange(range, with: mac)
        }
        return bytes
    }

    /// Decodes an incoming message; checks its HMAC and decrypts it when flagged.
    ///
    /// - Parameter keysForEngine: keys of the requesting user localised to an engine ID, or nil
    ///   if the user has no authentication.
    static func decodeIncoming(
        _ bytes: [UInt8],
        user: SNMPv3User,
        keysForEngine: ([UInt8]) -> LocalizedKeys?
    ) throws(SNMPError) -> Incoming {
        let message = try V3Message.decode(bytes)
        var authenticated = false
        var keys: LocalizedKeys?
        if message.flags.contains(.authentication) {
            guard let authentication = user.authentication,
                let localized = keysForEngine(message.security.engineID)
            else {
                throw SNMPError(
                    code: .authenticationFailure,
                    message: "received an authenticated message for user '\(user.userName)', which has no authentication configured"
                )
            }
            guard let range = message.authenticationRange,
                range.count == authentication.protocol.macLength
            else {
                throw SNMPError(
                    code: .authenticationFailure,
                    message: "response's msgAuthenticationParameters has \(message.security.authenticationParameters.count) octets, \(authentication.protocol) needs \(authentication.protocol.macLength); check the authentication protocol"
                )
            }
            var zeroed = bytes
            zeroed.replaceSubrange(range, with: repeatElement(0, count: range.count))
            let expected = authentication.protocol.authenticate(zeroed, key: localized.authentication)
            guard constantTimeEqual(expected, message.security.authenticationParameters) else {
                throw SNMPError(
                    code: .authenticationFailure,
                    message: "response digest does not match: check the authentication password and protocol (\(authentication.protocol)) of user '\(user.userName)'"
                )
            }
            authenticated = true
            keys = localized
        }

        let scoped: ScopedPDU
        switch message.payload {
        case .plaintext(let plaintext):
            guard !message.flags.contains(.privacy) else {
                throw .malformed("msgFlags say encrypted but msgData is a plaintext scopedPDU")
            }
            scoped = plaintext
        case .encrypted(let ciphertext):
            guard message.flags.contains(.privacy) else {
                throw .malformed("msgData is encrypted but msgFlags do not say so")
            }
            guard let privacy = user.privacy, let privacyKey = keys?.privacy else {
                throw SNMPError(
                    code: .decryptionError,
                    message: "received an encrypted message for user '\(user.userName)', which has no privacy configured"
                )
            }
            let plaintext = try privacy.protocol.decrypt(
                ciphertext,
                key: privacyKey,
                boots: message.security.engineBoots,
                time: message.security.engineTime,
                salt: message.security.privacyParameters
            )
            do {
                scoped = try ScopedPDU.decode(plaintext)
            } catch {
                throw SNMPError(
                    code: .decryptionError,
                    message: "decrypted scopedPDU is not valid BER: check the privacy password and protocol (\(privacy.protocol)) of user '\(user.userName)'"
                )
            }
        }
        return Incoming(message: message, scopedPDU: scoped, authenticated: authenticated)
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) {
            difference |= left ^ right
        }
        return difference == 0
    }
}
