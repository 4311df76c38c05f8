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

    /// A v3 credential as the web UI stores it: every value a string, stale v1/v2c keys present.
    static func ui(auth: String, priv: String, level: String = "authPriv", extra: [String: JSONValue] = [:]) -> JSONValue {
        var object: [String: JSONValue] = [
            "version": "snmpv3", "snmpv12_community": "stale-community", "snmpv3_securityName": "monitor", "snmpv3_securityLevel": .string(level),
            "snmpv3_authProtocol": .string(auth), "snmpv3_authKey": "authpassword1", "snmpv3_privProtocol": .string(priv),
            "snmpv3_privKey": "privpassword1",
        ]
        object.merge(extra) { _, new in new }
        return .object(object)
    }

    @Test func everyProtocolNameTheUIOrTheAPIMayStore() throws {
        let auth: [(String, SNMPAuthProtocol)] = [
            ("MD5", .md5), ("md5", .md5), ("SHA", .sha1), ("SHA1", .sha1), ("SHA-1", .sha1), ("sha", .sha1),
            ("SHA224", .sha224), ("SHA-224", .sha224), ("SHA256", .sha256), ("sha-256", .sha256),
            ("SHA384", .sha384), ("SHA-384", .sha384), ("SHA512", .sha512), ("SHA-512", .sha512),
        ]
        for (name, expected) in auth {
            guard case .v3(let user) = try SNMPCredentials(grafoleanDetails: Self.ui(auth: name, priv: "AES")) else {
                Issue.record("\(name): not v3")
                continue
            }
            #expect(user.authentication?.protocol == expected, "\(name)")
        }
        let priv: [(String, SNMPPrivProtocol)] = [
            ("DES", .des), ("des", .des), ("AES", .aes128), ("AES128", .aes128), ("AES-128", .aes128), ("aes", .aes128),
            ("AES-CFB-128", .aes128), ("AES192", .aes192), ("AES-192", .aes192), ("AES256", .aes256), ("aes-256", .aes256),
            ("AES192C", .aes192Cisco), ("AES-192-C", .aes192Cisco), ("AES256C", .aes256Cisco), ("AES-256-C", .aes256Cisco),
        ]
        for (name, expected) in priv {
            guard case .v3(let user) = try SNMPCredentials(grafoleanDetails: Self.ui(auth: "SHA-256", priv: name)) else {
                Issue.record("\(name): not v3")
                continue
            }
            #expect(user.privacy?.protocol == expected, "\(name)")
            #expect(user.privacy?.password == "privpassword1")
        }
        // A level without privacy ignores a stale, unknown privacy protocol.
        #expect(throws: Never.self) { try SNMPCredentials(grafoleanDetails: Self.ui(auth: "SHA", priv: "3DES", level: "authNoPriv")) }
    }

    @Test func unknownProtocolsNameFieldValueAndAcceptedNamesButNoSecret() throws {
        for (details, field, value, accepted) in [
            (Self.ui(auth: "SHA-3", priv: "AES"), "snmpv3_authProtocol", "SHA-3", "SHA-224"),
            (Self.ui(auth: "SHA", priv: "3DES"), "snmpv3_privProtocol", "3DES", "AES-192-C"),
            (Self.ui(auth: "SHA", priv: "Blowfish"), "snmpv3_privProtocol", "Blowfish", "DES"),
        ] {
            let problem = try #require(error(details))
            #expect(problem.code == .invalidCredential)
            #expect(problem.field == field)
            #expect(problem.description.contains("'\(value)'"))
            #expect(problem.description.contains(accepted))
            for secret in ["authpassword1", "privpassword1", "stale-community"] {
                #expect(!problem.description.contains(secret))
            }
        }
    }

    @Test func contextName() throws {
        guard case .v3(let user) = try SNMPCredentials(grafoleanDetails: Self.ui(auth: "SHA", priv: "AES", extra: ["snmpv3_contextName": "vlan-20"])) else {
            Issue.record("not v3")
            return
        }
        #expect(user.contextName == "vlan-20")
        guard case .v3(let none) = try SNMPCredentials(grafoleanDetails: Self.ui(auth: "SHA", priv: "AES", level: "noAuthNoPriv", extra: ["snmpv3_contextName": "c1"]))
        else { return }
        #expect(none == SNMPv3User(userName: "monitor", contextName: "c1"))
        guard case .v3(let empty) = try SNMPCredentials(grafoleanDetails: Self.ui(auth: "SHA", priv: "AES", extra: ["snmpv3_contextName": ""])) else { return }
        #expect(empty.contextName == "")
        let long = try #require(error(Self.ui(auth: "SHA", priv: "AES", extra: ["snmpv3_contextName": .string(String(repeating: "c", count: 33))])))
        #expect(long.field == "snmpv3_contextName")
    }

    @Test func requestSettingsAsStringsOrNumbers() throws {
        let defaults = SNMPCollector.Options()
        let none = try SNMPRequestSettings(grafoleanDetails: Self.ui(auth: "SHA", priv: "AES"), defaults: defaults)
        #expect(none == SNMPRequestSettings(timeout: defaults.timeout, retries: defaults.retries, maxRepetitions: defaults.maxRepetitions, walkMethod: .getBulk))

        let strings = try SNMPRequestSettings(
            grafoleanDetails: Self.ui(
                auth: "SHA", priv: "AES",
                extra: ["snmp_timeout": "1.5", "snmp_retries": "3", "snmp_max_repetitions": "40", "snmp_walk_method": "GetNext"]),
            defaults: defaults)
        #expect(strings == SNMPRequestSettings(timeout: .milliseconds(1500), retries: 3, maxRepetitions: 40, walkMethod: .getNext))

        let numbers = try SNMPRequestSettings(
            grafoleanDetails: ["version": "snmpv2c", "snmpv12_community": "public", "snmp_timeout": 2, "snmp_retries": 0, "snmp_max_repetitions": 10, "snmp_walk_method": "getbulk"],
            defaults: defaults)
        #expect(numbers == SNMPRequestSettings(timeout: .seconds(2), retries: 0, maxRepetitions: 10, walkMethod: .getBulk))

        // Empty values (the UI's blank fields) and null mean the defaults.
        let blank = try SNMPRequestSettings(
            grafoleanDetails: ["version": "snmpv2c", "snmp_timeout": "", "snmp_retries": .null, "snmp_max_repetitions": " ", "snmp_walk_method": ""],
            defaults: defaults)
        #expect(blank == none)

        for (field, value, fragment) in [
            ("snmp_timeout", "fast", "seconds"), ("snmp_timeout", "0", "0.01 to 60"), ("snmp_timeout", "120", "0.01 to 60"),
            ("snmp_retries", "1.5", "0 to 10"), ("snmp_retries", "-1", "0 to 10"), ("snmp_max_repetitions", "0", "1 to 1000"),
            ("snmp_walk_method", "walk", "getbulk (default), getnext"),
        ] {
            do {
                _ = try SNMPRequestSettings(grafoleanDetails: .object(["version": "snmpv2c", field: .string(value)]), defaults: defaults)
                Issue.record("\(field) = \(value) must be refused")
            } catch {
                #expect(error.code == .invalidCredential)
                #expect(error.field == field)
                #expect(error.description.contains("'\(value)'"), "\(error)")
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
    }

    @Test func requestSettingsReachTheTarget() throws {
        let configuration = JobConfiguration(
            accountID: 1, entityID: 9, name: "router", details: ["ipv4": "192.0.2.1:1161"], credentialID: 5,
            credentialDetails: Self.ui(auth: "SHA", priv: "AES", extra: ["snmp_timeout": "0.5", "snmp_retries": "2", "snmp_walk_method": "getnext"]),
            sensors: [SensorConfiguration(sensorID: 1, name: "s", interval: 60, details: ["oids": [["oid": "1.3.6.1.2.1.1.5.0", "fetch_method": "get"]], "expression": "$1", "output_path": "x"])])
        let (device, problems) = SNMPDevice.make(from: configuration, options: .init())
        #expect(problems.isEmpty)
        let target = try #require(device?.target)
        #expect(target.timeout == .milliseconds(500))
        #expect(target.retries == 2)
        #expect(target.walkMethod == .getNext)
        #expect(!target.walksWithGetBulk)
        #expect(target.port == 1161)
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

    @Test func entityAddressForms() throws {
        let accepted: [(String, String)] = [
            ("10.0.0.1:1161", "10.0.0.1:1161"),
            ("[::1]:1161", "::1:1161"),
            ("[2001:db8::1]", "2001:db8::1:161"),
            ("::1", "::1:161"),
            ("2001:db8::17", "2001:db8::17:161"),
            ("localhost", "localhost:161"),
            ("localhost:1161", "localhost:1161"),
            ("router-1.example.com", "router-1.example.com:161"),
            ("core_sw.lan.:10161", "core_sw.lan.:10161"),
        ]
        for (text, expected) in accepted {
            #expect(try describe(SNMPDevice.address(["ipv4": .string(text)], defaultPort: 161)) == expected, "\(text)")
        }
        // A port in the address wins over snmp_port.
        #expect(try describe(SNMPDevice.address(["ipv4": "10.0.0.1:1161", "snmp_port": "2161"], defaultPort: 161)) == "10.0.0.1:1161")

        for text in ["10.0.0.1:0", "10.0.0.1:70000", "10.0.0.1:", "[::1]:x", "[::1", "[10.0.0.1]:161", "2001:db8::zz", "10.0.0.300", "bad host", "-router", "router/24", "a..b"] {
            do {
                _ = try SNMPDevice.address(["ipv4": .string(text)], defaultPort: 161)
                Issue.record("'\(text)' must be refused")
            } catch {
                #expect(error.code == .invalidEntity)
                #expect(error.field == "ipv4")
                #expect(error.description.contains("'\(text)'"), "\(error)")
                #expect(error.description.contains("[2001:db8::1]:1161"), "\(error)")
            }
        }
    }
}
