import Foundation
import GrafoleanCollector
import SNMP
import Testing

@testable import SNMPBot

@Suite("Sensors: configuration, path templating and values")
struct SensorTests {
    static let ifDescr: OID = "1.3.6.1.2.1.2.2.1.2"
    static let ifInOctets: OID = "1.3.6.1.2.1.2.2.1.10"
    static let sysUpTime: OID = "1.3.6.1.2.1.1.3.0"
    let time = Date(timeIntervalSince1970: 1_700_000_000)

    static func details(_ oids: [(String, String)], expression: String, path: String) -> JSONValue {
        [
            "oids": .array(oids.map { ["oid": .string($0.0), "fetch_method": .string($0.1)] }),
            "expression": .string(expression), "output_path": .string(path),
        ]
    }

    static let trafficIn = details(
        [("1.3.6.1.2.1.2.2.1.2", "walk"), ("1.3.6.1.2.1.2.2.1.10", "walk")], expression: "$2", path: "if.in-octets.{$index}.{$1}")

    func sensor(_ details: JSONValue, entity: Int = 42) throws -> SNMPSensor {
        try SNMPSensor(id: 7, name: "s", interval: 60, details: details, entityID: entity)
    }

    func column(_ rows: [([UInt32], SNMPValue)]) -> WalkedColumn {
        var column = WalkedColumn()
        for (index, value) in rows { column.append(.init(index: index, value: value)) }
        return column
    }

    // MARK: Path templates

    @Test func templatePlaceholders() throws {
        let template = try OutputPathTemplate(parsing: "if.in-octets.{$index}.{$1}")
        #expect(template.usesIndex)
        #expect(template.values == [1])
        #expect(template.render(index: "3", value: { $0 == 1 ? "eth0.100 (uplink)" : nil }) == "if.in-octets.3.eth0-100--uplink-")
        #expect(template.render(index: "3", value: { _ in nil }) == nil)
        #expect(try OutputPathTemplate(parsing: "uptime").render(index: "", value: { _ in nil }) == "uptime")
        #expect(try OutputPathTemplate(parsing: "{$2}{$1}.x").render(index: "", value: { "v\($0)" }) == "v2v1.x")
        #expect(OutputPathTemplate.pathSafe("Gi0/1.20 ä_-") == "Gi0-1-20--_-")
        #expect(OutputPathTemplate.pathSafe("") == "-")
    }

    @Test func templateErrors() {
        for (text, fragment) in [("", "empty"), ("a.{$index", "not closed"), ("a.{$idx}", "unknown placeholder '{$idx}'"), ("a.{$0}", "unknown"), ("{1}", "unknown")] {
            #expect(throws: SNMPBotError.self, "\(text)") { try OutputPathTemplate(parsing: text) }
            do {
                _ = try OutputPathTemplate(parsing: text)
            } catch {
                #expect(error.message.contains(fragment), "\(text): \(error)")
                #expect(error.field == "output_path")
            }
        }
    }

    // MARK: Sensor configuration

    @Test func sensorConfigurationProblemsNameTheField() throws {
        let cases: [(JSONValue, String, String)] = [
            ([:], "oids", "missing"),
            (Self.details([], expression: "$1", path: "x"), "oids", "missing or empty"),
            (Self.details([("ifDescr", "walk")], expression: "$1", path: "x"), "oids[0].oid", "not a numeric OID"),
            (Self.details([("1.3.6.1", "bulk")], expression: "$1", path: "x"), "oids[0].fetch_method", "'bulk'"),
            (Self.details([("1.3.6.1", "walk")], expression: "$1 +", path: "x.{$index}"), "expression", "character 5"),
            (Self.details([("1.3.6.1", "walk")], expression: "$2", path: "x.{$index}"), "expression", "uses $2"),
            (Self.details([("1.3.6.1", "walk")], expression: "$1", path: "x.{$3}"), "output_path", "uses {$3}"),
            (Self.details([("1.3.6.1.2.1.1.3.0", "get")], expression: "$1", path: "x.{$index}"), "output_path", "no OID is walked"),
            (Self.details([("1.3.6.1", "walk")], expression: "$1", path: "x..{$index}"), "output_path", "empty segment"),
            (Self.details([("1.3.6.1", "walk")], expression: "$1", path: "if in.{$index}"), "output_path", "invalid character ' '"),
        ]
        for (details, field, fragment) in cases {
            do {
                _ = try sensor(details)
                Issue.record("\(details) must be refused")
            } catch let error as SNMPBotError {
                #expect(error.code == .invalidSensor)
                #expect(error.field == field, "\(details): \(error)")
                #expect(error.message.contains(fragment), "\(details): \(error)")
            }
        }
    }

    @Test func invalidSensorsAreSkippedAndInvalidEntitiesToo() throws {
        func configuration(credential: JSONValue = ["version": "snmpv2c", "snmpv12_community": "public"], sensors: [SensorConfiguration]) -> JobConfiguration {
            JobConfiguration(
                accountID: 1, entityID: 9, name: "router", details: ["ipv4": "127.0.0.1"], credentialID: 5, credentialDetails: credential,
                sensors: sensors)
        }
        let good = SensorConfiguration(sensorID: 1, name: "Traffic IN", interval: 60, details: Self.trafficIn)
        let bad = SensorConfiguration(sensorID: 2, name: "Broken", interval: 30, details: Self.details([("1.3.6.1", "walk")], expression: "$1 */ 2", path: "x"))
        let noInterval = SensorConfiguration(sensorID: 3, name: "No interval", interval: nil, details: Self.trafficIn)

        let (device, problems) = SNMPDevice.make(from: configuration(sensors: [good, bad, noInterval]), options: .init(defaultPort: 1161))
        #expect(device?.sensors.map(\.id) == [1])
        #expect(device?.intervals == [60])
        #expect(device?.target.port == 1161)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("sensor 'Broken' (2) of entity 'router' (9)") == true)
        #expect(problems.first?.message.contains("expression") == true)

        let des: JSONValue = [
            "version": "snmpv3", "snmpv3_securityName": "u", "snmpv3_securityLevel": "authPriv", "snmpv3_authProtocol": "SHA",
            "snmpv3_authKey": "authpassword1", "snmpv3_privProtocol": "DES", "snmpv3_privKey": "privpassword1",
        ]
        // DES works, with a warning that names the credential once (same text for every entity that uses it).
        let (desDevice, desNotices) = SNMPDevice.make(from: configuration(credential: des, sensors: [good]), options: .init())
        #expect(desDevice?.target.credentials == (try SNMPCredentials(grafoleanDetails: des)))
        #expect(desNotices.count == 1)
        #expect(desNotices.first?.message.contains("SNMP credential (5) uses DES privacy") == true)
        #expect(desNotices.first?.message.contains("router") == false)
        #expect(desNotices.first?.message.contains("privpassword1") == false)

        let unknown: JSONValue = [
            "version": "snmpv3", "snmpv3_securityName": "u", "snmpv3_securityLevel": "authPriv", "snmpv3_authProtocol": "SHA",
            "snmpv3_authKey": "authpassword1", "snmpv3_privProtocol": "3DES", "snmpv3_privKey": "privpassword1",
        ]
        let (skipped, reasons) = SNMPDevice.make(from: configuration(credential: unknown, sensors: [good]), options: .init())
        #expect(skipped == nil)
        #expect(reasons.count == 1)
        #expect(reasons.first?.message.contains("entity 'router' (9)") == true)
        #expect(reasons.first?.message.contains("snmpv3_privProtocol") == true)
        #expect(reasons.first?.message.contains("'3DES'") == true)
        #expect(reasons.first?.message.contains("AES-256-C") == true)
        #expect(reasons.first?.message.contains("privpassword1") == false)
        #expect(reasons.first?.message.contains("authpassword1") == false)
    }

    // MARK: Values

    @Test func walkedSensorGivesOneValuePerIndexWithRates() throws {
        let sensor = try sensor(Self.trafficIn)
        let rates = CounterRates()
        let names = column([([1], .octetString(Array("lo".utf8))), ([2], .octetString(Array("eth0.100".utf8))), ([3], .octetString(Array("wlan0".utf8)))])
        func octets(_ values: [UInt32]) -> WalkedColumn {
            column([([1], .counter32(values[0])), ([2], .counter32(values[1]))])
        }
        let first = sensor.evaluate(entityID: 42, columns: [Self.ifDescr: names, Self.ifInOctets: octets([100, 5_000])], scalars: [:], rates: rates, time: time)
        #expect(first.values.isEmpty)
        #expect(first.missingInputs == 3)

        let second = sensor.evaluate(
            entityID: 42, columns: [Self.ifDescr: names, Self.ifInOctets: octets([700, 4_000])], scalars: [:], rates: rates, time: time.addingTimeInterval(60))
        // Index 2 decreased (no value), index 3 has no ifInOctets (no value).
        #expect(second.values.map(\.path) == ["entity.42.snmp.if.in-octets.1.lo"])
        #expect(second.values.first?.value == 10)
        #expect(second.values.first?.time == time.addingTimeInterval(60))
        #expect(second.missingInputs == 2)
    }

    @Test func getValuesRepeatForEveryRowAndPureGetSensorsGiveOneValue() throws {
        let mixed = try sensor(Self.details([("1.3.6.1.2.1.2.2.1.2", "walk"), ("1.3.6.1.2.1.1.3.0", "get")], expression: "$2 / 100", path: "uptime.{$1}"))
        let names = column([([1], .octetString(Array("a".utf8))), ([2], .octetString(Array("b".utf8)))])
        let output = mixed.evaluate(entityID: 1, columns: [Self.ifDescr: names], scalars: [Self.sysUpTime: .timeTicks(12_345)], rates: CounterRates(), time: time)
        #expect(output.values.map(\.path) == ["entity.1.snmp.uptime.a", "entity.1.snmp.uptime.b"])
        #expect(output.values.map(\.value) == [123.45, 123.45])

        let scalar = try sensor(Self.details([("1.3.6.1.2.1.1.3.0", "get")], expression: "$1", path: "uptime"))
        #expect(scalar.evaluate(entityID: 1, columns: [:], scalars: [Self.sysUpTime: .timeTicks(5)], rates: CounterRates(), time: time).values.map(\.path) == ["entity.1.snmp.uptime"])
        #expect(scalar.evaluate(entityID: 1, columns: [:], scalars: [Self.sysUpTime: .noSuchObject], rates: CounterRates(), time: time).values.isEmpty)
    }

    @Test func multiPartIndexesTextAndProblemsAreCounted() throws {
        let table: OID = "1.3.6.1.4.1.9.9.1"
        let sensor = try sensor(Self.details([("1.3.6.1.4.1.9.9.1", "walk")], expression: "100 / $1", path: "t.{$index}"))
        let rows = column([([1, 4], .integer(50)), ([2, 1], .integer(0)), ([3], .octetString(Array("n/a".utf8)))])
        let output = sensor.evaluate(entityID: 1, columns: [table: rows], scalars: [:], rates: CounterRates(), time: time)
        #expect(output.values.map(\.path) == ["entity.1.snmp.t.1.4"])
        #expect(output.values.first?.value == 2)
        #expect(output.failedEvaluations == 1)
        #expect(output.firstEvaluationError?.contains("division by zero") == true)
        #expect(output.missingInputs == 1)

        let named = try self.sensor(Self.details([("1.3.6.1.4.1.9.9.1", "walk")], expression: "1", path: "t.{$1}"))
        let same = column([([1], .octetString(Array("x".utf8))), ([2], .octetString(Array("x".utf8)))])
        let duplicate = named.evaluate(entityID: 1, columns: [table: same], scalars: [:], rates: CounterRates(), time: time)
        #expect(duplicate.values.count == 1)
        #expect(duplicate.duplicatePaths == 1)
    }

    @Test func fetchPlanMergesTheDefaultSensors() throws {
        let trafficOut = Self.details([("1.3.6.1.2.1.2.2.1.2", "walk"), ("1.3.6.1.2.1.2.2.1.16", "walk")], expression: "$2", path: "if.out-octets.{$index}.{$1}")
        let uptime = Self.details([("1.3.6.1.2.1.1.3.0", "get"), ("1.3.6.1.2.1.1.5.0", "get")], expression: "$1", path: "uptime")
        let plan = FetchPlan([try sensor(Self.trafficIn), try sensor(trafficOut), try sensor(uptime), try sensor(uptime)])
        #expect(plan.walks == ["1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.10", "1.3.6.1.2.1.2.2.1.16"])
        #expect(plan.gets == ["1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.5.0"])
    }
}
