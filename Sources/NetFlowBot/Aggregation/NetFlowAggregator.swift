import NetFlow

/// Turns decoded flows into the series Grafolean's NetFlow bot posts, per account and window
/// tile: account and entity totals, per interface, and top-N addresses, protocols,
/// connections and destination ports, per direction.
///
/// A pure value: the caller stamps flows with their receive time, passes the exporter → entity
/// map, and asks for a tile's values once the tile has ended. Memory is bounded by
/// ``Limits`` per entity, direction and tile.
public struct NetFlowAggregator: Sendable, Codable {
    /// Bounds on what one tile keeps.
    public struct Limits: Sendable, Codable, Hashable {
        /// Distinct addresses, connections or ports counted exactly per entity, direction and
        /// tile; beyond it a Space-Saving summary of this many counters (error ≤ bytes / limit).
        public var exactKeys: Int
        /// The same for each interface's addresses.
        public var interfaceExactKeys: Int
        /// Interfaces tracked per entity and direction; traffic of further interfaces counts
        /// in the entity's totals and tops only.
        public var interfacesPerEntity: Int
        /// Entries of each top list (10 in the reference).
        public var topCount: Int
        /// Distinct unmapped exporters remembered between ``NetFlowAggregator/takeUnmappedExporters()`` calls.
        public var unmappedExporters: Int
        /// Tiles not asked for are dropped this many seconds (at most one window length) after
        /// the next tile of their window ended, so at most three tiles per window are held.
        public var staleTileGrace: Int64

        /// Limits; defaults 100,000 exact keys (10,000 per interface), 256 interfaces, top 10.
        ///
        /// Beyond 100,000 keys an estimate is off by at most 0.001 % of the entity's bytes in
        /// the window (0.01 % of the interface's), far below what the web UI's charts show;
        /// a summary then holds at most 150,000 counters (see BENCHMARKS.md for the memory).
        public init(
            exactKeys: Int = 100_000,
            interfaceExactKeys: Int = 10_000,
            interfacesPerEntity: Int = 256,
            topCount: Int = 10,
            unmappedExporters: Int = 4_096,
            staleTileGrace: Int64 = 3_600
        ) {
            self.exactKeys = max(1, exactKeys)
            self.interfaceExactKeys = max(1, interfaceExactKeys)
            self.interfacesPerEntity = max(0, interfacesPerEntity)
            self.topCount = max(0, topCount)
            self.unmappedExporters = max(0, unmappedExporters)
            self.staleTileGrace = max(0, staleTileGrace)
        }
    }

    /// How a flow's direction is decided.
    public enum DirectionRule: String, Sendable, Codable, Hashable {
        /// The reference: field 61 = 0 (or missing) → ingress on the input interface, 1 → egress
        /// on the output interface, other values ignored.
        case field61
        /// Like ``field61`` for flows that carry field 61; a flow without it counts as ingress
        /// on its input interface and, when its output interface is known (≠ 0), also as egress
        /// on it — egress for exporters that only export ingress flows.
        case inferEgressFromOutputInterface
    }

    /// Counters since creation.
    public struct Statistics: Sendable, Codable, Hashable {
        /// Flows added.
        public var flows = 0
        /// Flows from exporters no entity has.
        public var unmappedFlows = 0
        /// Flows ignored because their direction is neither 0 nor 1.
        public var otherDirectionFlows = 0
        /// Flows (or ended base tiles being folded in) skipped because their tile had already been reported.
        public var lateFlows = 0
        /// Tiles dropped without having been asked for.
        public var staleTiles = 0
    }

    struct TileKey: Hashable, Sendable, Codable {
        var seconds: Int64
        var end: Int64
    }

    /// The windows aggregated.
    public let windows: [FlowWindow]
    /// The shortest window when longer ones are multiples of it: flows update only its tiles,
    /// which are folded into the longer windows' tiles when they end.
    let baseSeconds: Int64?
    /// The limits in force.
    public let limits: Limits
    /// The direction rule in force.
    public let directionRule: DirectionRule
    /// When collection started (Unix s); tiles that began earlier are partial (see ``isPartial(window:endingAt:)``).
    public var coverageStart: Int64?
    /// Counters since creation.
    public private(set) var statistics = Statistics()

    /// tile → account → entity → traffic.
    var tiles: [TileKey: [Int: [Int: EntityTile]]] = [:]
    var reportedThrough: [Int64: Int64] = [:]
    /// Per window length, the latest end of a tile dropped unreported (optional: checkpoints
    /// written before it existed still load).
    var droppedThrough: [Int64: Int64]?
    var unmapped: Set<FlowAddress> = []
    /// Base tiles ending at or before this have been folded into the longer windows.
    var mergedThrough: Int64?
    /// Changes whenever a longer window's tile changes (about once a minute: when a base tile is
    /// folded in, or a tile reported), so a checkpoint can leave those tiles out while unchanged.
    public internal(set) var derivedVersion: UInt64 = 0

    /// An empty aggregator.
    public init(
        windows: [FlowWindow] = FlowWindow.all,
        limits: Limits = Limits(),
        directionRule: DirectionRule = .field61,
        coverageStart: Int64? = nil
    ) {
        self.windows = windows
        self.baseSeconds = Self.baseSeconds(of: windows)
        self.limits = limits
        self.directionRule = directionRule
        self.coverageStart = coverageStart
    }

    /// Adds flows received at `time` (Unix seconds; the reference also dates flows by receipt).
    public mutating func add(_ flows: some Sequence<FlowRecord>, receivedAt time: Int64, exporters: ExporterMap) {
        let flows = Array(flows)
        add(flows[...], receivedAt: time, exporters: exporters)
    }

    /// Adds flows received at `time` (Unix seconds), without copying them.
    public mutating func add(_ flows: ArraySlice<FlowRecord>, receivedAt time: Int64, exporters: ExporterMap) {
        // Flows of one datagram share their exporter, and flows of one call their receive time,
        // so their tiles: look both up once per run of flows, not once per flow.
        var start = flows.startIndex
        while start < flows.endIndex {
            let exporter = flows[start].exporter
            var end = start + 1
            while end < flows.endIndex && flows[end].exporter == exporter { end += 1 }
            add(flows[start..<end], receivedAt: time, targets: exporters.targets(of: exporter))
            start = end
        }
    }

    /// Adds one flow received at `time` (Unix seconds).
    public mutating func add(_ flow: FlowRecord, receivedAt time: Int64, exporters: ExporterMap) {
        add(CollectionOfOne(flow), receivedAt: time, exporters: exporters)
    }

    /// Adds flows of one exporter, all received at `time`.
    private mutating func add(_ flows: ArraySlice<FlowRecord>, receivedAt time: Int64, targets: [ExporterMap.Target]) {
        statistics.flows &+= flows.count
        guard !targets.isEmpty else {
            statistics.unmappedFlows &+= flows.count
            if unmapped.count < limits.unmappedExporters, let first = flows.first { unmapped.insert(first.exporter) }
            return
        }
        let rule = directionRule
        for flow in flows where Self.directions(of: flow, rule: rule) == nil {
            statistics.otherDirectionFlows &+= 1
        }
        let limits = self.limits
        // Flows update only the shortest window; its tiles are folded into the longer ones
        // once they end (one update per flow instead of one per window).
        let base = baseSeconds
        let baseEnd = base.map { FlowWindow(label: "", seconds: $0).tileEnd(containing: time) }
        if let base, let baseEnd, tiles[TileKey(seconds: base, end: baseEnd)] == nil {
            mergeBaseTiles(endingAtOrBefore: baseEnd &- base)
        }
        for window in windows {
            if let baseEnd, isDerived(window), baseEnd > mergedThrough ?? .min { continue }
            let end = window.tileEnd(containing: time)
            if let reported = reportedThrough[window.seconds], end <= reported {
                statistics.lateFlows &+= flows.count
                continue
            }
            let key = TileKey(seconds: window.seconds, end: end)
            if tiles[key] == nil { dropStaleTiles(before: end &- window.seconds &- min(limits.staleTileGrace, window.seconds), window: window) }
            if baseEnd != nil, isDerived(window) { derivedVersion &+= 1 }  // a late flow of a folded base tile
            for target in targets {
                tiles[key, default: [:]][target.account, default: [:]][target.entity, default: EntityTile(limits: limits)]
                    .add(flows, rule: rule, limits: limits)
            }
        }
    }

    /// Whether a flow counts as ingress, egress or both; `nil` when its direction is neither 0 nor 1.
    @inline(__always) static func directions(of flow: FlowRecord, rule: DirectionRule) -> (ingress: Bool, egress: Bool)? {
        switch (flow.direction, flow.hasDirection, rule) {
        case (0, false, .inferEgressFromOutputInterface): (true, flow.outputInterface != 0)
        case (0, _, _): (true, false)
        case (1, _, _): (false, true)
        default: nil
        }
    }

    /// Whether a tile began before ``coverageStart`` (or no start is known): its values are
    /// incomplete. The reference posts nothing for a job's first, partial window.
    public func isPartial(window: FlowWindow, endingAt end: Int64) -> Bool {
        guard let coverageStart else { return true }
        return coverageStart > end &- window.seconds
    }

    /// The shortest window's length, when longer windows are built from its tiles.
    static func baseSeconds(of windows: [FlowWindow]) -> Int64? {
        guard let base = windows.map(\.seconds).min(), windows.contains(where: { $0.seconds != base && $0.seconds % base == 0 }) else {
            return nil
        }
        return base
    }

    /// Whether a window's tiles are built by folding in base tiles.
    @inline(__always) func isDerived(_ window: FlowWindow) -> Bool {
        isDerived(seconds: window.seconds)
    }

    /// Whether tiles of this length are folded from base tiles.
    @inline(__always) func isDerived(seconds: Int64) -> Bool {
        guard let base = baseSeconds else { return false }
        return seconds != base && seconds % base == 0
    }

    /// Folds every base tile that ended at or before `limit` (and was not folded yet) into the
    /// tiles of the longer windows holding it.
    mutating func mergeBaseTiles(endingAtOrBefore limit: Int64) {
        guard let base = baseSeconds, limit > mergedThrough ?? .min else { return }
        let ends = tiles.keys.filter { $0.seconds == base && $0.end <= limit && $0.end > mergedThrough ?? .min }.map(\.end).sorted()
        mergedThrough = limit
        if !ends.isEmpty { derivedVersion &+= 1 }
        let limits = self.limits
        for end in ends {
            guard let tile = tiles[TileKey(seconds: base, end: end)] else { continue }
            for window in windows where isDerived(window) {
                let target = window.tileEnd(containing: end &- 1)
                if let reported = reportedThrough[window.seconds], target <= reported {
                    statistics.lateFlows &+= 1
                    continue
                }
                let key = TileKey(seconds: window.seconds, end: target)
                if tiles[key] == nil { dropStaleTiles(before: target &- window.seconds &- min(limits.staleTileGrace, window.seconds), window: window) }
                for (account, entities) in tile {
                    for (entity, traffic) in entities {
                        tiles[key, default: [:]][account, default: [:]][entity, default: EntityTile(limits: limits)]
                            .merge(traffic, limits: limits)
                    }
                }
            }
        }
    }

    /// Ends of the tiles held that have ended by `now`, per window, oldest first.
    public mutating func endedTiles(at now: Int64) -> [(window: FlowWindow, end: Int64)] {
        mergeBaseTiles(endingAtOrBefore: now)
        return windows.flatMap { window in
            tiles.keys.filter { $0.seconds == window.seconds && $0.end <= now }.map(\.end).sorted().map { (window, $0) }
        }
    }

    /// Drops every tile of `window` that ended at or before `end` without reporting it.
    public mutating func discard(window: FlowWindow, endingAtOrBefore end: Int64) {
        mergeBaseTiles(endingAtOrBefore: end)
        dropStaleTiles(before: end &+ 1, window: window)
    }

    private mutating func dropStaleTiles(before limit: Int64, window: FlowWindow) {
        for key in tiles.keys where key.seconds == window.seconds && key.end < limit {
            tiles[key] = nil
            droppedThrough = (droppedThrough ?? [:]).merging([key.seconds: key.end], uniquingKeysWith: max)
            statistics.staleTiles &+= 1
            if isDerived(window) { derivedVersion &+= 1 }
        }
    }

    /// Exporters seen without an entity since the last call (to propose entities for them).
    public mutating func takeUnmappedExporters() -> [FlowAddress] {
        defer { unmapped.removeAll() }
        return unmapped.sorted()
    }
}

extension EntityTile {
    mutating func add(_ flows: ArraySlice<FlowRecord>, rule: NetFlowAggregator.DirectionRule, limits: NetFlowAggregator.Limits) {
        for flow in flows {
            guard let (ingress, egress) = NetFlowAggregator.directions(of: flow, rule: rule) else { continue }
            if ingress {
                self.ingress.add(bytes: flow.bytes, interface: flow.inputInterface, address: flow.sourceAddress, flow: flow, limits: limits)
            }
            if egress {
                self.egress.add(bytes: flow.bytes, interface: flow.outputInterface, address: flow.destinationAddress, flow: flow, limits: limits)
            }
        }
    }
}
