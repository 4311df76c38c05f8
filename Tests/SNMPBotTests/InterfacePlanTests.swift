import GrafoleanCollector
import SNMP
import Testing

@testable import SNMPBot

@Suite("Interface entities follow the agent's ifTable")
struct InterfacePlanTests {
    func interface(_ id: Int, _ name: String, parent: Int = 10, index: JSONValue?, speed: String? = "1000") -> Entity {
        var details: [String: JSONValue] = [:]
        if let index { details["snmp_index"] = index }
        if let speed { details["speed_bps"] = .string(speed) }
        return Entity(id: id, name: name, entityType: "interface", parent: parent, details: .object(details), protocols: [:])
    }

    @Test func createUpdateDeleteAndKeepWhatMatches() {
        let discovered = [
            DiscoveredInterface(index: "1", name: "lo", speed: "1000"),
            DiscoveredInterface(index: "2", name: "eth0", speed: "1000000000"),
            DiscoveredInterface(index: "3", name: "eth1", speed: nil),
        ]
        let device = Entity(id: 10, name: "router", entityType: "device", parent: nil, details: ["ipv4": "127.0.0.1"], protocols: [:])
        let entities = [
            device,
            interface(20, "lo", index: "1"),
            interface(21, "old-eth0", index: .number(2), speed: "100"),
            interface(22, "gone", index: "9"),
            interface(23, "lo", index: "1"),
            interface(24, "no index", index: nil),
            interface(30, "other device's", parent: 11, index: "2"),
        ]
        let plan = InterfacePlan(device: 10, interfaces: discovered, entities: entities)
        #expect(plan.creations == [NewEntity(name: "eth1", entityType: "interface", parent: 10, details: ["snmp_index": "3"])])
        #expect(plan.updates == [21: NewEntity(name: "eth0", entityType: "interface", parent: 10, details: ["snmp_index": "2", "speed_bps": "1000000000"])])
        #expect(plan.deletions == [22, 23, 24])

        let settled = InterfacePlan(
            device: 10, interfaces: discovered,
            entities: [interface(20, "lo", index: "1"), interface(21, "eth0", index: "2", speed: "1000000000"), interface(25, "eth1", index: "3", speed: nil)])
        #expect(settled.isEmpty)
    }

    @Test func detailsAddedByUsersAndProtocolsAreKept() throws {
        let ping: JSONValue = ["credential": 5, "bot": 6, "sensors": [["sensor": 7, "interval": nil]]]
        let protocols = ["ping": try ping.decode(EntityProtocol.self)]
        let existing = Entity(
            id: 20, name: "lo", entityType: "interface", parent: 10, details: ["snmp_index": "1", "speed_bps": "5", "note": "core"], protocols: protocols)
        let plan = InterfacePlan(device: 10, interfaces: [DiscoveredInterface(index: "1", name: "lo", speed: "10")], entities: [existing])
        let update = plan.updates[20]
        #expect(update?.details == ["snmp_index": "1", "speed_bps": "10", "note": "core"])
        #expect(update?.protocols["ping"] == ["credential": 5, "bot": 6, "sensors": [["sensor": 7, "interval": nil]]])
    }

    @Test func discoveredFromTheWalkedColumns() {
        func column(_ rows: [([UInt32], SNMPValue)]) -> WalkedColumn {
            var column = WalkedColumn()
            for (index, value) in rows { column.append(.init(index: index, value: value)) }
            return column
        }
        let interfaces = DiscoveredInterface.list(from: [
            DiscoveredInterface.ifDescr: column([([1], .octetString(Array("lo".utf8))), ([2], .octetString(Array("eth0\0".utf8))), ([3], .octetString([]))]),
            DiscoveredInterface.ifSpeed: column([([1], .gauge32(10_000_000)), ([2], .gauge32(UInt32.max))]),
            DiscoveredInterface.ifHighSpeed: column([([1], .gauge32(10)), ([2], .gauge32(100_000))]),
        ])
        #expect(
            interfaces == [
                DiscoveredInterface(index: "1", name: "lo", speed: "10000000"),
                DiscoveredInterface(index: "2", name: "eth0", speed: "100000000000"),
                DiscoveredInterface(index: "3", name: "interface 3", speed: nil),
            ])
    }

    @Test func permissionRule() throws {
        func permission(_ prefix: String?, _ methods: [String]?) throws -> Permission {
            let json: JSONValue = [
                "id": 1, "resource_prefix": prefix.map { .string($0) } ?? .null, "methods": methods.map { .array($0.map { .string($0) }) } ?? .null,
            ]
            return try json.decode(Permission.self)
        }
        let systemwide = try permission("accounts", nil)
        let entities = try permission("accounts/5/entities", ["POST", "PUT", "DELETE"])
        let uiDefaults = [try permission("accounts/5/entities", ["GET"]), try permission("accounts/5/values", ["POST", "PUT"])]
        let noDelete = try permission("accounts/5/entities", ["POST", "PUT"])
        let otherAccount = try permission("accounts/6", nil)
        #expect(SNMPCollector.mayWriteEntities([systemwide], account: 5))
        #expect(SNMPCollector.mayWriteEntities([entities], account: 5))
        #expect(!SNMPCollector.mayWriteEntities(uiDefaults, account: 5))
        #expect(!SNMPCollector.mayWriteEntities([noDelete], account: 5))
        #expect(!SNMPCollector.mayWriteEntities([otherAccount], account: 5))
    }
}
