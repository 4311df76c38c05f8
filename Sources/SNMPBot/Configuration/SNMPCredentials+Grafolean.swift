import Foundation
import GrafoleanCollector
import SNMP

extension SNMPCredentials {
    /// Reads an SNMP credential's `details` exactly as Grafolean's web UI stores them.
    ///
    /// `version` is `snmpv1`, `snmpv2c` or `snmpv3`. v1/v2c use `snmpv12_community`; v3 uses
    /// `snmpv3_securityName`, `snmpv3_securityLevel` (`noAuthNoPriv`, `authNoPriv`, `authPriv`),
    /// `snmpv3_authProtocol` (`MD5`, `SHA`/`SHA1`, `SHA-224`, `SHA-256`, `SHA-384`, `SHA-512`),
    /// `snmpv3_authKey`, `snmpv3_privProtocol` (`DES`, `AES`, `AES-192`, `AES-256`, `AES-192-C`,
    /// `AES-256-C`; any other name starting with `AES` is AES-128), `snmpv3_privKey` and, set
    /// through the API only, `snmpv3_contextName`. Names are case-insensitive, with or without
    /// dashes. Keys the version or security level does not use are ignored (the UI leaves stale
    /// ones behind when the version changes).
    ///
    /// - Throws: ``SNMPBotError`` with code `invalidCredential`, naming the field and what it accepts
    ///   (never a password or community).
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
        let contextName = try context(details)
        guard level != .noAuthNoPriv else { return SNMPv3User(userName: name, contextName: contextName) }

        let authName = text(details, "snmpv3_authProtocol") ?? ""
        guard let authProtocol = SNMPAuthProtocol(name: authName) else {
            throw SNMPBotError(
                code: .invalidCredential,
                message: authName.isEmpty
                    ? "is missing; \(level.rawValue) needs one of \(SNMPAuthProtocol.acceptedNames)"
                    : "'\(authName)' is not a known authentication protocol; accepted: \(SNMPAuthProtocol.acceptedNames)",
                field: "snmpv3_authProtocol")
        }
        let authKey = try password(details, "snmpv3_authKey", purpose: "authentication")
        let authentication = SNMPv3User.Authentication(protocol: authProtocol, password: authKey)
        guard level == .authPriv else { return SNMPv3User(userName: name, authentication: authentication, contextName: contextName) }

        let privName = text(details, "snmpv3_privProtocol") ?? ""
        guard let privProtocol = SNMPPrivProtocol(name: privName) else {
            throw SNMPBotError(
                code: .invalidCredential,
                message: privName.isEmpty
                    ? "is missing; authPriv needs one of \(SNMPPrivProtocol.acceptedNames)"
                    : "'\(privName)' is not a known privacy protocol; accepted: \(SNMPPrivProtocol.acceptedNames)",
                field: "snmpv3_privProtocol")
        }
        let privKey = try password(details, "snmpv3_privKey", purpose: "privacy")
        return SNMPv3User(
            userName: name, authentication: authentication, privacy: .init(protocol: privProtocol, password: privKey), contextName: contextName)
    }

    /// `snmpv3_contextName`: empty when missing; kept as typed (context names are exact).
    private static func context(_ details: JSONValue) throws(SNMPBotError) -> String {
        guard let name = text(details, "snmpv3_contextName", trimming: false) else { return "" }
        guard name.utf8.count <= 32 else {
            throw SNMPBotError(
                code: .invalidCredential, message: "has \(name.utf8.count) bytes; SNMP context names have at most 32 (empty for the default context)",
                field: "snmpv3_contextName")
        }
        return name
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
    static func text(_ details: JSONValue, _ field: String, trimming: Bool = true) -> String? {
        let text: String
        switch details[field] {
        case .string(let string): text = trimming ? string.trimmingCharacters(in: .whitespaces) : string
        case .number(let number): text = number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        default: return nil
        }
        return text.isEmpty ? nil : text
    }
}
