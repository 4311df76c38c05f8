import Foundation
import SNMPTestSupport
import NIOCore
import NIOPosix
import ProcessSupport
import Testing

@testable import SNMP

/// Against a real net-snmp `snmpd` that each test starts on a free loopback port.
@Suite(
    "Interoperability with net-snmp snmpd",
    .enabled(if: SNMPDaemon.isInstalled, "snmpd not installed: apt-get install snmpd snmp")
)
struct InteropTests {
    static let sysDescr: OID = "1.3.6.1.2.1.1.1.0"
    static let sysObjectID: OID = "1.3.6.1.2.1.1.2.0"
    static let sysUpTime: OID = "1.3.6.1.2.1.1.3.0"
    static let sysName: OID = "1.3.6.1.2.1.1.5.0"
    static let ifTable: OID = "1.3.6.1.2.1.2.2.1"
    static let ifDescr: OID = "1.3.6.1.2.1.2.2.1.2"
    static let ifInOctets: OID = "1.3.6.1.2.1.2.2.1.10"
    static let ifHCInOctets: OID = "1.3.6.1.2.1.31.1.1.1.6"

    @Test func v2cGetReturnsWhatTheAgentServes() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                let values = try await client.get([Self.sysDescr, Self.sysObjectID, Self.sysUpTime, "1.3.6.1.2.1.1.9.9"], from: daemon.v2c)
                let expectedDescr = try await daemon.runTool("snmpget", ["-v2c", "-c", "public", "-Oqv", "127.0.0.1:\(daemon.port)", "\(Self.sysDescr)"])
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                #expect(values[0].value.stringValue == expectedDescr)
                #expect(values[0].value.stringValue?.isEmpty == false)
                #expect(values[1].value == .objectIdentifier("1.3.6.1.4.1.8072.3.2.10"))
                guard case .timeTicks = values[2].value else {
                    Issue.record("sysUpTime should be TimeTicks, got \(values[2].value)")
                    return
                }
                #expect(values[3].value == .noSuchObject)

                // SNMPv1 reports the missing OID with noSuchName; the others still come back.
                let v1 = try await client.get([Self.sysDescr, "1.3.6.1.2.1.1.9.9", Self.sysObjectID], from: daemon.v1)
                #expect(v1.map(\.value) == [values[0].value, .noSuchObject, values[1].value])
            }
        }
    }

    @Test func bulkWalkOfIfTableMatchesGetNextWalkAndSnmpwalk() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                // Other tests add and remove network interfaces (namespaces, veth pairs) meanwhile:
                // the three walks are compared when the table held still between them.
                var bulk: [VarBind] = []
                var getNext: [VarBind] = []
                var toolOIDs: [OID] = []
                for _ in 0..<10 {
                    bulk = try await client.walk(Self.ifTable, on: daemon.v2c)
                    getNext = try await client.walk(Self.ifTable, on: daemon.v1)
                    let toolOutput = try await daemon.runTool("snmpwalk", ["-v2c", "-c", "public", "-On", "-Oq", "127.0.0.1:\(daemon.port)", "\(Self.ifTable)"])
                    toolOIDs = toolOutput.split(separator: "\n").compactMap { line in
                        line.split(separator: " ").first.flatMap { OID(parsing: $0) }
                    }
                    if bulk.map(\.oid) == getNext.map(\.oid) && bulk.map(\.oid) == toolOIDs { break }
                    try await Task.sleep(for: .milliseconds(500))
                }
                #expect(bulk.count > 20)
                #expect(bulk.map(\.oid) == getNext.map(\.oid))
                let descriptions = bulk.filter { $0.oid.isDescendant(of: Self.ifDescr) }.compactMap(\.value.stringValue)
                #expect(descriptions.contains("lo"))
                #expect(bulk.map(\.oid) == toolOIDs)

                // A scalar root walks to itself, like snmpwalk.
                let scalar = try await client.walk(Self.sysName, on: daemon.v2c)
                #expect(scalar.map(\.oid) == [Self.sysName])
            }
        }
    }

    @Test func loopbackCountersMoveBetweenSamples() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                let names = try await client.walk(Self.ifDescr, on: daemon.v2c)
                let lo = try #require(names.first { $0.value.stringValue == "lo" }?.oid.index(after: Self.ifDescr))
                let oids = [OID(arcs: Self.ifInOctets.arcs + lo), OID(arcs: Self.ifHCInOctets.arcs + lo)]
                let first = try await client.get(oids, from: daemon.v2c)
                guard case .counter32(let in32) = first[0].value, case .counter64(let in64) = first[1].value else {
                    Issue.record("expected Counter32 and Counter64, got \(first)")
                    return
                }
                try await Self.sendLoopbackTraffic(bytes: 400_000)
                // snmpd caches interface statistics for a few seconds, and may refresh them while the
                // traffic is still being sent (slow under load): poll until all of it shows.
                var second = first
                func movedEnough() -> Bool {
                    guard case .counter64(let now64) = second[1].value else { return true }
                    return now64 - in64 >= 400_000
                }
                for _ in 0..<40 where !movedEnough() {
                    try await Task.sleep(for: .milliseconds(250))
                    second = try await client.get(oids, from: daemon.v2c)
                }
                guard case .counter32(let out32) = second[0].value, case .counter64(let out64) = second[1].value else {
                    Issue.record("expected Counter32 and Counter64, got \(second)")
                    return
                }
                #expect(out32 &- in32 >= 400_000)
                #expect(out64 - in64 >= 400_000)
            }
        }
    }

    /// Every authentication × privacy variant net-snmp 5.9.3 offers (``SNMPDaemon/usersInConfig``),
    /// and a user whose access is in a context of its own.
    @Test(arguments: ["noauthuser", SNMPDaemon.contextUser] + SNMPDaemon.usersInConfig.map(\.name))
    func v3WorksAtEverySecurityLevel(user: String) async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                let expected = try await client.get(Self.sysName, from: daemon.v2c)
                let target = daemon.target(SNMPDaemon.v3(user))
                #expect(try await client.get(Self.sysName, from: target) == expected)
                let v3Walk = try await client.walk("1.3.6.1.2.1.1", on: target)
                let v2Walk = try await client.walk("1.3.6.1.2.1.1", on: daemon.v2c)
                #expect(v3Walk.map(\.oid) == v2Walk.map(\.oid))
            }
        }
    }

    @Test func contextNameIsSentInTheScopedPDU() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                let expected = try await client.get(Self.sysName, from: daemon.v2c)
                guard case .v3(var user) = SNMPDaemon.v3(SNMPDaemon.contextUser) else { return }
                #expect(try await client.get(Self.sysName, from: daemon.target(.v3(user))) == expected)
                // The same user without the context may read nothing: snmpd answers authorizationError.
                user.contextName = ""
                let error = await #expect(throws: SNMPError.self) {
                    try await client.get(Self.sysName, from: daemon.target(.v3(user), timeout: .milliseconds(500), retries: 0))
                }
                #expect(error?.code == .errorStatus)
            }
        }
    }

    @Test func v3CredentialErrorsSayWhatToCheck() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                func failure(_ user: SNMPv3User) async -> SNMPError? {
                    do {
                        let value = try await client.get(Self.sysName, from: daemon.target(.v3(user), timeout: .milliseconds(500), retries: 0))
                        Issue.record("user \(user.userName) should have failed, got \(value)")
                    } catch let error as SNMPError {
                        return error
                    } catch {
                        Issue.record("unexpected error \(error)")
                    }
                    return nil
                }
                let wrongAuth = await failure(
                    SNMPv3User(userName: "sha256user", authentication: .init(protocol: .sha256, password: "wrongpassword"))
                )
                #expect(wrongAuth?.code == .authenticationFailure)
                #expect(wrongAuth?.oid == ReportOID.wrongDigests)
                #expect(wrongAuth?.host == "127.0.0.1:\(daemon.port)")
                #expect(wrongAuth?.message.contains("authentication password") == true)

                let wrongProtocol = await failure(
                    SNMPv3User(userName: "sha256user", authentication: .init(protocol: .md5, password: SNMPDaemon.authPassword))
                )
                #expect(wrongProtocol?.code == .authenticationFailure)

                let wrongPriv = await failure(
                    SNMPv3User(
                        userName: "shaaes",
                        authentication: .init(protocol: .sha1, password: SNMPDaemon.authPassword),
                        privacy: .init(protocol: .aes128, password: "wrongprivacy")
                    )
                )
                // net-snmp drops what it cannot decrypt instead of reporting usmStatsDecryptionErrors.
                #expect(wrongPriv?.code == .timeout || wrongPriv?.code == .decryptionError)
                #expect(wrongPriv?.message.contains("privacy password") == true)

                let unknown = await failure(SNMPv3User(userName: "nobody"))
                #expect(unknown?.code == .unknownUserName)
                #expect(unknown?.message.contains("'nobody'") == true)

                let level = await failure(
                    SNMPv3User(userName: "noauthuser", authentication: .init(protocol: .sha1, password: SNMPDaemon.authPassword))
                )
                #expect(level?.code == .unsupportedSecurityLevel)
            }
        }
    }

    @Test func wrongCommunityTimesOut() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                let target = daemon.target(.v2c(community: "wrong"), timeout: .milliseconds(300), retries: 0)
                let error = await #expect(throws: SNMPError.self) { try await client.get(Self.sysName, from: target) }
                #expect(error?.code == .timeout)
                #expect(error?.message.contains("community") == true)
            }
        }
    }

    @Test func v3ResynchronisesClockAndRediscoversEngine() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                let target = daemon.target(SNMPDaemon.v3("shaaes"))
                let expected = try await client.get(Self.sysName, from: target)
                let key = SNMPClient.engineKey(try SocketAddress(ipAddress: "127.0.0.1", port: daemon.port))
                let real = try #require(client.engines.withLock { $0[key] })

                // Our idea of the agent's clock is 1000 s off: usmStatsNotInTimeWindows, resync, retry.
                client.engines.withLock { $0[key]?.time += 1000 }
                #expect(try await client.get(Self.sysName, from: target) == expected)
                let resynchronised = try #require(client.engines.withLock { $0[key] })
                #expect(resynchronised.boots == real.boots)
                #expect(abs(Int(resynchronised.time) - Int(real.time)) < 100)

                // The agent's engine ID "changed": usmStatsUnknownEngineIDs, rediscover, retry.
                client.engines.withLock { $0[key]?.engineID = [0x80, 0, 0, 0, 1, 2, 3] }
                #expect(try await client.get(Self.sysName, from: target) == expected)
                #expect(client.engines.withLock { $0[key]?.engineID } == real.engineID)
            }
        }
    }

    @Test(.enabled(if: IPv6Loopback.isUsable, "no IPv6 loopback (::1) on this host"))
    func worksOverIPv6() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                let v4 = try await client.get(Self.sysName, from: daemon.v2c)
                #expect(try await client.get(Self.sysName, from: daemon.target(.v2c(community: "public"), host: "::1")) == v4)
                #expect(try await client.get(Self.sysName, from: daemon.target(SNMPDaemon.v3("sha256aes"), host: "[::1]")) == v4)
            }
        }
    }

    @Test func hostNamesResolveIPv4First() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                let v4 = try await client.get(Self.sysName, from: daemon.v2c)
                #expect(try await client.get(Self.sysName, from: daemon.target(SNMPDaemon.v3("shades"), host: "localhost")) == v4)
                let error = await #expect(throws: SNMPError.self) {
                    try await client.get(Self.sysName, from: daemon.target(.v2c(community: "public"), host: "no-such-agent.invalid"))
                }
                #expect(error?.code == .unresolvableHost)
                #expect(error?.message.contains("'no-such-agent.invalid'") == true)
            }
        }
    }

    @Test func getNextWalksWhenAsked() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                var target = daemon.target(SNMPDaemon.v3("sha256aes256"))
                let bulk = try await client.walk("1.3.6.1.2.1.1", on: target)
                target.walkMethod = .getNext
                #expect(!target.walksWithGetBulk)
                #expect(try await client.walk("1.3.6.1.2.1.1", on: target).map(\.oid) == bulk.map(\.oid))
            }
        }
    }

    @Test func manyConcurrentRequestsShareOneSocket() async throws {
        try await SNMPDaemon.with { daemon in
            try await SNMPClient.withClient { client in
                let expected = try await client.get(Self.sysName, from: daemon.v2c)
                let targets = [daemon.v2c, daemon.v1, daemon.target(SNMPDaemon.v3("md5user")), daemon.target(SNMPDaemon.v3("sha256aes"))]
                let results = try await withThrowingTaskGroup(of: SNMPValue.self) { group in
                    for index in 0..<200 {
                        group.addTask { try await client.get(Self.sysName, from: targets[index % targets.count]) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(results.count == 200)
                #expect(results.allSatisfy { $0 == expected })
            }
        }
    }

    /// Sends `bytes` of UDP datagrams over the loopback interface (to the discard port).
    static func sendLoopbackTraffic(bytes: Int) async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let destination = try SocketAddress(ipAddress: "127.0.0.1", port: 9)
        let payload = ByteBuffer(repeating: 0x55, count: 1000)
        for _ in 0..<(bytes / 1000) {
            try? await channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: payload))
        }
        try await channel.close()
    }
}
