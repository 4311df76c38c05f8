import Crypto
import CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An SNMPv3 privacy (encryption) protocol.
///
/// AES-192 and AES-256 were never standardised; agents use one of two ways to stretch the
/// localised key to 24 or 32 bytes, and the user must pick the one the device uses:
/// Blumenthal (draft-blumenthal-aes-usm-04, net-snmp's `AES-192`/`AES-256`) or Reeder
/// (draft-reeder-snmpv3-usm-3desede-00, used by Cisco; net-snmp's `AES-192-C`/`AES-256-C`).
public struct SNMPPrivProtocol: Hashable, Sendable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        case des, aes128, aes192, aes256, aes192Reeder, aes256Reeder
    }

    let kind: Kind

    /// usmDESPrivProtocol (RFC 3414 §8): DES in CBC mode. Weak (56-bit key); only for devices
    /// that offer nothing better.
    public static let des = SNMPPrivProtocol(kind: .des)
    /// usmAesCfb128Protocol (RFC 3826): AES-128 in CFB-128 mode.
    public static let aes128 = SNMPPrivProtocol(kind: .aes128)
    /// AES-192 in CFB-128 mode, key extended as in draft-blumenthal-aes-usm-04 (net-snmp `AES-192`).
    public static let aes192 = SNMPPrivProtocol(kind: .aes192)
    /// AES-256 in CFB-128 mode, key extended as in draft-blumenthal-aes-usm-04 (net-snmp `AES-256`).
    public static let aes256 = SNMPPrivProtocol(kind: .aes256)
    /// AES-192 in CFB-128 mode, key extended as Cisco does (Reeder; net-snmp `AES-192-C`).
    public static let aes192Cisco = SNMPPrivProtocol(kind: .aes192Reeder)
    /// AES-256 in CFB-128 mode, key extended as Cisco does (Reeder; net-snmp `AES-256-C`).
    public static let aes256Cisco = SNMPPrivProtocol(kind: .aes256Reeder)

    /// The names ``init(name:)`` accepts, for messages.
    public static let acceptedNames = "DES, AES (AES128, AES-128), AES-192, AES-256, AES-192-C, AES-256-C"

    /// Parses net-snmp / Grafolean names, case-insensitive, with or without `-` (or `_`):
    /// DES; AES-192, AES-256 (Blumenthal); AES-192-C, AES-256-C (Cisco/Reeder); and AES-128 for
    /// `AES`, `AES128`, `AES-128` and any other name that starts with `AES`, as the Python
    /// library behind Grafolean's reference bot does.
    public init?(name: String) {
        let compact = String(name.uppercased().filter { $0 != "-" && $0 != "_" && !$0.isWhitespace })
        switch compact {
        case "DES", "CBCDES", "DESCBC": self = .des
        case "AES192": self = .aes192
        case "AES256": self = .aes256
        case "AES192C", "AES192CISCO": self = .aes192Cisco
        case "AES256C", "AES256CISCO": self = .aes256Cisco
        case _ where compact.hasPrefix("AES"): self = .aes128
        default: return nil
        }
    }

    private init(kind: Kind) {
        self.kind = kind
    }

    /// The name as net-snmp spells it.
    public var description: String {
        switch kind {
        case .des: "DES"
        case .aes128: "AES"
        case .aes192: "AES-192"
        case .aes256: "AES-256"
        case .aes192Reeder: "AES-192-C"
        case .aes256Reeder: "AES-256-C"
        }
    }

    /// True for DES, which a user should replace when the device allows.
    public var isWeak: Bool { kind == .des }

    /// Bytes of localised key material the cipher uses (DES: 8 key bytes and the 8-byte pre-IV).
    var keyLength: Int {
        switch kind {
        case .des, .aes128: 16
        case .aes192, .aes192Reeder: 24
        case .aes256, .aes256Reeder: 32
        }
    }

    /// The privacy key: the localised key `localized`, extended if the hash is shorter than the
    /// cipher needs (net-snmp's netsnmp_extend_kul), then cut to ``keyLength``.
    ///
    /// - Blumenthal: Kul ‖ H(Kul) ‖ H(Kul ‖ H(Kul)) …, each hash over everything so far.
    /// - Reeder: Kul ‖ localize(passwordToKey(Kul)) …, the password being everything so far.
    func privacyKey(localized: [UInt8], authProtocol: SNMPAuthProtocol, engineID: [UInt8]) -> [UInt8] {
        var key = localized
        switch kind {
        case .des, .aes128:
            break
        case .aes192, .aes256:
            while key.count < keyLength {
                key += authProtocol.hash(key)
            }
        case .aes192Reeder, .aes256Reeder:
            while key.count < keyLength {
                key += authProtocol.localize(authProtocol.passwordToKey(key), engineID: engineID)
            }
        }
        return Array(key.prefix(keyLength))
    }

    /// msgPrivacyParameters for a request: for AES the 64-bit counter (RFC 3826 §3.1.2.1), for
    /// DES engineBoots ‖ the counter's low 32 bits (RFC 3414 §8.1.1.1).
    func salt(counter: UInt64, boots: Int32) -> [UInt8] {
        let value = kind == .des ? UInt64(UInt32(bitPattern: boots)) << 32 | (counter & 0xFFFF_FFFF) : counter
        return (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    /// RFC 3826 §3.1.2.1: IV = engineBoots ‖ engineTime ‖ 64-bit salt, all big-endian.
    private static func aesInitializationVector(boots: Int32, time: Int32, salt: [UInt8]) -> [UInt8] {
        var iv: [UInt8] = []
        iv.reserveCapacity(16)
        for value in [UInt32(bitPattern: boots), UInt32(bitPattern: time)] {
            iv.append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
        }
        iv.append(contentsOf: salt)
        return iv
    }

    /// RFC 3414 §8.1.1.1: DES key = first 8 key bytes, IV = pre-IV (next 8) XOR salt.
    private static func des(_ key: [UInt8], salt: [UInt8]) -> (cipher: DES, iv: [UInt8]) {
        let iv = zip(key[8..<16], salt).map { $0 ^ $1 }
        return (DES(key: key[0..<8]), iv)
    }

    private func checkKey(_ key: [UInt8]) throws(SNMPError) {
        guard key.count >= keyLength else {
            throw SNMPError(code: .decryptionError, message: "\(self) needs a \(keyLength)-byte key, got \(key.count) bytes")
        }
    }

    func encrypt(_ plaintext: [UInt8], key: [UInt8], boots: Int32, time: Int32, salt: [UInt8]) throws(SNMPError) -> [UInt8] {
        try checkKey(key)
        if kind == .des {
            let (cipher, iv) = Self.des(key, salt: salt)
            return cipher.encryptCBC(plaintext, iv: iv)
        }
        do {
            let iv = try AES._CFB.IV(ivBytes: Self.aesInitializationVector(boots: boots, time: time, salt: salt))
            return Array(try AES._CFB.encrypt(plaintext, using: SymmetricKey(data: key.prefix(keyLength)), iv: iv))
        } catch {
            throw SNMPError(code: .decryptionError, message: "\(self) encryption failed: \(error)")
        }
    }

    func decrypt(_ ciphertext: [UInt8], key: [UInt8], boots: Int32, time: Int32, salt: [UInt8]) throws(SNMPError) -> [UInt8] {
        try checkKey(key)
        guard salt.count == 8 else {
            throw .malformed("msgPrivacyParameters has \(salt.count) octets; \(self) needs an 8-octet salt")
        }
        if kind == .des {
            let (cipher, iv) = Self.des(key, salt: salt)
            guard let plaintext = cipher.decryptCBC(ciphertext, iv: iv) else {
                throw SNMPError(code: .decryptionError, message: "DES ciphertext of \(ciphertext.count) octets is not whole 8-octet blocks")
            }
            return plaintext
        }
        do {
            let iv = try AES._CFB.IV(ivBytes: Self.aesInitializationVector(boots: boots, time: time, salt: salt))
            return Array(try AES._CFB.decrypt(ciphertext, using: SymmetricKey(data: key.prefix(keyLength)), iv: iv))
        } catch {
            throw SNMPError(code: .decryptionError, message: "\(self) decryption failed: \(error)")
        }
    }
}
