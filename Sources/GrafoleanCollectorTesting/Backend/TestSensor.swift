import GrafoleanCollector

/// A sensor as the backend holds it.
public struct TestSensor: Sendable, Hashable {
    /// The sensor id.
    public let id: Int
    /// The account it belongs to.
    public let account: Int
    /// The name.
    public let name: String
    /// The protocol (`"ping"`, `"snmp"`, ...).
    public let `protocol`: String
    /// The default interval in seconds (nil for non-periodic sensors).
    public let defaultInterval: Int?
    /// The `details` object.
    public let details: JSONValue
}
