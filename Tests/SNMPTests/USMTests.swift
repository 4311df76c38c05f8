import Testing

@testable import SNMP

@Suite("SNMPv3 USM: keys, HMAC, AES")
struct USMTests {
    private static func user(_ name: String, _ auth: SNMPAuthProtocol?, _ authPassword: String = "", _ priv: SNMPPrivProtocol? = nil, _ privPassword: String = "")
        -> SNMPv3User
    {
        SNMPv3User(
            userName: name,
            authentication: auth.map { .init(protocol: $0, password: authPassword) },
            privacy: priv.map { .init(protocol: $0, password: privPassword) }
        )
    }

    private static let keyStore = USMKeyStore()

    private static func decode(_ packet: [UInt8], as user: SNMPv3User) throws -> USMProcessor.Incoming {
        try USMProcessor.decodeIncoming(packet, user: user) { keyStore.keys(for: user, engineID: $0) }
    }

    // RFC 3414 A.3.1 and A.3.2: "maplesyrup", engine ID 00…02.
    @Test func passwordToKeyMatchesRFC3414Vectors() {
        let engineID = bytes("000000000000000000000002")
        let md5 = SNMPAuthProtocol.md5.passwordToKey(Array("maplesyrup".utf8))
        #expect(hexString(md5) == "9faf3283884e92834ebc9847d8edd963")
        #expect(hexString(SNMPAuthProtocol.md5.localize(md5, engineID: engineID)) == "526f5eed9fcce26f8964c2930787d82b")
        let sha = SNMPAuthProtocol.sha1.passwordToKey(Array("maplesyrup".utf8))
        #expect(hexString(sha) == "9fb5cc0381497b3793528939ff788d5d79145211")
        #expect(hexString(SNMPAuthProtocol.sha1.localize(sha, engineID: engineID)) == "6695febc9288e36282235fc7151f128497b38f3f")
    }

    @Test func keyStoreCachesPerPasswordAndEngine() {
        let store = USMKeyStore()
        let first = store.localizedKey(.sha256, password: "sha256password", engineID: [1, 2, 3])
        #expect(store.localizedKey(.sha256, password: "sha256password", engineID: [1, 2, 3]) == first)
        #expect(store.localizedKey(.sha256, password: "sha256password", engineID: [1, 2, 4]) != first)
        #expect(store.localizedKey(.sha256, password: "sha256passworD", engineID: [1, 2, 3]) != first)
        #expect(first.count == 32)
    }

    @Test func verifiesAndDecryptsNetSNMPPackets() throws {
        let cases: [([UInt8], SNMPv3User, Bool)] = [
            (NetSNMPFixtures.md5Response, Self.user("md5user", .md5, "md5password"), false),
            (NetSNMPFixtures.sha512Response, Self.user("sha512user", .sha512, "sha512password"), false),
            (NetSNMPFixtures.sha1AESResponse, Self.user("shaaes", .sha1, "shapassword", .aes128, "aespassword"), true),
            (NetSNMPFixtures.md5AESResponse, Self.user("md5aes", .md5, "md5password", .aes128, "aespassword"), true),
            (NetSNMPFixtures.sha256AESResponse, Self.user("sha256aes", .sha256, "sha256password", .aes128, "aespassword"), true),
        ]
        for (packet, user, encrypted) in cases {
            let incoming = try Self.decode(packet, as: user)
            #expect(incoming.authenticated)
            #expect(incoming.message.flags.contains(.privacy) == encrypted)
            #expect(incoming.scopedPDU.contextEngineID == NetSNMPFixtures.engineID)
            #expect(incoming.scopedPDU.pdu.type == .response)
            #expect(incoming.scopedPDU.pdu.varBinds == [VarBind(oid: "1.3.6.1.2.1.1.5.0", value: .octetString(Array("vm".utf8)))])
        }
    }

    /// Re-encrypting and re-signing net-snmp's own request with its salt, msgID and clock must
    /// reproduce it bit for bit: AES-CFB IV, key localisation and HMAC-SHA-256-192 all agree.
    @Test func reproducesNetSNMPAuthPrivRequestExactly() throws {
        let user = Self.user("sha256aes", .sha256, "sha256password", .aes128, "aespassword")
        let captured = try Self.decode(NetSNMPFixtures.sha256AESRequest, as: user)
        #expect(captured.scopedPDU.pdu.type == .get)
        #expect(captured.scopedPDU.pdu.varBinds.map(\.oid) == ["1.3.6.1.2.1.1.5.0"])
        let rebuilt = try USMProcessor.encodeRequest(
            captured.scopedPDU.pdu,
            messageID: captured.message.messageID,
            user: user,
            engine: .init(engineID: NetSNMPFixtures.engineID, boots: 1, time: 14),
            keys: Self.keyStore.keys(for: user, engineID: NetSNMPFixtures.engineID),
            salt: 0x25A0_3A1B_19A6_B7F4
        )
        #expect(hexString(rebuilt) == hexString(NetSNMPFixtures.sha256AESRequest))
    }

    @Test func reproducesNetSNMPAuthNoPrivRequestExactly() throws {
        let user = Self.user("md5user", .md5, "md5password")
        let captured = try Self.decode(NetSNMPFixtures.md5Request, as: user)
        let rebuilt = try USMProcessor.encodeRequest(
            captured.scopedPDU.pdu,
            messageID: captured.message.messageID,
            user: user,
            engine: .init(engineID: NetSNMPFixtures.engineID, boots: 1, time: 361),
            keys: Self.keyStore.keys(for: user, engineID: NetSNMPFixtures.engineID),
            salt: 0
        )
        #expect(hexString(rebuilt) == hexString(NetSNMPFixtures.md5Request))
    }

    @Test func wrongPasswordsAreReportedAsSuch() throws {
        let wrongAuth = Self.user("sha256aes", .sha256, "not-the-password", .aes128, "aespassword")
        let authError = try #require(throws: SNMPError.self) { try Self.decode(NetSNMPFixtures.sha256AESResponse, as: wrongAuth) }
        #expect(authError.code == .authenticationFailure)
        #expect(authError.message.contains("authentication password"))

        let wrongPriv = Self.user("sha256aes", .sha256, "sha256password", .aes128, "not-the-password")
        let privError = try #require(throws: SNMPError.self) { try Self.decode(NetSNMPFixtures.sha256AESResponse, as: wrongPriv) }
        #expect(privError.code == .decryptionError)
        #expect(privError.message.contains("privacy password"))
    }

    @Test func tamperedMessagesFailAuthentication() throws {
        let user = Self.user("md5user", .md5, "md5password")
        var tampered = NetSNMPFixtures.md5Response
        tampered[tampered.count - 1] ^= 0x01  // "vm" → "vl"
        let error = try #require(throws: SNMPError.self) { try Self.decode(tampered, as: user) }
        #expect(error.code == .authenticationFailure)
    }

    @Test(arguments: [SNMPAuthProtocol.md5, .sha1, .sha224, .sha256, .sha384, .sha512])
    func encodesAndDecodesEveryAuthProtocol(auth: SNMPAuthProtocol) throws {
        for privacy in [nil, SNMPPrivProtocol.des, .aes128, .aes192, .aes256, .aes192Cisco, .aes256Cisco] {
            let user = Self.user("tester", auth, "authpassword", privacy, "privpassword")
            let engine = USMProcessor.Engine(engineID: [0x80, 0, 0, 1, 2], boots: 3, time: 12345)
            let pdu = PDU.request(.get, requestID: 99, oids: ["1.3.6.1.2.1.1.1.0"])
            let packet = try USMProcessor.encodeRequest(
                pdu,
                messageID: 42,
                user: user,
                engine: engine,
                keys: Self.keyStore.keys(for: user, engineID: engine.engineID),
                salt: 7
            )
            let incoming = try Self.decode(packet, as: user)
            #expect(incoming.authenticated)
            #expect(incoming.message.security.authenticationParameters.count == auth.macLength)
            #expect(incoming.message.flags.contains(.privacy) == (privacy != nil))
            #expect(incoming.scopedPDU.pdu == pdu)
        }
    }

    @Test func rejectsBadPasswordsAndParsesProtocolNames() {
        #expect(throws: Never.self) { try Self.user("u", .sha1, "authpassword", .des, "privpassword").validate() }
        #expect(throws: SNMPError.self) { try Self.user("u", .md5, "short").validate() }
        #expect(throws: SNMPError.self) { try SNMPv3User(userName: "u", privacy: .init(protocol: .aes128, password: "privpassword")).validate() }
        #expect(throws: Never.self) { try Self.user("u", .md5, "longenough").validate() }
        #expect(SNMPAuthProtocol(name: "SHA") == .sha1)
        #expect(SNMPAuthProtocol(name: "sha-1") == .sha1)
        #expect(SNMPAuthProtocol(name: "SHA1") == .sha1)
        #expect(SNMPAuthProtocol(name: "sha-256") == .sha256)
        #expect(SNMPAuthProtocol(name: "SHA-224") == .sha224)
        #expect(SNMPAuthProtocol(name: "sha224") == .sha224)
        #expect(SNMPAuthProtocol(name: "SHA384") == .sha384)
        #expect(SNMPAuthProtocol(name: "SHA_512") == .sha512)
        #expect(SNMPAuthProtocol(name: "SHA-3") == nil)
        #expect(SNMPAuthProtocol(name: "MD4") == nil)

        #expect(SNMPPrivProtocol(name: "des") == .des)
        let aes: [(String, SNMPPrivProtocol)] = [
            ("AES", .aes128), ("aes128", .aes128), ("AES-128", .aes128), ("AES-CFB", .aes128), ("aesfoo", .aes128),
            ("AES192", .aes192), ("aes-192", .aes192), ("AES256", .aes256), ("AES-256", .aes256),
            ("AES192C", .aes192Cisco), ("AES-192-C", .aes192Cisco), ("aes256c", .aes256Cisco), ("AES-256-C", .aes256Cisco),
        ]
        for (name, expected) in aes {
            #expect(SNMPPrivProtocol(name: name) == expected, "\(name)")
        }
        #expect(SNMPPrivProtocol(name: "3DES") == nil)
        #expect(SNMPPrivProtocol(name: "") == nil)
        #expect(SNMPPrivProtocol.des.isWeak && !SNMPPrivProtocol.aes128.isWeak)
    }
}
