import Crypto

/// An SNMPv3 authentication protocol: HMAC-MD5-96, HMAC-SHA-96 (RFC 3414) or the SHA-2
/// variants of RFC 7860 (HMAC-SHA-224/256/384/512 with MACs of 16/24/32/48 bytes).
public struct SNMPAuthProtocol: Hashable, Sendable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        case md5, sha1, sha224, sha256, sha384, sha512
    }

    let kind: Kind

    /// usmHMACMD5AuthProtocol: HMAC-MD5 truncated to 96 bits.
    public static let md5 = SNMPAuthProtocol(kind: .md5)
    /// usmHMACSHAAuthProtocol: HMAC-SHA-1 truncated to 96 bits.
    public static let sha1 = SNMPAuthProtocol(kind: .sha1)
    /// usmHMAC128SHA224AuthProtocol (RFC 7860).
    public static let sha224 = SNMPAuthProtocol(kind: .sha224)
    /// usmHMAC192SHA256AuthProtocol (RFC 7860).
    public static let sha256 = SNMPAuthProtocol(kind: .sha256)
    /// usmHMAC256SHA384AuthProtocol (RFC 7860).
    public static let sha384 = SNMPAuthProtocol(kind: .sha384)
    /// usmHMAC384SHA512AuthProtocol (RFC 7860).
    public static let sha512 = SNMPAuthProtocol(kind: .sha512)

    /// The names ``init(name:)`` accepts, for messages.
    public static let acceptedNames = "MD5, SHA (SHA1, SHA-1), SHA-224, SHA-256, SHA-384, SHA-512 (also written SHA224…SHA512)"

    /// Parses the names used by net-snmp and Grafolean, case-insensitive, with or without `-`
    /// (or `_`): MD5, SHA (SHA1, SHA-1), SHA-224, SHA-256, SHA-384, SHA-512.
    public init?(name: String) {
        switch String(name.uppercased().filter { $0 != "-" && $0 != "_" && !$0.isWhitespace }) {
        case "MD5": self = .md5
        case "SHA", "SHA1": self = .sha1
        case "SHA224": self = .sha224
        case "SHA256": self = .sha256
        case "SHA384": self = .sha384
        case "SHA512": self = .sha512
        default: return nil
        }
    }

    private init(kind: Kind) {
        self.kind = kind
    }

    /// The name as net-snmp spells it.
    public var description: String {
        switch kind {
        case .md5: "MD5"
        case .sha1: "SHA"
        case .sha224: "SHA-224"
        case .sha256: "SHA-256"
        case .sha384: "SHA-384"
        case .sha512: "SHA-512"
        }
    }

    /// Length of msgAuthenticationParameters (the truncated MAC).
    var macLength: Int {
        switch kind {
        case .md5, .sha1: 12
        case .sha224: 16
        case .sha256: 24
        case .sha384: 32
        case .sha512: 48
        }
    }

    /// Password to key (RFC 3414 A.2): hash of the password repeated to 1 MiB.
    func passwordToKey(_ password: [UInt8]) -> [UInt8] {
        // Empty passwords are rejected by validation first; never trap if one slips through.
        guard !password.isEmpty else { return [] }
        let total = 1_048_576
        // Hash in 64 KiB chunks of the repeating password to keep memory small.
        let chunkLength = max(password.count, 65_536 - 65_536 % password.count)
        var chunk = [UInt8]()
        chunk.reserveCapacity(chunkLength)
        while chunk.count < chunkLength {
            chunk.append(password[chunk.count % password.count])
        }
        var remaining = total
        return withHasher { update in
            while remaining > 0 {
                let take = min(remaining, chunkLength)
                // Chunks are whole repetitions, so each continues where the last ended.
                update(chunk[0..<take])
                remaining -= take
            }
        }
    }

    /// Key localisation (RFC 3414 A.2.2): H(Ku || engineID || Ku).
    func localize(_ key: [UInt8], engineID: [UInt8]) -> [UInt8] {
        withHasher { update in
            update(key[...])
            update(engineID[...])
            update(key[...])
        }
    }

    /// The plain hash of `bytes` (for the Blumenthal key extension).
    func hash(_ bytes: [UInt8]) -> [UInt8] {
        withHasher { update in update(bytes[...]) }
    }

    /// The truncated HMAC of `message`.
    func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        let symmetricKey = SymmetricKey(data: key)
        let mac: [UInt8] =
            switch kind {
            case .md5: Array(HMAC<Insecure.MD5>.authenticationCode(for: message, using: symmetricKey))
            case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: symmetricKey))
            case .sha224: Array(HMAC<SHA224>.authenticationCode(for: message, using: symmetricKey))
            case .sha256: Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetricKey))
            case .sha384: Array(HMAC<SHA384>.authenticationCode(for: message, using: symmetricKey))
            case .sha512: Array(HMAC<SHA512>.authenticationCode(for: message, using: symmetricKey))
            }
        return Array(mac.prefix(macLength))
    }

    private func withHasher(_ body: (_ update: (ArraySlice<UInt8>) -> Void) -> Void) -> [UInt8] {
        switch kind {
        case .md5: Self.hash(Insecure.MD5.self, body)
        case .sha1: Self.hash(Insecure.SHA1.self, body)
        case .sha224: Self.hash(SHA224.self, body)
        case .sha256: Self.hash(SHA256.self, body)
        case .sha384: Self.hash(SHA384.self, body)
        case .sha512: Self.hash(SHA512.self, body)
        }
    }

    private static func hash<H: HashFunction>(
        _: H.Type,
        _ body: (_ update: (ArraySlice<UInt8>) -> Void) -> Void
    ) -> [UInt8] {
        var hasher = H()
        body { hasher.update(data: $0) }
        return Array(hasher.finalize())
    }
}
