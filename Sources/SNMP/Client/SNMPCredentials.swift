/// Protocol version and credentials for one agent.
public enum SNMPCredentials: Hashable, Sendable {
    /// SNMPv1 with a community string (no GETBULK, no Counter64).
    case v1(community: String)
    /// SNMPv2c with a community string.
    case v2c(community: String)
    /// SNMPv3 with a USM user.
    case v3(SNMPv3User)

    /// `v1`, `v2c` or `v3`.
    public var versionName: String {
        switch self {
        case .v1: "v1"
        case .v2c: "v2c"
        case .v3: "v3"
        }
    }
}
