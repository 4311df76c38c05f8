import Foundation
import GrafoleanCollectorTesting
import Testing

@testable import GrafoleanCollector

@Suite("Job configurations come from the list endpoints")
struct JobConfigurationFetchTests {
    struct PingCredential: Decodable, Equatable {
        var nPackets: Int
        var sleepPackets: Double
        enum CodingKeys: String, CodingKey { case nPackets = "n_packets", sleepPackets = "sleep_packets" }
    }

    @Test func oneRequestForAccountsThenThreePerAccount() async throws {
        try await withBackend { fixture in
            for index in 1...20 {
                await fixture.addPingDevice("device \(index)", ipv4: "127.0.1.\(index)", interval: index == 1 ? 10 : nil)
            }
            var otherAccounts: [Int] = []
            for index in 1...9 {
                let account = await fixture.backend.addAccount(name: "Other \(index)")
                otherAccounts.append(account)
            }
            let systemwide = await fixture.backend.addBot(name: "sw", protocol: "ping", account: nil, permissions: .systemwide)
            await fixture.backend.resetRecords()
            let configurations = try await fixture.withClient(token: systemwide.token) { client in
                try await client.fetchJobConfigurations(protocol: "ping", botUserID: systemwide.id)
            }
            #expect(configurations.count == 20)
            #expect(await fixture.backend.requests().count == 1 + 3 * 10)
            let first = try #require(configurations.first { $0.name == "device 1" })
            #expect(first.sensors.map(\.interval) == [10])
            #expect(first.details["ipv4"] == "127.0.1.1")
            #expect(first.accountID == fixture.account)
            #expect(try first.credentialDetails.decode(PingCredential.self) == PingCredential(nPackets: 3, sleepPackets: 1))
            #expect(configurations.filter { $0.name != "device 1" }.allSatisfy { $0.sensors.map(\.interval) == [30] })
        }
    }

    /// The real backend assembles an entity's protocols from existing credentials and sensors, so a
    /// deleted one disappears from the entity (a reference can only dangle between two list
    /// requests; that rule is tested in `JobConfigurationRulesTests`).
    @Test func deletedCredentialOrSensorStopsPolling() async throws {
        try await withBackend { fixture in
            let kept = await fixture.addPingDevice("kept", ipv4: "127.0.0.2")
            let otherCredential = await fixture.backend.addCredential(account: fixture.account, name: "gone", protocol: "ping", details: [:])
            let otherSensor = await fixture.backend.addSensor(account: fixture.account, name: "gone", protocol: "ping", defaultInterval: 10, details: [:])
            let withGoneCredential = await fixture.backend.addEntity(
                account: fixture.account, name: "credential gone", details: ["ipv4": "127.0.0.3"],
                protocols: ["ping": EntityProtocolSettings(credential: otherCredential, sensors: [.init(sensor: fixture.sensor, interval: nil)], bot: nil)])
            let withGoneSensor = await fixture.backend.addEntity(
                account: fixture.account, name: "sensor gone", details: ["ipv4": "127.0.0.4"],
                protocols: ["ping": EntityProtocolSettings(credential: fixture.credential, sensors: [.init(sensor: otherSensor, interval: nil)], bot: nil)])
            #expect(try await fixture.client.fetchJobConfigurations(protocol: "ping", botUserID: fixture.bot.id).count == 3)
            await fixture.backend.removeCredential(account: fixture.account, id: otherCredential)
            await fixture.backend.removeSensor(account: fixture.account, id: otherSensor)
            let configurations = try await fixture.client.fetchJobConfigurations(protocol: "ping", botUserID: fixture.bot.id)
            #expect(configurations.map(\.entityID) == [kept])
            #expect(![withGoneCredential, withGoneSensor].contains(configurations[0].entityID))
        }
    }

    @Test func forbiddenAccountIsSkippedNamingThePermission() async throws {
        let logs = LogCapture()
        try await withBackend(logger: logs.logger) { fixture in
            await fixture.addPingDevice("mine", ipv4: "127.0.0.2")
            let other = await fixture.backend.addAccount(name: "Other")
            let bot = await fixture.backend.addBot(
                name: "partial", protocol: "ping", account: fixture.account,
                permissions: .custom([
                    .init(resourcePrefix: "accounts/\(fixture.account)", methods: nil),
                    .init(resourcePrefix: "accounts/\(other)/values", methods: ["POST"]),
                ]))
            let configurations = try await fixture.withClient(token: bot.token, logger: logs.logger) { client in
                #expect(try await client.accounts().count == 2)
                return try await client.fetchJobConfigurations(protocol: "ping", botUserID: bot.id)
            }
            #expect(configurations.count == 1)
            #expect(logs.lines(.warning).contains { $0.contains("GET on accounts/\(other)/entities") })
        }
    }

    @Test func otherBotsEntitiesAreNotOurs() async throws {
        try await withBackend { fixture in
            let mine = await fixture.addPingDevice("mine", ipv4: "127.0.0.2", bot: fixture.bot.id)
            let anyBot = await fixture.addPingDevice("any", ipv4: "127.0.0.3")
            let otherBot = await fixture.backend.addBot(name: "another ping bot", protocol: "ping", account: fixture.account)
            await fixture.addPingDevice("theirs", ipv4: "127.0.0.4", bot: otherBot.id)
            let configurations = try await fixture.client.fetchJobConfigurations(protocol: "ping", botUserID: fixture.bot.id)
            #expect(Set(configurations.map(\.entityID)) == [mine, anyBot])
        }
    }

    @Test func transientFailureThrowsSoTheCallerKeepsItsJobs() async throws {
        try await withBackend { fixture in
            await fixture.addPingDevice("mine", ipv4: "127.0.0.2")
            await fixture.backend.failNextRequests(1, status: 500)
            await #expect(throws: GrafoleanError.self) {
                try await fixture.client.fetchJobConfigurations(protocol: "ping", botUserID: fixture.bot.id)
            }
        }
    }
}
