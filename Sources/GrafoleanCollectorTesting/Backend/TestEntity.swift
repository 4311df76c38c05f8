import GrafoleanCollector

/// An entity as the backend holds it (read back with ``GrafoleanTestBackend/entities(account:)``).
public struct TestEntity: Sendable, Hashable {
    /// The entity id.
    public let id: Int
    /// The account it belongs to.
    public let account: Int
    /// The name.
    public let name: String
    /// `"device"` or `"interface"` (free text).
    public let entityType: String
    /// The parent entity id (an interface's device), if any.
    public let parent: Int?
    /// The `details` object, e.g. `{"ipv4": "192.0.2.10"}`.
    public let details: JSONValue
    /// The protocols as the backend lists them (keyed by the protocol of each credential).
    public let protocols: [String: EntityProtocolSettings]
}
