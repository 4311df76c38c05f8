import NetFlow

/// One interface's traffic in one direction of one tile.
struct InterfaceSummary: Sendable, Codable {
    var bytes: UInt64 = 0
    var addresses: HeavyHitters<FlowAddress>
    var protocols = ProtocolTotals()

    init(limits: NetFlowAggregator.Limits) {
        addresses = HeavyHitters(capacity: limits.interfaceExactKeys)
    }
}

/// One entity's traffic in one direction of one tile.
struct DirectionSummary: Sendable, Codable {
    var bytes: UInt64 = 0
    var interfaces: [UInt32: InterfaceSummary] = [:]
    var addresses: HeavyHitters<FlowAddress>
    var protocols = ProtocolTotals()
    var connections: HeavyHitters<AddressPair>
    var destinationPorts: HeavyHitters<UInt16>
    /// Bytes of interfaces beyond the per-entity interface limit (in ``bytes``, not per interface).
    var untrackedInterfaceBytes: UInt64 = 0

    init(limits: NetFlowAggregator.Limits) {
        addresses = HeavyHitters(capacity: limits.exactKeys)
        connections = HeavyHitters(capacity: limits.exactKeys)
        destinationPorts = HeavyHitters(capacity: limits.exactKeys)
    }

    mutating func add(bytes: UInt64, interface: UInt32, address: FlowAddress, flow: FlowRecord, limits: NetFlowAggregator.Limits) {
        self.bytes = self.bytes.saturatingAdd(bytes)
        addresses.add(address, bytes)
        protocols.add(flow.protocolNumber, bytes)
        connections.add(AddressPair(source: flow.sourceAddress, destination: flow.destinationAddress), bytes)
        destinationPorts.add(flow.destinationPort, bytes)
        if let index = interfaces.index(forKey: interface) {
            interfaces.values[index].add(bytes: bytes, address: address, protocolNumber: flow.protocolNumber)
        } else if interfaces.count < limits.interfacesPerEntity {
            var summary = InterfaceSummary(limits: limits)
            summary.add(bytes: bytes, address: address, protocolNumber: flow.protocolNumber)
            interfaces[interface] = summary
        } else {
            untrackedInterfaceBytes = untrackedInterfaceBytes.saturatingAdd(bytes)
        }
    }
}

extension InterfaceSummary {
    mutating func add(bytes: UInt64, address: FlowAddress, protocolNumber: UInt8) {
        self.bytes = self.bytes.saturatingAdd(bytes)
        addresses.add(address, bytes)
        protocols.add(protocolNumber, bytes)
    }
}

/// One entity's traffic in one tile.
struct EntityTile: Sendable, Codable {
    var ingress: DirectionSummary
    var egress: DirectionSummary

    init(limits: NetFlowAggregator.Limits) {
        ingress = DirectionSummary(limits: limits)
        egress = DirectionSummary(limits: limits)
    }
}

extension InterfaceSummary {
    mutating func merge(_ other: InterfaceSummary) {
        bytes = bytes.saturatingAdd(other.bytes)
        addresses.merge(other.addresses)
        protocols.merge(other.protocols)
    }
}

extension DirectionSummary {
    mutating func merge(_ other: DirectionSummary, limits: NetFlowAggregator.Limits) {
        bytes = bytes.saturatingAdd(other.bytes)
        addresses.merge(other.addresses)
        protocols.merge(other.protocols)
        connections.merge(other.connections)
        destinationPorts.merge(other.destinationPorts)
        untrackedInterfaceBytes = untrackedInterfaceBytes.saturatingAdd(other.untrackedInterfaceBytes)
        for (index, interface) in other.interfaces {
            if interfaces[index] == nil && interfaces.count >= limits.interfacesPerEntity {
                untrackedInterfaceBytes = untrackedInterfaceBytes.saturatingAdd(interface.bytes)
                continue
            }
            interfaces[index, default: InterfaceSummary(limits: limits)].merge(interface)
        }
    }
}

extension EntityTile {
    mutating func merge(_ other: EntityTile, limits: NetFlowAggregator.Limits) {
        ingress.merge(other.ingress, limits: limits)
        egress.merge(other.egress, limits: limits)
    }
}
