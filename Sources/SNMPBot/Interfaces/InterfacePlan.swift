import GrafoleanCollector
import SNMP

/// One interface as the agent describes it (ifTable).
struct DiscoveredInterface: Sendable, Hashable {
    /// The ifIndex, as text (`"2"`): the UI matches `snmp_index` as a string.
    var index: String
    /// ifDescr.
    var name: String
    /// The speed in bits per second, as text; nil when the agent does not say.
    var speed: String?

    static let ifDescr: OID = "1.3.6.1.2.1.2.2.1.2"
    static let ifSpeed: OID = "1.3.6.1.2.1.2.2.1.5"
    /// ifHighSpeed (Mbit/s), for interfaces faster than ifSpeed's 32 bits can say (it then reads 4,294,967,295).
    static let ifHighSpeed: OID = "1.3.6.1.2.1.31.1.1.1.15"

    /// The interfaces of a walk of ``ifDescr``, ``ifSpeed`` and ``ifHighSpeed``, in ifDescr's order.
    static func list(from columns: [OID: WalkedColumn]) -> [DiscoveredInterface] {
        let speeds = columns[ifSpeed]?.values ?? [:]
        let highSpeeds = columns[ifHighSpeed]?.values ?? [:]
        return (columns[ifDescr]?.rows ?? []).map { row in
            let index = row.index.map(String.init).joined(separator: ".")
            var name = SNMPSensor.text(row.value)
            while name.hasSuffix("\0") { name.removeLast() }
            if name.isEmpty { name = "interface \(index)" }
            var speed: String?
            if let bps = speeds[row.index]?.int64Value, bps >= 0 { speed = String(bps) }
            if speed == String(UInt32.max) || speed == nil, let mbps = highSpeeds[row.index]?.int64Value, mbps > 0 {
                speed = String(UInt64(mbps) * 1_000_000)
            }
            return DiscoveredInterface(index: index, name: name, speed: speed)
        }
    }
}

/// The entity changes that make a device's `interface` children match what its agent reports.
///
/// Children are matched by `details.snmp_index`; a child gets the interface's name and its
/// details `snmp_index` and `speed_bps` (strings, as the reference bot writes them; other detail
/// keys a user added are kept). Children whose index is gone, and duplicates of one index, are deleted.
struct InterfacePlan: Sendable, Hashable {
    /// Entities to create.
    var creations: [NewEntity] = []
    /// Entities to replace, by id.
    var updates: [Int: NewEntity] = [:]
    /// Entities to delete.
    var deletions: [Int] = []

    /// Whether nothing needs to change.
    var isEmpty: Bool { creations.isEmpty && updates.isEmpty && deletions.isEmpty }

    /// The plan for device `device`, given the agent's interfaces and the account's entities.
    init(device: Int, interfaces: [DiscoveredInterface], entities: [Entity]) {
        var existing: [String: Entity] = [:]
        for entity in entities.sorted(by: { $0.id < $1.id }) where entity.entityType == "interface" && entity.parent == device {
            guard let index = Self.snmpIndex(entity.details), existing[index] == nil else {
                deletions.append(entity.id)
                continue
            }
            existing[index] = entity
        }
        var wanted: Set<String> = []
        for interface in interfaces where wanted.insert(interface.index).inserted {
            var details = existing[interface.index]?.details.objectValue ?? [:]
            details["snmp_index"] = .string(interface.index)
            if let speed = interface.speed { details["speed_bps"] = .string(speed) }
            guard let current = existing[interface.index] else {
                creations.append(NewEntity(name: interface.name, entityType: "interface", parent: device, details: .object(details)))
                continue
            }
            if current.name != interface.name || current.details != .object(details) {
                updates[current.id] = NewEntity(
                    name: interface.name, entityType: "interface", parent: device, details: .object(details),
                    protocols: Self.protocolsJSON(current.protocols))
            }
        }
        for (index, entity) in existing where !wanted.contains(index) {
            deletions.append(entity.id)
        }
        deletions.sort()
    }

    /// `details.snmp_index` as text (a string, or a number someone stored).
    static func snmpIndex(_ details: JSONValue) -> String? {
        switch details["snmp_index"] {
        case .string(let text): return text
        case .number(let number) where number.rounded() == number && number >= 0 && number < 1e15: return String(Int(number))
        default: return nil
        }
    }

    /// An entity's protocols as the backend takes them, so that replacing an interface keeps them.
    static func protocolsJSON(_ protocols: [String: EntityProtocol]) -> [String: JSONValue] {
        protocols.mapValues { settings in
            .object([
                "credential": settings.credential.map { .number(Double($0)) } ?? .null,
                "bot": settings.bot.map { .number(Double($0)) } ?? .null,
                "sensors": .array(
                    settings.sensors.map { .object(["sensor": .number(Double($0.sensor)), "interval": $0.interval.map { .number(Double($0)) } ?? .null]) }),
            ])
        }
    }
}
