import GrafoleanCollector
import SNMP
import Testing

@testable import SNMPBot

@Suite("SNMP credentials as the web UI stores them")
struct CredentialTests {
    func error(_ details: JSONValue) -> SNMPBotError? {
        do {
            _ = try SNMPCredentials(grafoleanDetails: details)
            return nil
        } catch {
            return error
        }
    }

    @Test func v1AndV2cIgnoreStaleV3Keys() throws {
        #expect(try SNMPCredentials(grafoleanDetails: ["version": "snmpv2c", "snmpv12_community": "public"]) == .v2c(community: "public"))
        #expect(try SNMPCredentials(grafoleanDetails: ["version": "snmpv1", "snmpv12_community": "s3cret "]) == .v1(community: "s3cret "))
        let stale: JSONValue = [
            "version": "snmpv2c", "snmpv12_community": "public", "snmpv3_securityName": "old", "snmpv3_securityLevel": "authPriv",
            "snmpv3_authProtocol": "SHA", "snmpv3_authKey": "x", "snmpv3_privProtocol": "DES", "snmpv3_privKey": "",
        ]
        #expect(try SNMPCredentials(grafoleanDetails: stale) == .v2c(community: "public"))
    }

    @Test func v3AtEachSecurityLevel() throws {
        let none = try SNMPCredentials(grafoleanDetails: [
            "version": "snmpv3", "snmpv3_securityName": "monitor", "snmpv3_securityLevel": "noAuthNoPriv",
            "snmpv3_authProtocol": "MD5", "snmpv3_authKey": "short", "snmpv12_community": "stale",
        ])
        #expect(none == .v3(SNMPv3User(userName: "monitor")))

        let auth = try SNMPCredentials(grafoleanDetails: [
            "version": "snmpv3", "snmpv3_securityName": "monitor", "snmpv3_securityLevel": "authNoPriv",
            "snmpv3_authProtocol": "SHA", "snmpv3_authKey": "authpassword1", "snmpv3_privProtocol": "DES",
        ])
        #expect(auth == .v3(SNMPv3User(userName: "monitor", authentication: .init(protocol: .sha1, password: "authpassword1"))))

        let priv = try SNMPCredentials(grafoleanDetails: [
            "version": "snmpv3", "snmpv3_securityName": "monitor", "snmpv3_securityLevel": "authPriv",
            "snmpv3_authProtocol": "MD5", "snmpv3_authKey": "authpassword1", "snmpv3_privProtocol": "AES", "snmpv3_privKey": "privpassword1",
        ])
        #expect(
            priv
                == .v3(
                    SNMPv3User(
                        userName: "monitor", authentication: .init(protocol: .md5, password: "authpassword1"),
                        privacy: .init(protocol: .aes128, password: "privpassword1"))))
    }

    @Test func problemsNameTheField() throws {
        let cases: [(JSONValue, String)] = [
            ([:], "version"),
            (["version": "snmpv4"], "version"),
            (["version": "snmpv2c"], "snmpv12_community"),
            (["version": "snmpv2c", "snmpv12_community": ""], "snmpv12_community"),
            (["version": "snmpv3", "snmpv3_securityLevel": "noAuthNoPriv"], "snmpv3_securityName"),
            (["version": "snmpv3", "snmpv3_securityName": "u"], "snmpv3_securityLevel"),
            (["version": "snmpv3", "snmpv3_securityName": "u", "snmpv3_securityLevel": "authSomething"], "snmpv3_securityLevel"),
            (["version": "snmpv3", "snmpv3_securityName": "u", "snmpv3_securityLevel": "authNoPriv", "snmpv3_authKey": "authpassword1"], "snmpv3_authProtocol"),
            (["version": "snmpv3", "snmpv3_securityName": "u", "snmpv3_securityLevel": "authNoPriv", "snmpv3_authProtocol": "SHA", "snmpv3_authKey": "short"], "snmpv3_authKey"),
            (
                [
                    "version": "snmpv3", "snmpv3_securityName": "u", "snmpv3_securityLevel": "authPriv", "snmpv3_authProtocol": "SHA",
                    "snmpv3_authKey": "authpassword1", "snmpv3_privProtocol": "AES",
                ], "snmpv3_privKey"
            ),
        ]
        for (details, field) in cases {
            let problem = try #require(error(details), "\(details) must be refused")
            #expect(problem.code == .invalidCredential)
            #expect(problem.field == field, "\(details): \(problem)")
            #expect(problem.description.contains("'\(field)'"))
        }
    }

    @Test func desIsRefusedClearly() throws {
        let problem = try #require(
            error([
                "version": "snmpv3", "snmpv3_securityName": "u", "snmpv3_securityLevel": "authPriv", "snmpv3_authProtocol": "MD5",
                "snmpv3_authKey": "authpassword1", "snmpv3_privProtocol": "DES", "snmpv3_privKey": "privpassword1",
            ]))
        #expect(problem.code == .unsupportedPrivacy)
        #expect(problem.field == "snmpv3_privProtocol")
        #expect(problem.message.contains("DES"))
        #expect(problem.message.contains("AES"))
    }

    func describe(_ address: (host: String, port: Int)) -> String { "\(address.host):\(address.port)" }

    @Test func entityAddressAndPort() throws {
        #expect(try describe(SNMPDevice.address(["ipv4": "192.0.2.1"], defaultPort: 161)) == "192.0.2.1:161")
        #expect(try describe(SNMPDevice.address(["ipv4": " 192.0.2.1 ", "snmp_port": "1161"], defaultPort: 161)) == "192.0.2.1:1161")
        #expect(try describe(SNMPDevice.address(["ipv4": "192.0.2.1", "snmp_port": 10161], defaultPort: 161)) == "192.0.2.1:10161")
        #expect(try describe(SNMPDevice.address(["ipv4": "192.0.2.1", "snmp_port": ""], defaultPort: 1161)) == "192.0.2.1:1161")
        #expect(throws: SNMPBotError.self) { try SNMPDevice.address([:], defaultPort: 161) }
        #expect(throws: SNMPBotError.self) { try SNMPDevice.address(["ipv4": "192.0.2.1", "snmp_port": "70000"], defaultPort: 161) }
        #expect(throws: SNMPBotError.self) { try SNMPDevice.address(["ipv4": "192.0.2.1", "snmp_port": "x"], defaultPort: 161) }
    }
}
