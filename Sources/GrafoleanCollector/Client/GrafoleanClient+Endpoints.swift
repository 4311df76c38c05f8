import Foundation
import Logging
import NIOCore

extension GrafoleanClient {
    /// `GET /api/status/info`: whether the backend is alive and migrated (no token needed).
    ///
    /// A 500 (the backend's database is down) is reported as ``GrafoleanError/Code/backendNotReady``.
    public func status() async throws -> BackendStatus {
        do {
            return try await get("/status/info", as: BackendStatus.self, authenticated: false)
        } catch let error as GrafoleanError where error.code == .serverError {
            throw GrafoleanError(
                code: .backendNotReady,
                message: "the backend answers but is not ready (its database may be down): \(error.message)",
                endpoint: error.endpoint, status: error.status)
        }
    }

    /// `GET /api/profile/`: who this bot is. A 401 means the token is wrong.
    public func profile() async throws -> BotProfile {
        try await get("/profile/", as: BotProfile.self)
    }

    /// `GET /api/profile/permissions`: what this bot may do.
    public func permissions() async throws -> [Permission] {
        try await get("/profile/permissions", as: ListResponse<Permission>.self).list
    }

    /// `GET /api/accounts/`: the accounts this bot can reach (empty when it has no permissions).
    public func accounts() async throws -> [Account] {
        try await get("/accounts/", as: ListResponse<Account>.self).list
    }

    /// `GET /api/accounts/<A>/entities/`: every entity of an account, protocols included.
    public func entities(account: Int) async throws -> [Entity] {
        try await get("/accounts/\(account)/entities/", as: ListResponse<Entity>.self).list
    }

    /// `GET /api/accounts/<A>/entities/<E>`.
    public func entity(account: Int, id: Int) async throws -> Entity {
        try await get("/accounts/\(account)/entities/\(id)", as: Entity.self)
    }

    /// `GET /api/accounts/<A>/credentials/`: every credential of an account, details included.
    public func credentials(account: Int) async throws -> [Credential] {
        try await get("/accounts/\(account)/credentials/", as: ListResponse<Credential>.self).list
    }

    /// `GET /api/accounts/<A>/credentials/<C>`.
    public func credential(account: Int, id: Int) async throws -> Credential {
        try await get("/accounts/\(account)/credentials/\(id)", as: Credential.self)
    }

    /// `GET /api/accounts/<A>/sensors/`: every sensor of an account, details included.
    public func sensors(account: Int) async throws -> [Sensor] {
        try await get("/accounts/\(account)/sensors/", as: ListResponse<Sensor>.self).list
    }

    /// `GET /api/accounts/<A>/sensors/<S>`.
    public func sensor(account: Int, id: Int) async throws -> Sensor {
        try await get("/accounts/\(account)/sensors/\(id)", as: Sensor.self)
    }

    /// `POST /api/accounts/<A>/entities/`: creates an entity and returns its id.
    ///
    /// Needs a permission that bots made in the web UI do not have.
    public func createEntity(account: Int, _ entity: NewEntity) async throws -> Int {
        let body = try ByteBuffer(data: JSONEncoder().encode(entity))
        let answer = try await request(.POST, "/accounts/\(account)/entities/", body: body)
        struct Created: Decodable { var id: Int }
        return try decode(Created.self, from: answer.body, endpoint: answer.endpoint).id
    }

    /// `PUT /api/accounts/<A>/entities/<E>`: replaces an entity's name, type, parent, details and protocols.
    public func updateEntity(account: Int, id: Int, _ entity: NewEntity) async throws {
        let body = try ByteBuffer(data: JSONEncoder().encode(entity))
        _ = try await request(.PUT, "/accounts/\(account)/entities/\(id)", body: body)
    }

    /// `DELETE /api/accounts/<A>/entities/<E>`.
    public func deleteEntity(account: Int, id: Int) async throws {
        _ = try await request(.DELETE, "/accounts/\(account)/entities/\(id)")
    }

    /// Polls `GET /api/status/info` until the backend is alive and migrated, then returns its status.
    ///
    /// Waits with exponential backoff from `initialDelay` up to `maximumDelay`, logging each wait.
    /// Returns when ready; throws `CancellationError` when the task is cancelled.
    public func waitUntilReady(
        initialDelay: Duration = .seconds(1),
        maximumDelay: Duration = .seconds(10),
        clock: any CollectorClock = SystemClock()
    ) async throws -> BackendStatus {
        var delay = initialDelay
        var attempt = 0
        while true {
            try Task.checkCancellation()
            attempt += 1
            do {
                let status = try await self.status()
                if status.isReady {
                    if attempt > 1 { logger.info("backend is ready", metadata: ["backend": "\(baseURL)"]) }
                    return status
                }
                logger.notice(
                    "backend is up but not ready (database migration needed); waiting",
                    metadata: ["backend": "\(baseURL)", "retry_in": "\(delay)"])
            } catch let error as GrafoleanError {
                logger.notice(
                    "backend not ready yet; waiting",
                    metadata: ["backend": "\(baseURL)", "reason": "\(error.message)", "retry_in": "\(delay)"])
            }
            try await clock.sleep(seconds: delay.inSeconds)
            delay = min(delay * 2, maximumDelay)
        }
    }
}

/// An entity to create or replace.
public struct NewEntity: Sendable, Hashable, Encodable {
    /// The entity's name.
    public var name: String
    /// `device` or `interface`.
    public var entityType: String
    /// The parent device of an interface.
    public var parent: Int?
    /// Free JSON details.
    public var details: JSONValue
    /// Protocol settings; empty for interfaces.
    public var protocols: [String: JSONValue]

    /// Creates an entity description.
    public init(name: String, entityType: String, parent: Int? = nil, details: JSONValue, protocols: [String: JSONValue] = [:]) {
        self.name = name
        self.entityType = entityType
        self.parent = parent
        self.details = details
        self.protocols = protocols
    }

    enum CodingKeys: String, CodingKey {
        case name, parent, details, protocols
        case entityType = "entity_type"
    }

    /// Encodes the entity as the backend expects it (`parent` always present).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(entityType, forKey: .entityType)
        try container.encode(parent, forKey: .parent)
        try container.encode(details, forKey: .details)
        try container.encode(protocols, forKey: .protocols)
    }
}
