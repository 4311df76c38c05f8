/// How a walk steps through a subtree.
public enum SNMPWalkMethod: String, Hashable, Sendable, CaseIterable {
    /// GETBULK requests, many rows each (SNMPv2c and v3; SNMPv1 always uses GETNEXT).
    case getBulk = "getbulk"
    /// One GETNEXT per step: slower, for agents whose GETBULK is broken or too slow.
    case getNext = "getnext"
}
