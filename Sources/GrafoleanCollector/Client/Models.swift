/// What `GET /api/status/info` says about the backend.
public struct BackendStatus: Sendable, Hashable, Decodable {
    /// The backend process is up.
    public var alive: Bool
    /// The database schema must be migrated before the backend can serve.
    public var dbMigrationNeeded: Bool
    /// At least one person's account exists (the backend has been set up).
    public var userExists: Bool?
    /// The database schema version.
    public var dbVersion: Int?

    /// Whether a bot can use the backend: alive and migrated.
    public var isReady: Bool { alive && !dbMigrationNeeded }

    enum CodingKeys: String, CodingKey {
        case alive
        case dbMigrationNeeded = "db_migration_needed"
        case userExists = "user_exists"
        case dbVersion = "db_version"
    }
}

/// Who the bot is, from `GET /api/profile/`.
public struct BotProfile: Sendable, Hashable, Decodable {
    /// The bot's user id: entities name it in `protocols.<p>.bot`.
    public var userID: Int
    /// `bot` for bots.
    public var userType: String
    /// The bot's name in Grafolean.
    public var name: String?
    /// The protocol the bot was created for in Grafolean (free text; may be empty).
    public var `protocol`: String?
    /// The account the bot belongs to; `nil` for a systemwide bot.
    public var tiedToAccount: Int?

    /// Whether the bot is systemwide (not tied to one account).
    public var isSystemwide: Bool { tiedToAccount == nil }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case userType = "user_type"
        case record
    }
    enum RecordKeys: String, CodingKey {
        case name, `protocol`
        case tiedToAccount = "tied_to_account"
    }

    /// Creates a profile.
    public init(userID: Int, userType: String = "bot", name: String? = nil, protocol: String? = nil, tiedToAccount: Int? = nil) {
        self.userID = userID
        self.userType = userType
        self.name = name
        self.protocol = `protocol`
        self.tiedToAccount = tiedToAccount
    }

    /// Decodes the backend's profile answer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userID = try container.decode(Int.self, forKey: .userID)
        userType = try container.decode(String.self, forKey: .userType)
        if container.contains(.record), try !container.decodeNil(forKey: .record) {
            let record = try container.nestedContainer(keyedBy: RecordKeys.self, forKey: .record)
            name = try record.decodeIfPresent(String.self, forKey: .name)
            `protocol` = try record.decodeIfPresent(String.self, forKey: .protocol)
            tiedToAccount = try record.decodeIfPresent(Int.self, forKey: .tiedToAccount)
        }
    }
}

/// One permission of the bot, from `GET /api/profile/permissions`.
public struct Permission: Sendable, Hashable, Decodable {
    /// The permission's id.
    public var id: Int
    /// The resource prefix it covers (`accounts/1/values`); `nil` covers everything.
    public var resourcePrefix: String?
    /// The HTTP methods it allows; `nil` allows every method.
    public var methods: [String]?

    enum CodingKeys: String, CodingKey {
        case id
        case resourcePrefix = "resource_prefix"
        case methods
    }

    /// Whether this permission allows `method` on `resource` (for example `GET`, `accounts/1/entities`).
    public func allows(_ method: String, on resource: String) -> Bool {
        if let methods, !methods.contains(method) { return false }
        guard let prefix = resourcePrefix else { return true }
        return resource == prefix || resource.hasPrefix(prefix + "/")
    }
}

/// An account the bot can reach.
public struct Account: Sendable, Hashable, Decodable {
    /// The account id.
    public var id: Int
    /// The account's name.
    public var name: String
}

/// An entity (a device, or an interface of one) as the backend lists it.
public struct Entity: Sendable, Hashable, Decodable {
    /// The entity id.
    public var id: Int
    /// The entity's name.
    public var name: String
    /// `device` or `interface`.
    public var entityType: String
    /// The parent device of an interface.
    public var parent: Int?
    /// Free JSON; for a device `{"ipv4": "192.0.2.10"}`.
    public var details: JSONValue
    /// The protocols enabled on the entity, by protocol name.
    public var protocols: [String: EntityProtocol]

    enum CodingKeys: String, CodingKey {
        case id, name, parent, details, protocols
        case entityType = "entity_type"
    }

    /// Decodes an entity; missing `details` or `protocols` count as empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        entityType = try container.decode(String.self, forKey: .entityType)
        parent = try container.decodeIfPresent(Int.self, forKey: .parent)
        details = try container.decodeIfPresent(JSONValue.self, forKey: .details) ?? .object([:])
        protocols = try container.decodeIfPresent([String: EntityProtocol].self, forKey: .protocols) ?? [:]
    }

    /// Creates an entity.
    public init(id: Int, name: String, entityType: String, parent: Int?, details: JSONValue, protocols: [String: EntityProtocol]) {
        self.id = id
        self.name = name
        self.entityType = entityType
        self.parent = parent
        self.details = details
        self.protocols = protocols
    }
}

/// How one protocol is set up on an entity.
public struct EntityProtocol: Sendable, Hashable, Decodable {
    /// The credential to use.
    public var credential: Int?
    /// The bot (user id) that must poll this entity; `nil` means any bot of the protocol.
    public var bot: Int?
    /// The sensors, each with the entity's own interval override.
    public var sensors: [SensorAssignment]

    /// A sensor enabled on an entity.
    public struct SensorAssignment: Sendable, Hashable, Decodable {
        /// The sensor id.
        public var sensor: Int
        /// The entity's interval for this sensor; `nil` means the sensor's default.
        public var interval: Int?
    }

    enum CodingKeys: String, CodingKey { case credential, bot, sensors }

    /// Decodes the settings; ids sent as strings are accepted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        credential = try container.decodeIfPresent(LenientInt.self, forKey: .credential)?.value
        bot = try container.decodeIfPresent(LenientInt.self, forKey: .bot)?.value
        sensors = try container.decodeIfPresent([SensorAssignment].self, forKey: .sensors) ?? []
    }
}

/// A credential: protocol-specific settings such as an SNMP community.
public struct Credential: Sendable, Hashable, Decodable {
    /// The credential id.
    public var id: Int
    /// The credential's name.
    public var name: String
    /// The protocol it is for.
    public var `protocol`: String
    /// Free JSON whose keys depend on the protocol.
    public var details: JSONValue
}

/// A sensor: what to measure and how often by default.
public struct Sensor: Sendable, Hashable, Decodable {
    /// The sensor id.
    public var id: Int
    /// The sensor's name.
    public var name: String
    /// The protocol it is for.
    public var `protocol`: String
    /// The default interval in seconds; `nil` for sensors that are not polled periodically.
    public var defaultInterval: Int?
    /// Free JSON whose keys depend on the protocol.
    public var details: JSONValue

    enum CodingKeys: String, CodingKey {
        case id, name, `protocol`, details
        case defaultInterval = "default_interval"
    }
}

/// The `{"list": [...]}` wrapper of the backend's list endpoints.
struct ListResponse<Element: Decodable>: Decodable {
    var list: [Element]
}

/// An integer that may arrive as a JSON number or a numeric string.
struct LenientInt: Decodable {
    var value: Int
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let int = try? container.decode(Int.self) {
            value = int
        } else if let string = try? container.decode(String.self), let int = Int(string.trimmingWhitespace()) {
            value = int
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an integer id")
        }
    }
}
