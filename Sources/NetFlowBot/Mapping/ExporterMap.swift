import NetFlow

/// Which Grafolean entities an exporter's flows belong to, built by the caller from the
/// accounts' entities (`details.ipv4` = exporter address, NetFlow enabled for this bot).
///
/// One exporter may belong to entities of several accounts; each gets all its flows.
public struct ExporterMap: Sendable, Hashable {
    /// An account's entity.
    public struct Target: Hashable, Sendable, Codable {
        /// Account ID.
        public var account: Int
        /// Entity ID.
        public var entity: Int

        /// Creates a target.
        public init(account: Int, entity: Int) {
            self.account = account
            self.entity = entity
        }
    }

    private var targetsByExporter: [FlowAddress: [Target]] = [:]
    private var entitiesByAccount: [Int: Set<Int>] = [:]

    /// An empty map.
    public init() {}

    /// Maps `exporter` to an entity (also makes the entity part of its account's totals).
    public mutating func assign(_ exporter: FlowAddress, account: Int, entity: Int) {
        let target = Target(account: account, entity: entity)
        if !(targetsByExporter[exporter]?.contains(target) ?? false) {
            targetsByExporter[exporter, default: []].append(target)
        }
        entitiesByAccount[account, default: []].insert(entity)
    }

    /// Adds an enabled entity whose `details.ipv4` is not a usable address: it still gets its
    /// zero totals.
    public mutating func addEntity(account: Int, entity: Int) {
        entitiesByAccount[account, default: []].insert(entity)
    }

    /// The entities that receive an exporter's flows.
    public func targets(of exporter: FlowAddress) -> [Target] {
        targetsByExporter[exporter] ?? []
    }

    /// The accounts with at least one entity.
    public var accounts: [Int] { entitiesByAccount.keys.sorted() }

    /// The enabled entities of an account, sorted.
    public func entities(inAccount account: Int) -> [Int] {
        (entitiesByAccount[account] ?? []).sorted()
    }

    /// Whether the exporter belongs to any entity.
    public func contains(_ exporter: FlowAddress) -> Bool {
        targetsByExporter[exporter] != nil
    }
}
