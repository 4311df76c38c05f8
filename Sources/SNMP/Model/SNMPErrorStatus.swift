/// The error-status field of a response PDU (RFC 3416 §3).
public struct SNMPErrorStatus: Hashable, Sendable, CustomStringConvertible {
    /// The raw value as sent by the agent.
    public let rawValue: Int64

    /// Wraps a raw error-status value.
    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// No error.
    public static let noError = SNMPErrorStatus(rawValue: 0)
    /// The response would not fit in one message.
    public static let tooBig = SNMPErrorStatus(rawValue: 1)
    /// SNMPv1: an OID does not exist (or GETNEXT ran off the end of the MIB).
    public static let noSuchName = SNMPErrorStatus(rawValue: 2)
    /// A generic failure inside the agent.
    public static let genErr = SNMPErrorStatus(rawValue: 5)
    /// The object is not accessible to this community/user.
    public static let noAccess = SNMPErrorStatus(rawValue: 6)

    private static let names = [
        "noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr", "noAccess", "wrongType",
        "wrongLength", "wrongEncoding", "wrongValue", "noCreation", "inconsistentValue",
        "resourceUnavailable", "commitFailed", "undoFailed", "authorizationError", "notWritable",
        "inconsistentName",
    ]

    /// The RFC 3416 name, e.g. `noSuchName(2)`.
    public var description: String {
        if rawValue >= 0, rawValue < Self.names.count {
            return "\(Self.names[Int(rawValue)])(\(rawValue))"
        }
        return "unknown error-status \(rawValue)"
    }
}
