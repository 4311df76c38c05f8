import Crypto
import CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An SNMPv3 privacy (encryption) protocol.
public struct SNMPPrivProtocol: Hashable, Sendable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        case aes128, des
    }

    let kind: Kind

    /// usmAesCfb128Protocol (RFC 3826): AES-128 in CFB-128 mode.
    public static let aes128 = SNMPPrivProtocol(kind: .aes128)
    /// usmDESPrivProtocol. Recognised only to reject it clearly: DES is deprecated and not
    /// available in swift-crypto.
    public static let des = SNMPPrivProtocol(kind: .des)

    /// Parses net-snmp / Grafolean names: AES (AES128, AES-128), DES.
    public init?(name: String) {
        switch String(name.uppercased().map { $0 == "_" ? "-" : $0 }) {
        case "AES", "AES128", "AES-128": self = .aes128
        case "DES": self = .des
        default: return nil
        }
    }

    private init(kind: Kind) {
        self.kind = kind
    }

    /// The name as net-snmp spells it.
    public var description: String {
        switch kind {
        case .aes128: "AES"
        case .des: "DES"
        }
    }

    /// Throws for protocols this library refuses to implement.
    func checkSupported() throws(SNMPError) {
        if kind == .des {
            throw SNMPError(
                code: .unsupportedProtocol,
                message:
                    "DES privacy (CBC-DES, RFC 3414) is deprecated, insecure and not implemented by this client (swift-crypto has no DES); configure the device and the credentials for AES (AES-128, RFC 3826)"
            )
        }
    }

    /// RFC 3826 §3.1.2.1: IV = engineBoots ‖ engineTime ‖ 64-bit salt, all big-endian.
    private static func initializationVector(boots: Int32, time: Int32, salt: [UInt8]) -> [UInt8] {
        var iv: [UInt8] = []
        iv.reserveCapacity(16)
        for value in [UInt32(bitPattern: boots), UInt32(bitPattern: time)] {
            iv.append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
        }
        iv.append(contentsOf: salt)
        return iv
    }

    func encrypt(_ plaintext: [UInt8], key: [UInt8], boots: Int32, time: Int32, salt: [UInt8]) throws(SNMPError) -> [UInt8] {
        try checkSupported()
        do {
            let iv = try AES._CFB.IV(ivBytes: Self.initializationVector(boots: boots, time: time, salt: salt))
            return Array(try AES._CFB.encrypt(plaintext, using: SymmetricKey(data: key.prefix(16)), iv: iv))
        } catch {
            throw SNMPError(code: .decryptionError, message: "AES encryption failed: \(error)")
        }
    }

    func decrypt(_ ciphertext: [UInt8], key: [UInt8], boots: Int32, time: Int32, salt: [UInt8]) throws(SNMPError) -> [UInt8] {
        try checkSupported()
        guard salt.count == 8 else {
            throw .malformed("msgPrivacyParameters has \(salt.count) octets; AES needs an 8-octet salt")
        }
        do {
            let iv = try AES._CFB.IV(ivBytes: Self.initializationVector(boots: boots, time: time, salt: salt))
            return Array(try AES._CFB.decrypt(ciphertext, using: SymmetricKey(data: key.prefix(16)), iv: iv))
        } catch {
            throw SNMPError(code: .decryptionError, message: "AES decryption failed: \(error)")
        }
    }
}
