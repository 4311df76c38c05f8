import Foundation
import GrafoleanCollector
import SNMP

extension SNMPCredentials {
    /// Reads an SNMP credential's `details` exactly as Grafolean's web UI stores them.
    ///
    /// `version` is `snmpv1`, `snmpv2c` or `snmpv3`. v1/v2c use `snmpv12_community`; v3 uses
    /// `snmpv3_securityName`, `snmpv3_securityLevel` (`noAuthNoPriv`, `authNoPriv`, `authPriv`),
    /// `snmpv3_authProtocol` (`MD5`, `SHA`), `snmpv3_authKey`, `snmpv3_privProtocol` (`AES`; `DES`
    /// is refused) and `snmpv3_privKey`. Keys the version or security level does not use are
    /// ignored (the UI leaves stale ones behind when the version changes).
    ///
    /// - Throws: ``SNMPBotError`` naming the field: `invalidCredential`, or `unsupportedPrivacy` for DES.
    public init(grafoleanDetails details: JSONValue) throws(SNMPBotError) {
        guard let version = Self.text(details, "version") else {
            throw SNMPBotError(code: .invalidCredential, message: "is missing; set it to snmpv1, snmpv2c or snmpv3", field: "version")
        }
        switch version.lowercased() {
        case "snmpv1", "snmpv2c":
            guard let community = Self.text(details, "snmpv12_community", trimming: false) else {
                throw SNMPBotError(code: .invalidCredential, message: "is missing or empty; set the community string (often 'public')", field: "snmpv12_community")
            }
            self = version.lowercased() == "snmpv1" ? .v1(community: community) : .v2c(community: community)
        case "snmpv3":
            self = .v3(try Self.user(details))
        default:
            throw SNMPBotError(code: .invalidCredential, message: "'\(version)' is not snmpv1, snmpv2c or snmpv3", field: "version")
        }
    }

    private static func user(_ details: JSONValue) throws(SNMPBotError) -> SNMPv3User {
        guard let name = text(details, "snmpv3_securityName", trimming: false) else {
            throw SNMPBotError(code: .invalidCredential, message: "is missing or empty; set the SNMPv3 user name", field: "snmpv3_securityName")
        }
        guard name.utf8.count <= 32 else {
            throw SNMPBotError(code: .invalidCredential, message: "has \(name.utf8.count) bytes; SNMPv3 user names have at most 32", field: "snmpv3_securityName")
        }
        let levelText = text(details, "snmpv3_securityLevel") ?? ""
        guard let level = [SNMPSecurityLevel.noAuthNoPriv, .authNoPriv, .authPriv].first(where: { $0.rawValue.lowercased() == levelText.lowercased() }) else {
            throw SNMPBotError(
                code: .invalidCredential,
                message: levelText.isEmpty ? "is missing; set noAuthNoPriv, authNoPriv or authPriv" : "'\(levelText)' is not noAuthNoPriv, authNoPriv or authPriv",
                field: "snmpv3_securityLevel")
        }
        guard level != .noAuthNoPriv else { return SNMPv3User(userName: name) }

        let authName = text(details, "snmpv3_authProtocol") ?? ""
        guard let authProtocol = SNMPAuthProtocol(name: authName) else {
            throw SNMPBotError(
                code: .invalidCredential,
                message: authName.isEmpty ? "is missing; \(level.rawValue) needs MD5 or SHA" : "'\(authName)' is not MD5 or SHA",
                field: "snmpv3_authProtocol")
        }
        let authKey = try password(details, "snmpv3_authKey", purpose: "authentication")
        let authentication = SNMPv3User.Authentication(protocol: authProtocol, password: authKey)
        guard level == .authPriv else { return SNMPv3User(userName: name, authentication: authentication) }

        let privName = text(details, "snmpv3_privProtocol") ?? ""
        guard let privProtocol = SNMPPrivProtocol(name: privName) else {
            throw SNMPBotError(
                code: .invalidCredential,
                message: privName.isEmpty ? "is missing; authPriv needs AES" : "'\(privName)' is not AES",
                field: "snmpv3_privProtocol")
        }
        guard privProtocol != .des else {
            throw SNMPBotError(
                code: .unsupportedPrivacy,
                message: "DES privacy is not supported (DES is broken and deprecated, and this bot's crypto library does not provide it); configure the agent's user for AES and set the credential to AES",
                field: "snmpv3_privProtocol")
        }
        let privKey = try password(details, "snmpv3_privKey", purpose: "privacy")
        return SNMPv3User(userName: name, authentication: authentication, privacy: .init(protocol: privProtocol, password: privKey))
    }

    private static func password(_ details: JSONValue, _ field: String, purpose: String) throws(SNMPBotError) -> String {
        guard let key = text(details, field, trimming: false) else {
            throw SNMPBotError(code: .invalidCredential, message: "is missing or empty; set the \(purpose) pass phrase", field: field)
        }
        guard key.utf8.count >= 8 else {
            throw SNMPBotError(
                code: .invalidCredential, message: "has \(key.utf8.count) characters; SNMPv3 pass phrases need at least 8 (RFC 3414, net-snmp)",
                field: field)
        }
        return key
    }

    /// A field as text: strings as they are (trimmed unless told), numbers as the UI would type them; nil when missing or empty.
    private static func text(_ details: JSONValue, _ field: String, trimming: Bool = true) -> String? {
        let text: String
        switch details[field] {
        case .string(let string): text = trimming ? string.trimmingCharacters(in: .whitespaces) : string
        case .number(let number): text = number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        default: return nil
        }
        return text.isEmpty ? nil : text
    }
}
