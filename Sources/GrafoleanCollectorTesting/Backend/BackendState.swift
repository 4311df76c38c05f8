/// Everything the fake backend knows: its "database" (accounts, bots, permissions, entities,
/// credentials, sensors, values), the request log and the injected faults.
///
/// A plain value guarded by one mutex in ``BackendCore``; every method here is synchronous and
/// quick, so the lock is never held across a suspension.
struct BackendState {
    struct AccountRecord {
        let id: Int
        var name: String
    }

    struct BotRecord {
        let id: Int
        var name: String
        var protocolName: String?
        var account: Int?
        /// Lower-cased: tokens compare case-insensitively (they are UUIDs in the database).
        var token: String
        var insertTime: Double
        var lastLogin: Double?
    }

    struct PermissionRecord {
        let id: Int
        let bot: Int
        let resourcePrefix: String?
        let methods: [String]?
    }

    struct CredentialRecord {
        let id: Int
        let account: Int
        var name: String
        var protocolName: String
        var details: PyJSON
    }

    struct SensorRecord {
        let id: Int
        let account: Int
        var name: String
        var protocolName: String
        var defaultInterval: Int?
        var details: PyJSON
    }

    /// An entity stored the way the database stores it: the links to credentials, bots and sensors
    /// are separate rows, and the `protocols` object is assembled from them on every read.
    struct EntityRecord {
        let id: Int
        let account: Int
        var name: String
        var entityType: String
        var parent: Int?
        var details: PyJSON
        var credentials: [Int]
        var bots: [Int]
        var sensors: [SensorLink]
    }

    struct SensorLink: Hashable {
        var sensor: Int
        var interval: Int?
    }

    struct ValueWaiter {
        let count: Int
        let account: Int?
        let continuation: CheckedContinuation<Void, any Error>
    }

    var accounts: [Int: AccountRecord] = [:]
    var bots: [Int: BotRecord] = [:]
    var botIDsByToken: [String: Int] = [:]
    var permissions: [Int: PermissionRecord] = [:]
    var permissionIDsByBot: [Int: [Int]] = [:]
    var credentials: [Int: CredentialRecord] = [:]
    var sensors: [Int: SensorRecord] = [:]
    var entities: [Int: EntityRecord] = [:]

    var values: [ReceivedValue] = []
    var valueCounts: [Int: Int] = [:]
    var totalValueCount = 0
    /// When false, accepted values are only counted (long benchmarks need no copies).
    var recordsValues = true
    var waiters: [Int: ValueWaiter] = [:]
    var cancelledWaiters: Set<Int> = []
    var nextWaiterID = 0

    var requestLog = RequestLog(capacity: 100_000)
    var failuresRemaining = 0
    var failureStatus = 500
    var latency: Duration = .zero
    var readiness: GrafoleanTestBackend.Readiness = .ready

    // MARK: Ids

    /// A random positive 31-bit id not yet used in `table`, or `requested` when given.
    func newID<Value>(_ requested: Int?, in table: [Int: Value]) -> Int {
        if let requested { return requested }
        while true {
            let candidate = Int.random(in: 1...Int(Int32.max))
            if table[candidate] == nil { return candidate }
        }
    }

    // MARK: Bots and permissions

    mutating func insertBot(_ bot: BotRecord, permissions newPermissions: [BotPermissions.Permission]) {
        if let old = bots[bot.id] { botIDsByToken[old.token] = nil }
        bots[bot.id] = bot
        botIDsByToken[bot.token] = bot.id
        for permission in newPermissions { _ = insertPermission(permission, bot: bot.id) }
    }

    mutating func insertPermission(_ permission: BotPermissions.Permission, bot: Int) -> Int {
        let id = newID(permission.id, in: permissions)
        permissions[id] = PermissionRecord(id: id, bot: bot, resourcePrefix: permission.resourcePrefix, methods: permission.methods)
        permissionIDsByBot[bot, default: []].append(id)
        return id
    }

    mutating func removePermission(id: Int) -> Bool {
        guard let permission = permissions.removeValue(forKey: id) else { return false }
        permissionIDsByBot[permission.bot]?.removeAll { $0 == id }
        return true
    }

    mutating func removeBot(id: Int) -> Bool {
        guard let bot = bots.removeValue(forKey: id) else { return false }
        botIDsByToken[bot.token] = nil
        for permissionID in permissionIDsByBot.removeValue(forKey: id) ?? [] { permissions[permissionID] = nil }
        return true
    }

    func permissions(of bot: Int) -> [PermissionRecord] {
        (permissionIDsByBot[bot] ?? []).compactMap { permissions[$0] }
    }

    /// The backend's check: a permission whose prefix is null, equals the resource, or is followed
    /// in it by `/` (SQL `resource LIKE prefix || '/%'`), and whose methods are null or hold the
    /// method (HEAD counts as GET).
    func isAccessAllowed(bot: Int, resource: String, method: String) -> Bool {
        let method = method == "HEAD" ? "GET" : method
        return permissions(of: bot).contains { permission in
            let methodMatches = permission.methods.map { $0.contains(method) } ?? true
            guard methodMatches else { return false }
            guard let prefix = permission.resourcePrefix else { return true }
            return prefix == resource || SQLLike.matches(resource, pattern: prefix + "/%")
        }
    }

    /// The accounts `GET /api/accounts/` lists: all of them for a permission on every resource or on
    /// `accounts`, else those named by a permission on `accounts/<id>[/...]` (any method), by name.
    func accountsVisible(to bot: Int) -> [AccountRecord] {
        var everything = false
        var specific: Set<Int> = []
        for permission in permissions(of: bot) {
            guard let prefix = permission.resourcePrefix, prefix != "accounts" else {
                everything = true
                break
            }
            if let id = Self.accountID(inResourcePrefix: prefix) { specific.insert(id) }
        }
        let visible = everything ? Array(accounts.values) : specific.compactMap { accounts[$0] }
        return visible.sorted { Collation.precedes($0.name, $1.name, tieBreak: ($0.id, $1.id)) }
    }

    /// `^accounts/([0-9]+)([/].*)?$`
    static func accountID(inResourcePrefix prefix: String) -> Int? {
        guard prefix.hasPrefix("accounts/") else { return nil }
        let rest = prefix.dropFirst("accounts/".count)
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty else { return nil }
        let tail = rest.dropFirst(digits.count)
        guard tail.isEmpty || (tail.first == "/" && !tail.dropFirst().contains("\n")) else { return nil }
        return Int(digits) ?? Int.max
    }

    /// Records a successful authentication; the backend refreshes "last login" at most every 10 s.
    mutating func noteLogin(bot: Int, at time: Double) {
        guard var record = bots[bot] else { return }
        if let last = record.lastLogin, time - last < 10 { return }
        record.lastLogin = time
        bots[bot] = record
    }

    // MARK: Rendering (the JSON shapes of the backend's answers)

    func botRecordJSON(_ bot: BotRecord, includeConfig: Bool = true) -> PyJSON {
        var object = PyObject()
        object.appendUnique("id", .int(String(bot.id)))
        object.appendUnique("name", .string(bot.name))
        object.appendUnique("protocol", bot.protocolName.map(PyJSON.string) ?? .null)
        object.appendUnique("tied_to_account", bot.account.map { .int(String($0)) } ?? .null)
        if includeConfig { object.appendUnique("config", .null) }
        object.appendUnique("insert_time", .int(String(Int(bot.insertTime.rounded(.down)))))
        object.appendUnique("last_login", bot.lastLogin.map { .int(String(Int($0.rounded(.down)))) } ?? .null)
        return .object(object)
    }

    func permissionsJSON(of bot: Int) -> PyJSON {
        let sorted = permissions(of: bot).sorted { lhs, rhs in
            // ORDER BY resource_prefix, id: NULLs last.
            switch (lhs.resourcePrefix, rhs.resourcePrefix) {
            case (nil, nil): return lhs.id < rhs.id
            case (nil, _): return false
            case (_, nil): return true
            case (let l?, let r?): return l == r ? lhs.id < rhs.id : Collation.precedes(l, r, tieBreak: (lhs.id, rhs.id))
            }
        }
        return .object(PyObject([("list", .array(sorted.map { permission in
            .object(PyObject([
                ("id", .int(String(permission.id))),
                ("resource_prefix", permission.resourcePrefix.map(PyJSON.string) ?? .null),
                ("methods", permission.methods.map { .array($0.map(PyJSON.string)) } ?? .null),
            ]))
        }))]))
    }

    func accountJSON(_ account: AccountRecord) -> PyJSON {
        .object(PyObject([("id", .int(String(account.id))), ("name", .string(account.name))]))
    }

    func credentialJSON(_ credential: CredentialRecord) -> PyJSON {
        .object(PyObject([
            ("id", .int(String(credential.id))),
            ("name", .string(credential.name)),
            ("protocol", .string(credential.protocolName)),
            ("details", credential.details),
        ]))
    }

    func sensorJSON(_ sensor: SensorRecord) -> PyJSON {
        .object(PyObject([
            ("id", .int(String(sensor.id))),
            ("name", .string(sensor.name)),
            ("protocol", .string(sensor.protocolName)),
            ("default_interval", sensor.defaultInterval.map { .int(String($0)) } ?? .null),
            ("details", sensor.details),
        ]))
    }

    /// The `protocols` of an entity as the backend assembles them: one per linked credential (keyed
    /// by its protocol), the linked bot of that protocol, and the linked sensors of that protocol.
    func entityProtocols(_ entity: EntityRecord) -> [(String, EntityProtocolSettings)] {
        var result: [(String, EntityProtocolSettings)] = []
        for credentialID in entity.credentials {
            guard let credential = credentials[credentialID], credential.account == entity.account else { continue }
            let protocolName = credential.protocolName
            let bot = entity.bots.first { bots[$0]?.protocolName == protocolName }
            let settings = EntityProtocolSettings(credential: credentialID, sensors: [], bot: bot)
            if let index = result.firstIndex(where: { $0.0 == protocolName }) {
                result[index].1 = settings
            } else {
                result.append((protocolName, settings))
            }
        }
        for link in entity.sensors {
            guard let sensor = sensors[link.sensor], sensor.account == entity.account,
                let index = result.firstIndex(where: { $0.0 == sensor.protocolName })
            else { continue }
            result[index].1.sensors.append(.init(sensor: link.sensor, interval: link.interval))
        }
        return result
    }

    func entityJSON(_ entity: EntityRecord) -> PyJSON {
        var protocols = PyObject()
        for (name, settings) in entityProtocols(entity) {
            protocols[name] = .object(PyObject([
                ("credential", settings.credential.map { .int(String($0)) } ?? .null),
                ("sensors", .array(settings.sensors.map { assignment in
                    .object(PyObject([
                        ("sensor", .int(String(assignment.sensor))),
                        ("interval", assignment.interval.map { .int(String($0)) } ?? .null),
                    ]))
                })),
                ("bot", settings.bot.map { .int(String($0)) } ?? .null),
            ]))
        }
        return .object(PyObject([
            ("id", .int(String(entity.id))),
            ("name", .string(entity.name)),
            ("entity_type", .string(entity.entityType)),
            ("parent", entity.parent.map { .int(String($0)) } ?? .null),
            ("details", entity.details),
            ("protocols", .object(protocols)),
        ]))
    }

    func testEntity(_ entity: EntityRecord) -> TestEntity {
        TestEntity(
            id: entity.id,
            account: entity.account,
            name: entity.name,
            entityType: entity.entityType,
            parent: entity.parent,
            details: entity.details.jsonValue,
            protocols: Dictionary(entityProtocols(entity), uniquingKeysWith: { _, last in last })
        )
    }

    /// Links for the database from seeding-style protocol settings (sorted by protocol name).
    static func links(from protocols: [String: EntityProtocolSettings]) -> (credentials: [Int], bots: [Int], sensors: [SensorLink]) {
        var credentials: [Int] = []
        var bots: [Int] = []
        var sensors: [SensorLink] = []
        for name in protocols.keys.sorted() {
            let settings = protocols[name]!
            if let credential = settings.credential { credentials.append(credential) }
            if let bot = settings.bot { bots.append(bot) }
            sensors += settings.sensors.map { SensorLink(sensor: $0.sensor, interval: $0.interval) }
        }
        return (credentials, bots, sensors)
    }

    /// Deletes an entity and, as the database's `ON DELETE CASCADE` on `parent` does, its children.
    mutating func removeEntity(id: Int, account: Int) -> Bool {
        guard let entity = entities[id], entity.account == account else { return false }
        entities[id] = nil
        let children = entities.values.filter { $0.parent == id }.map(\.id)
        for child in children { _ = removeEntity(id: child, account: account) }
        return true
    }

    /// Ids of `table` records of `account`, in id order (the backend's lists are `ORDER BY id`).
    static func sortedIDs<Record>(_ table: [Int: Record], account: Int, accountOf: (Record) -> Int) -> [Int] {
        table.filter { accountOf($0.value) == account }.keys.sorted()
    }

    // MARK: Values

    /// Appends accepted values and wakes the waiters whose count is reached.
    mutating func append(_ newValues: [ReceivedValue]) {
        if recordsValues { values.append(contentsOf: newValues) }
        totalValueCount += newValues.count
        if let account = newValues.first?.account, newValues.allSatisfy({ $0.account == account }) {
            valueCounts[account, default: 0] += newValues.count
        } else {
            for value in newValues { valueCounts[value.account, default: 0] += 1 }
        }
        guard !waiters.isEmpty else { return }
        for (id, waiter) in waiters where valueCount(account: waiter.account) >= waiter.count {
            waiters[id] = nil
            waiter.continuation.resume()
        }
    }

    func valueCount(account: Int?) -> Int {
        guard let account else { return totalValueCount }
        return valueCounts[account] ?? 0
    }
}

/// A bounded log of requests (the most recent `capacity`).
struct RequestLog {
    private var storage: [GrafoleanTestBackend.RecordedRequest] = []
    private var start = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func append(_ request: GrafoleanTestBackend.RecordedRequest) {
        if storage.count < capacity {
            storage.append(request)
        } else {
            storage[start] = request
            start = (start + 1) % capacity
        }
    }

    var all: [GrafoleanTestBackend.RecordedRequest] {
        Array(storage[start...] + storage[..<start])
    }

    mutating func removeAll() {
        storage.removeAll()
        start = 0
    }
}

/// SQL `LIKE` with `%`, `_` and the default `\` escape.
enum SQLLike {
    static func matches(_ text: String, pattern: String) -> Bool {
        // Fast path: a prefix without wildcards followed by the final `%`.
        if pattern.hasSuffix("%") {
            let head = pattern.dropLast()
            if !head.contains(where: { $0 == "%" || $0 == "_" || $0 == "\\" }) {
                return text.hasPrefix(head)
            }
        }
        return matches(Array(text), 0, Array(pattern), 0)
    }

    private static func matches(_ text: [Character], _ t: Int, _ pattern: [Character], _ p: Int) -> Bool {
        var t = t
        var p = p
        while p < pattern.count {
            switch pattern[p] {
            case "%":
                while p < pattern.count, pattern[p] == "%" { p += 1 }
                if p == pattern.count { return true }
                for start in t...text.count where matches(text, start, pattern, p) { return true }
                return false
            case "_":
                guard t < text.count else { return false }
                t += 1
                p += 1
            case "\\" where p + 1 < pattern.count:
                guard t < text.count, text[t] == pattern[p + 1] else { return false }
                t += 1
                p += 2
            default:
                guard t < text.count, text[t] == pattern[p] else { return false }
                t += 1
                p += 1
            }
        }
        return t == text.count
    }
}

/// An approximation of PostgreSQL's `en_US.UTF-8` ordering (`ORDER BY name`): letters and digits
/// compared case-insensitively first, punctuation and spaces only to break ties.
enum Collation {
    static func precedes(_ lhs: String, _ rhs: String, tieBreak: (Int, Int)) -> Bool {
        let lhsKey = primaryKey(lhs)
        let rhsKey = primaryKey(rhs)
        if lhsKey != rhsKey { return lhsKey < rhsKey }
        let lhsLower = lhs.lowercased()
        let rhsLower = rhs.lowercased()
        if lhsLower != rhsLower { return lhsLower < rhsLower }
        if lhs != rhs { return rhs < lhs }  // lower case sorts before upper case
        return tieBreak.0 < tieBreak.1
    }

    private static func primaryKey(_ string: String) -> String {
        String(string.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil })
    }
}
