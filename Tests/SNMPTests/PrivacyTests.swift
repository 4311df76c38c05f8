import Foundation
import SNMPTestSupport
import Testing

@testable import SNMP

/// DES, SHA-224 and the AES-192/256 key extensions against published vectors and net-snmp.
@Suite("SNMPv3 privacy: DES, SHA-224, key extension")
struct PrivacyTests {
    // FIPS 46-3 / NBS known answers.
    @Test(arguments: [
        ("133457799BBCDFF1", "0123456789ABCDEF", "85E813540F0AB405"),
        ("0101010101010101", "8000000000000000", "95F8A5E5DD31D900"),
        ("0101010101010101", "0000000000000001", "166B40B44ABA4BD6"),
        ("8001010101010101", "0000000000000000", "95A8D72813DAA94D"),
        ("0E329232EA6D0D73", "8787878787878787", "0000000000000000"),
        ("7CA110454A1A6E57", "01A1D6D039776742", "690F5B0D9A26939B"),
    ])
    func desKnownAnswers(key: String, plaintext: String, ciphertext: String) {
        let des = DES(key: bytes(key))
        let block = UInt64(plaintext, radix: 16)!
        let expected = UInt64(ciphertext, radix: 16)!
        #expect(des.encrypt(block: block) == expected)
        #expect(des.decrypt(block: expected) == block)
    }

    // FIPS 81 appendix C: CBC of "Now is the time for all " under 0123456789ABCDEF, IV 1234567890ABCDEF.
    @Test func desCBCKnownAnswer() throws {
        let des = DES(key: bytes("0123456789ABCDEF"))
        let iv = bytes("1234567890ABCDEF")
        let ciphertext = des.encryptCBC(Array("Now is the time for all ".utf8), iv: iv)
        #expect(hexString(ciphertext) == "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6")
        #expect(try #require(des.decryptCBC(ciphertext, iv: iv)) == Array("Now is the time for all ".utf8))
        #expect(des.encryptCBC([1, 2, 3], iv: iv).count == 8)
        #expect(des.decryptCBC([1, 2, 3], iv: iv) == nil)
    }

    // FIPS 180-4 examples and RFC 4231 test case 1.
    @Test func sha224KnownAnswers() {
        #expect(hexString(Array(SHA224.hash(data: Array("abc".utf8)))) == "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")
        #expect(hexString(Array(SHA224.hash(data: [UInt8]()))) == "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(hexString(Array(SHA224.hash(data: long))) == "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525")
        // Fed in odd pieces: the same digest.
        var hasher = SHA224()
        for piece in stride(from: 0, to: long.count, by: 7) { hasher.update(data: long[piece..<min(piece + 7, long.count)]) }
        #expect(hexString(Array(hasher.finalize())) == "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525")
        let mac = SNMPAuthProtocol.sha224.authenticate(Array("Hi There".utf8), key: [UInt8](repeating: 0x0b, count: 20))
        #expect(hexString(mac) == "896fb1128abbdf196832107cd49df33f")  // RFC 4231's MAC, truncated to 16 octets (RFC 7860)
    }

    /// Keys net-snmp 5.9.3's snmpd saved for users created with `createUser NAME AUTH "authpassword1" PRIV "privpassword1"`
    /// under engine ID 80001f88806f45032234580f6b00000000 (from its persistent snmpd.conf).
    static let engineID = bytes("80001f88806f45032234580f6b00000000")
    static let netSNMPKeys: [(SNMPAuthProtocol, SNMPPrivProtocol, String)] = [
        (.md5, .des, "df1ba5aa4cea51868e9d73f38e66ce3a"),
        (.sha1, .des, "d697221053dc53236e3aae06d7ec61a3"),
        (.sha224, .aes128, "9e709e853d09e8dbaaad43e14bee5bc9"),
        (.sha1, .aes192, "d697221053dc53236e3aae06d7ec61a3797f3c2fb73e4fec"),
        (.sha256, .aes256, "6b19161c590b6dc2f1d19cf7e8597459bcd09cdb830f0c6e2f4fc90248becb99"),
        (.md5, .aes192Cisco, "df1ba5aa4cea51868e9d73f38e66ce3a436eaf834d895937"),
        (.sha1, .aes256Cisco, "d697221053dc53236e3aae06d7ec61a3797f3c2f9506d626b12386a5ac8d07bc"),
        (.sha512, .aes256Cisco, "e1cdbbaa4b4fc02b2fe1e3753cf5a28b84c781b4a79ebee285d84c1e3aea81eb"),
    ]

    @Test func keyExtensionMatchesNetSNMP() {
        let store = USMKeyStore()
        for (auth, priv, expected) in Self.netSNMPKeys {
            let key = store.privacyKey(.init(protocol: priv, password: "privpassword1"), authProtocol: auth, engineID: Self.engineID)
            #expect(hexString(key) == expected, "\(auth) \(priv)")
        }
        #expect(hexString(store.localizedKey(.sha224, password: "authpassword1", engineID: Self.engineID)) == "2903f67ed710bf024bcb118df34b5cd6b4c5e40c0270368530a09a6b")
    }

    /// Every user of the test agent: the keys snmpd derived and saved equal ours.
    @Test(.enabled(if: SNMPDaemon.isInstalled, "snmpd not installed: apt-get install snmpd snmp"))
    func keysMatchWhatSnmpdSaves() async throws {
        let daemon = try await SNMPDaemon.start()
        let saved = try daemon.stopReturningPersistentState()
        let store = USMKeyStore()
        var checked = 0
        for line in saved.split(separator: "\n") where line.hasPrefix("usmUser ") {
            // usmUser 1 3 ENGINEID "name" "name" NULL AUTHOID 0xAUTHKEY PRIVOID 0xPRIVKEY ""
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 12, let user = SNMPDaemon.usersInConfig.first(where: { "\"\($0.name)\"" == fields[4] }),
                let auth = SNMPAuthProtocol(name: user.auth)
            else { continue }
            let engineID = bytes(String(fields[3].dropFirst(2)))
            #expect("0x" + hexString(store.localizedKey(auth, password: SNMPDaemon.authPassword, engineID: engineID)) == fields[8], "\(user.name)")
            if let priv = SNMPPrivProtocol(name: user.priv) {
                let key = store.privacyKey(.init(protocol: priv, password: SNMPDaemon.privPassword), authProtocol: auth, engineID: engineID)
                #expect("0x" + hexString(key) == fields[10], "\(user.name)")
            }
            checked += 1
        }
        #expect(checked == SNMPDaemon.usersInConfig.count(where: { !$0.auth.isEmpty }))
    }
}
