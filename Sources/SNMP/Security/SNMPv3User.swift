/// SNMPv3 security level, derived from which of authentication and privacy are configured.
public enum SNMPSecurityLevel: String, Hashable, Sendable {
    /// Neither authentication nor encryption.
    case noAuthNoPriv
    /// Authenticated (HMAC), not encrypted.
    case authNoPriv
    /// Authenticated and encrypted.
    case authPriv
}

/// An SNMPv3 USM user: name, optional authentication and optional privacy.
public struct SNMPv3User: Hashable, Sendable {
    /// Authentication protocol and password.
    public struct Authentication: Hashable, Sendable {
        /// The HMAC protocol.
        public var `protocol`: SNMPAuthProtocol
        /// The pass phrase (at least 8 characters, as net-snmp requires).
        public var password: String

        /// Creates authentication settings.
        public init(protocol: SNMPAuthProtocol, password: String) {
            self.protocol = `protocol`
            self.password = password
        }
    }

    /// Privacy protocol and password.
    public struct Privacy: Hashable, Sendable {
        /// The cipher.
        public var `protocol`: SNMPPrivProtocol
        /// The pass phrase (at least 8 characters); keys are derived with the auth protocol's hash.
        public var password: String

        /// Creates privacy settings.
        public init(protocol: SNMPPrivProtocol, password: String) {
            self.protocol = `protocol`
            self.password = password
        }
    }

    /// The USM user name (msgUserName).
    public var userName: String
    /// Authentication; nil for noAuthNoPriv.
    public var authentication: Authentication?
    /// Privacy; requires authentication.
    public var privacy: Privacy?
    /// The context name of the scoped PDU (usually empty; some agents serve several MIB
    /// instances, VRFs or VLANs under different context names).
    public var contextName: String

    /// Creates a user.
    public init(
        userName: String,
        authentication: Authentication? = nil,
        privacy: Privacy? = nil,
        contextName: String = ""
    ) {
        self.userName = userName
        self.authentication = authentication
        self.privacy = privacy
        self.contextName = contextName
    }

    /// The security level these settings give.
    public var securityLevel: SNMPSecurityLevel {
        if authentication == nil { return .noAuthNoPriv }
        return privacy == nil ? .authNoPriv : .authPriv
    }

    /// Shortest pass phrase accepted (RFC 3414 §11.2 recommends 8; net-snmp enforces it).
    static let minimumPasswordLength = 8

    /// Checks the settings before any packet is sent.
    func validate() throws(SNMPError) {
        guard !userName.isEmpty, userName.utf8.count <= 32 else {
            throw SNMPError(code: .invalidConfiguration, message: "SNMPv3 user name must be 1 to 32 octets, got \(userName.utf8.count)")
        }
        if let privacy {
            guard authentication != nil else {
                throw SNMPError(code: .invalidConfiguration, message: "SNMPv3 user '\(userName)': privacy requires authentication (authPriv)")
            }
            try Self.check(privacy.password, "privacy", userName)
        }
        if let authentication {
            try Self.check(authentication.password, "authentication", userName)
        }
    }

    private static func check(_ password: String, _ kind: String, _ user: String) throws(SNMPError) {
        let length = password.utf8.count
        guard length >= minimumPasswordLength, length <= 1024 else {
            throw SNMPError(
                code: .invalidConfiguration,
                message: "SNMPv3 user '\(user)': the \(kind) password has \(length) characters; it must have 8 to 1024 (RFC 3414, net-snmp rejects shorter ones)"
            )
        }
    }
}
