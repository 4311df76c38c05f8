/// One variable binding: an OID and its value.
public struct VarBind: Hashable, Sendable {
    /// The object instance.
    public var oid: OID
    /// Its value (`.null` in requests).
    public var value: SNMPValue

    /// Creates a variable binding.
    public init(oid: OID, value: SNMPValue = .null) {
        self.oid = oid
        self.value = value
    }
}

extension VarBind: CustomStringConvertible {
    /// `OID = value`, as net-snmp's tools print it.
    public var description: String { "\(oid) = \(value)" }
}
