import Foundation
import GrafoleanCollector

/// Seeding and reading back the backend's configuration (what a person would do in the web UI).
///
/// Ids are random positive 31-bit integers, as in Grafolean, unless given; a given id replaces a
/// record that already has it. Seeding does not check references (a test may build states the
/// UI would refuse); answers are assembled from the records as the backend's database does.
extension GrafoleanTestBackend {
    // MARK: Accounts

    /// Adds an account (without the default credentials and sensors; see ``addAccountDefaults(account:)``).
    @discardableResult
    public func addAccount(name: String, id: Int? = nil) async -> Int {
        core.state.withLock { state in
            let id = state.newID(id, in: state.accounts)
            state.accounts[id] = .init(id: id, name: name)
            return id
        }
    }

    /// Removes an account with its entities, credentials and sensors (bots stay).
    @discardableResult
    public func removeAccount(id: Int) async -> Bool {
        core.state.withLock { state in
            guard state.accounts.removeValue(forKey: id) != nil else { return false }
            state.entities = state.entities.filter { $0.value.account != id }
            state.credentials = state.credentials.filter { $0.value.account != id }
            state.sensors = state.sensors.filter { $0.value.account != id }
            return true
        }
    }

    // MARK: Bots and permissions

    /// Adds a bot.
    ///
    /// - Parameters:
    ///   - protocol: Free text (`"ping"`, `"snmp"`); may be nil.
    ///   - account: The account the bot is tied to; nil for a systemwide bot.
    ///   - permissions: Its permissions; the default is what the web UI grants an account bot.
    ///   - token: Its token (a UUID, compared case-insensitively); random when nil.
    ///   - insertTime: Its creation time; the backend's clock when nil.
    @discardableResult
    public func addBot(
        name: String,
        protocol protocolName: String?,
        account: Int?,
        permissions: BotPermissions = .accountDefaults,
        token: String? = nil,
        id: Int? = nil,
        insertTime: Date? = nil
    ) async -> TestBot {
        let insertTime = (insertTime ?? core.now()).timeIntervalSince1970
        return core.state.withLock { state in
            let id = state.newID(id, in: state.bots)
            let token = (token ?? UUID().uuidString).lowercased()
            let record = BackendState.BotRecord(
                id: id, name: name, protocolName: protocolName, account: account, token: token,
                insertTime: insertTime, lastLogin: nil
            )
            if state.bots[id] != nil { _ = state.removeBot(id: id) }
            state.insertBot(record, permissions: permissions.resolved(account: account))
            return TestBot(id: id, token: token)
        }
    }

    /// Removes a bot and its permissions; its token stops working.
    @discardableResult
    public func removeBot(id: Int) async -> Bool {
        core.state.withLock { $0.removeBot(id: id) }
    }

    /// Grants a bot one more permission (what `POST /api/bots/<id>/permissions` does); returns its id.
    @discardableResult
    public func grantPermission(bot: Int, _ permission: BotPermissions.Permission) async -> Int {
        core.state.withLock { $0.insertPermission(permission, bot: bot) }
    }

    /// Revokes one permission by id.
    @discardableResult
    public func revokePermission(id: Int) async -> Bool {
        core.state.withLock { $0.removePermission(id: id) }
    }

    // MARK: Credentials

    /// Adds a credential; its `details` keys are stored sorted (the web UI's order is not known).
    @discardableResult
    public func addCredential(account: Int, name: String, protocol protocolName: String, details: JSONValue, id: Int? = nil) async -> Int {
        addCredential(account: account, name: name, protocolName: protocolName, details: PyJSON(details), id: id)
    }

    func addCredential(account: Int, name: String, protocolName: String, details: PyJSON, id: Int? = nil) -> Int {
        core.state.withLock { state in
            let id = state.newID(id, in: state.credentials)
            state.credentials[id] = .init(id: id, account: account, name: name, protocolName: protocolName, details: details)
            return id
        }
    }

    /// Changes a credential's name and/or details; false if it does not exist in `account`.
    @discardableResult
    public func updateCredential(account: Int, id: Int, name: String? = nil, details: JSONValue? = nil) async -> Bool {
        core.state.withLock { state in
            guard var record = state.credentials[id], record.account == account else { return false }
            if let name { record.name = name }
            if let details { record.details = PyJSON(details) }
            state.credentials[id] = record
            return true
        }
    }

    /// Removes a credential (entities then no longer list the protocol it served).
    @discardableResult
    public func removeCredential(account: Int, id: Int) async -> Bool {
        core.state.withLock { state in
            guard state.credentials[id]?.account == account else { return false }
            state.credentials[id] = nil
            return true
        }
    }

    /// The account's credentials in id order.
    public func credentials(account: Int) async -> [TestCredential] {
        core.state.withLock { state in
            BackendState.sortedIDs(state.credentials, account: account, accountOf: \.account).map { id in
                let record = state.credentials[id]!
                return TestCredential(
                    id: id, account: account, name: record.name, protocol: record.protocolName, details: record.details.jsonValue
                )
            }
        }
    }

    // MARK: Sensors

    /// Adds a sensor; its `details` keys are stored sorted.
    @discardableResult
    public func addSensor(
        account: Int, name: String, protocol protocolName: String, defaultInterval: Int?, details: JSONValue, id: Int? = nil
    ) async -> Int {
        addSensor(account: account, name: name, protocolName: protocolName, defaultInterval: defaultInterval, details: PyJSON(details), id: id)
    }

    func addSensor(account: Int, name: String, protocolName: String, defaultInterval: Int?, details: PyJSON, id: Int? = nil) -> Int {
        core.state.withLock { state in
            let id = state.newID(id, in: state.sensors)
            state.sensors[id] = .init(
                id: id, account: account, name: name, protocolName: protocolName, defaultInterval: defaultInterval, details: details
            )
            return id
        }
    }

    /// Changes a sensor's default interval (nil: non-periodic); false if it does not exist in `account`.
    @discardableResult
    public func updateSensor(account: Int, id: Int, defaultInterval: Int?) async -> Bool {
        core.state.withLock { state in
            guard var record = state.sensors[id], record.account == account else { return false }
            record.defaultInterval = defaultInterval
            state.sensors[id] = record
            return true
        }
    }

    /// Changes a sensor's name and/or details; false if it does not exist in `account`.
    @discardableResult
    public func updateSensor(account: Int, id: Int, name: String? = nil, details: JSONValue? = nil) async -> Bool {
        core.state.withLock { state in
            guard var record = state.sensors[id], record.account == account else { return false }
            if let name { record.name = name }
            if let details { record.details = PyJSON(details) }
            state.sensors[id] = record
            return true
        }
    }

    /// Removes a sensor (entities then no longer list it).
    @discardableResult
    public func removeSensor(account: Int, id: Int) async -> Bool {
        core.state.withLock { state in
            guard state.sensors[id]?.account == account else { return false }
            state.sensors[id] = nil
            return true
        }
    }

    /// The account's sensors in id order.
    public func sensors(account: Int) async -> [TestSensor] {
        core.state.withLock { state in
            BackendState.sortedIDs(state.sensors, account: account, accountOf: \.account).map { id in
                let record = state.sensors[id]!
                return TestSensor(
                    id: id, account: account, name: record.name, protocol: record.protocolName,
                    defaultInterval: record.defaultInterval, details: record.details.jsonValue
                )
            }
        }
    }

    // MARK: Entities

    /// Adds an entity.
    ///
    /// - Parameters:
    ///   - type: `"device"` (polled by collectors) or `"interface"` (a child the SNMP bot manages).
    ///   - parent: The parent entity (an interface's device).
    ///   - details: For a device `{"ipv4": "192.0.2.10"}`; keys are stored sorted.
    ///   - protocols: The protocols by name; the backend lists a protocol only when its credential
    ///     exists in the account and has that protocol.
    @discardableResult
    public func addEntity(
        account: Int,
        name: String,
        type: String = "device",
        parent: Int? = nil,
        details: JSONValue,
        protocols: [String: EntityProtocolSettings] = [:],
        id: Int? = nil
    ) async -> Int {
        core.state.withLock { state in
            let id = state.newID(id, in: state.entities)
            let links = BackendState.links(from: protocols)
            state.entities[id] = .init(
                id: id, account: account, name: name, entityType: type, parent: parent, details: PyJSON(details),
                credentials: links.credentials, bots: links.bots, sensors: links.sensors
            )
            return id
        }
    }

    /// Changes an entity; nil arguments leave a field as it is (`parent: .some(nil)` clears the parent).
    @discardableResult
    public func updateEntity(
        account: Int,
        id: Int,
        name: String? = nil,
        type: String? = nil,
        parent: Int?? = nil,
        details: JSONValue? = nil,
        protocols: [String: EntityProtocolSettings]? = nil
    ) async -> Bool {
        core.state.withLock { state in
            guard var record = state.entities[id], record.account == account else { return false }
            if let name { record.name = name }
            if let type { record.entityType = type }
            if let parent { record.parent = parent }
            if let details { record.details = PyJSON(details) }
            if let protocols {
                let links = BackendState.links(from: protocols)
                record.credentials = links.credentials
                record.bots = links.bots
                record.sensors = links.sensors
            }
            state.entities[id] = record
            return true
        }
    }

    /// Removes an entity and its children.
    @discardableResult
    public func removeEntity(account: Int, id: Int) async -> Bool {
        core.state.withLock { $0.removeEntity(id: id, account: account) }
    }

    /// The account's entities in id order, as the backend would list them (for example the
    /// interface entities an SNMP bot created).
    public func entities(account: Int) async -> [TestEntity] {
        core.state.withLock { state in
            BackendState.sortedIDs(state.entities, account: account, accountOf: \.account).map { state.testEntity(state.entities[$0]!) }
        }
    }
}
