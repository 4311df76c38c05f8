import NetFlow

extension NetFlowAggregator {
    /// The values of one account for the tile of `window` ending at `end`, in the reference's
    /// paths, and forgets that tile's data for the account. Call once the tile has ended; flows
    /// for tiles already reported are ignored afterwards.
    ///
    /// Every enabled entity of the account (per `exporters`) gets its totals, 0 when silent:
    /// the web UI finds entities through `netflow.1min.ingress.entity.?`.
    public mutating func values(account: Int, window: FlowWindow, endingAt end: Int64, exporters: ExporterMap) -> [FlowValue] {
        mergeBaseTiles(endingAtOrBefore: end)
        let key = TileKey(seconds: window.seconds, end: end)
        let traffic = tiles[key]?.removeValue(forKey: account) ?? [:]
        if tiles[key]?.isEmpty == true { tiles[key] = nil }
        if isDerived(window), !traffic.isEmpty { derivedVersion &+= 1 }
        reportedThrough[window.seconds] = max(reportedThrough[window.seconds] ?? .min, end)
        return Self.values(traffic, account: account, window: window, entities: exporters.entities(inAccount: account), topCount: limits.topCount)
    }

    /// Whether the tile of `window` ending at `end` can still be reported: it is held, or no tile
    /// of the window ending there or later was dropped unreported (then it never held a flow and
    /// its values are zeros). A tile dropped unreported cannot: its flows are lost.
    public mutating func canReport(window: FlowWindow, endingAt end: Int64) -> Bool {
        mergeBaseTiles(endingAtOrBefore: end)
        return tiles[TileKey(seconds: window.seconds, end: end)] != nil || end > droppedThrough?[window.seconds] ?? .min
    }

    /// The values of every account of `exporters` for one tile.
    public mutating func values(window: FlowWindow, endingAt end: Int64, exporters: ExporterMap) -> [Int: [FlowValue]] {
        var result: [Int: [FlowValue]] = [:]
        for account in exporters.accounts {
            result[account] = values(account: account, window: window, endingAt: end, exporters: exporters)
        }
        return result
    }

    static func values(_ traffic: [Int: EntityTile], account: Int, window: FlowWindow, entities: [Int], topCount: Int) -> [FlowValue] {
        var values: [FlowValue] = []
        func emit(_ path: String, _ bytes: UInt64) {
            values.append(FlowValue(path: path, value: Double(bytes)))
        }
        for (direction, name) in [(\EntityTile.ingress, "ingress"), (\EntityTile.egress, "egress")] {
            let base = "netflow.\(window.label).\(name)"
            let total = entities.reduce(UInt64(0)) { $0.saturatingAdd(traffic[$1]?[keyPath: direction].bytes ?? 0) }
            emit(base, total)
            for entity in entities {
                let entityBase = "\(base).entity.\(entity)"
                guard let summary = traffic[entity]?[keyPath: direction] else {
                    emit(entityBase, 0)
                    continue
                }
                emit(entityBase, summary.bytes)
                for (index, interface) in summary.interfaces.sorted(by: { $0.key < $1.key }) {
                    let interfaceBase = "\(entityBase).if.\(index)"
                    emit(interfaceBase, interface.bytes)
                    for entry in interface.addresses.top(topCount) {
                        emit("\(interfaceBase).topip.\(PathSegment.address(entry.key))", entry.estimate)
                    }
                    for (number, bytes) in topProtocols(interface.protocols, topCount) {
                        emit("\(interfaceBase).topprotocol.\(ProtocolNames.label(number))", bytes)
                    }
                }
                for entry in summary.addresses.top(topCount) {
                    emit("\(entityBase).topip.\(PathSegment.address(entry.key))", entry.estimate)
                }
                for (number, bytes) in topProtocols(summary.protocols, topCount) {
                    emit("\(entityBase).topprotocol.\(ProtocolNames.label(number))", bytes)
                }
                for entry in summary.connections.top(topCount) {
                    emit("\(entityBase).topconn.\(PathSegment.address(entry.key.source)).\(PathSegment.address(entry.key.destination))", entry.estimate)
                }
                for entry in summary.destinationPorts.top(topCount) {
                    emit("\(entityBase).topdstports.\(entry.key)", entry.estimate)
                }
            }
        }
        return values
    }

    static func topProtocols(_ protocols: ProtocolTotals, _ count: Int) -> [(UInt8, UInt64)] {
        protocols.totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(count).map { ($0.key, $0.value) }
    }
}
