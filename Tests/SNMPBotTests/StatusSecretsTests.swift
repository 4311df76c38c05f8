import AsyncHTTPClient
import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import SNMP
import Testing

@testable import SNMPBot

/// The SNMP bot's status page and `/status` never show a community, an SNMPv3 key or the token,
/// even for devices whose polls fail.
@Suite("The SNMP bot's status holds no secrets", .timeLimit(.minutes(2)))
struct StatusSecretsTests {
    static let community = "c0mmunity-Zq81xv"
    static let authKey = "authKey-Pw4nT9LkE"
    static let privKey = "privKey-Yh62RdcM3"

    @Test func neitherPageShowsACredentialOrTheToken() async throws {
        try await GrafoleanTestBackend.withRunning { backend in
            let defaults = await backend.addAccountWithDefaults(name: "SNMP account")
            let bot = await backend.addBot(name: "snmp bot", protocol: "snmp", account: defaults.account)
            let v2c = await backend.addCredential(
                account: defaults.account, name: "v2c", protocol: "snmp", details: ["version": "snmpv2c", "snmpv12_community": .string(Self.community)])
            let v3 = await backend.addCredential(
                account: defaults.account, name: "v3", protocol: "snmp",
                details: [
                    "version": "snmpv3", "snmpv3_securityName": "monitor", "snmpv3_securityLevel": "authPriv", "snmpv3_authProtocol": "SHA",
                    "snmpv3_authKey": .string(Self.authKey), "snmpv3_privProtocol": "AES", "snmpv3_privKey": .string(Self.privKey),
                ])
            for (name, credential) in [("v2c agent", v2c), ("v3 agent", v3)] {
                await backend.addEntity(
                    account: defaults.account, name: name, details: ["ipv4": "127.0.0.1"],
                    protocols: ["snmp": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: defaults.snmpTrafficInSensor, interval: 2)], bot: bot.id)])
            }
            let port = try Self.freePort()
            var settings = CollectorSettings(backendURL: backend.baseURL, token: .value(BotToken(bot.token)))
            settings.metricsPort = port
            settings.scheduler.runsJobsWhenAdded = true
            try await SNMPClient.withClient { snmp in
                // Nothing answers on the discard port: every poll fails.
                let collector = SNMPCollector(client: snmp, options: .init(defaultPort: 9, timeout: .milliseconds(300), retries: 0))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { [settings] in try await CollectorRuntime(settings: settings).run(collector) }
                    var status: CollectorStatus?
                    for _ in 0..<2_000 {
                        if let body = try? await Self.get("/status", port: port),
                            let decoded = try? CollectorStatus.decode(Data(body.utf8)), decoded.jobs.count == 2, decoded.jobs.allSatisfy({ $0.lastRun != nil })
                        {
                            status = decoded
                            break
                        }
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    let report = try #require(status, "the status never showed both devices run")
                    #expect(report.jobs.allSatisfy { $0.problem != nil && $0.lastRun?.outcome != .ok }, "\(report.jobs)")
                    #expect(Set(report.jobs.compactMap(\.entityName)) == ["v2c agent", "v3 agent"])
                    let json = try await Self.get("/status", port: port)
                    let page = try await Self.get("/", port: port)
                    for text in [json, page] {
                        for secret in [Self.community, Self.authKey, Self.privKey, bot.token] {
                            #expect(!text.contains(secret), "a secret on the status page")
                        }
                    }
                    group.cancelAll()
                }
            }
        }
    }

    static func get(_ path: String, port: Int) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(30))
        return String(buffer: try await response.body.collect(upTo: 1 << 22))
    }

    /// A loopback TCP port that was free a moment ago.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
