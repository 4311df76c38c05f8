import Logging
import GrafoleanCollectorTesting
import Testing

@testable import GrafoleanCollector

@Suite("Job configurations follow the reference library's selection rules")
struct JobConfigurationRulesTests {
    static let bot = 77

    func entity(_ id: Int, type: String = "device", protocols: [String: EntityProtocol]) -> Entity {
        Entity(id: id, name: "e\(id)", entityType: type, parent: nil, details: ["ipv4": .string("127.0.0.\(id)")], protocols: protocols)
    }

    func ping(credential: Int? = 1, bot: Int? = nil, sensors: [(Int, Int?)] = [(10, nil)]) throws -> EntityProtocol {
        let json = """
            {"credential": \(credential.map(String.init) ?? "null"), "bot": \(bot.map(String.init) ?? "null"),
             "sensors": [\(sensors.map { "{\"sensor\": \($0.0), \"interval\": \($0.1.map(String.init) ?? "null")}" }.joined(separator: ","))]}
            """
        return try JSONDecoderForTests.decode(EntityProtocol.self, json)
    }

    @Test func selection() throws {
        let credentials = [Credential(id: 1, name: "c", protocol: "ping", details: ["n_packets": "3"])]
        let sensors = [
            Sensor(id: 10, name: "s10", protocol: "ping", defaultInterval: 30, details: [:]),
            Sensor(id: 11, name: "s11", protocol: "ping", defaultInterval: nil, details: [:]),
        ]
        let entities = [
            entity(1, protocols: ["ping": try ping()]),  // kept: default interval 30
            entity(2, protocols: ["ping": try ping(bot: Self.bot, sensors: [(10, 60), (11, nil)])]),  // kept: override 60, none
            entity(3, protocols: ["ping": try ping(bot: 999)]),  // another bot's
            entity(4, protocols: ["ping": try ping(credential: nil)]),  // no credential
            entity(5, protocols: ["ping": try ping(sensors: [])]),  // no sensor
            entity(6, protocols: ["snmp": try ping()]),  // other protocol
            entity(7, type: "interface", protocols: ["ping": try ping()]),  // not a device
            entity(8, protocols: ["ping": try ping(credential: 404)]),  // dangling credential
            entity(9, protocols: ["ping": try ping(sensors: [(404, nil), (10, 5)])]),  // one dangling sensor
            entity(12, protocols: ["ping": try ping(sensors: [(404, nil)])]),  // only dangling sensors
        ]
        let logs = LogCapture()
        let configurations = GrafoleanClient.jobConfigurations(
            protocol: "ping", botUserID: Self.bot, accountID: 5, entities: entities, credentials: credentials,
            sensors: sensors, logger: logs.logger)
        #expect(configurations.map(\.entityID) == [1, 2, 9])
        #expect(configurations[0].sensors.map(\.interval) == [30])
        #expect(configurations[1].sensors.map(\.interval) == [60, nil])
        #expect(configurations[1].intervals == [60])
        #expect(configurations[2].sensors.map(\.sensorID) == [10])
        #expect(configurations[2].sensors.map(\.interval) == [5])
        #expect(configurations[0].credentialDetails == ["n_packets": "3"])
        #expect(configurations.allSatisfy { $0.accountID == 5 })
        let warnings = logs.lines(.warning)
        #expect(warnings.contains { $0.contains("e8") && $0.contains("credential 404") })
        #expect(warnings.contains { $0.contains("sensor 404") && $0.contains("e9") })
        #expect(warnings.contains { $0.contains("e12") })
        #expect(warnings.count == 4)
    }
}
