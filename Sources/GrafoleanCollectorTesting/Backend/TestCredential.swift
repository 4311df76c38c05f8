import GrafoleanCollector

/// A credential as the backend holds it.
public struct TestCredential: Sendable, Hashable {
    /// The credential id.
    public let id: Int
    /// The account it belongs to.
    public let account: Int
    /// The name.
    public let name: String
    /// The protocol (`"ping"`, `"snmp"`, ...).
    public let `protocol`: String
    /// The `details` object.
    public let details: JSONValue
}
