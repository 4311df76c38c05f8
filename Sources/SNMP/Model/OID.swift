/// An SNMP object identifier such as `1.3.6.1.2.1.1.1.0`.
///
/// Ordered lexicographically by sub-identifier, which is the order agents walk the MIB in.
public struct OID: Hashable, Comparable, Sendable {
    /// The most sub-identifiers an OID may have in SNMP (RFC 2578 §3.5).
    public static let maximumArcs = 128

    /// The sub-identifiers, most significant first.
    public let arcs: [UInt32]

    /// Creates an OID from sub-identifiers.
    public init(arcs: [UInt32]) {
        self.arcs = arcs
    }

    /// Parses dotted notation (`1.3.6.1.2.1.1.1.0`, a leading dot is allowed); nil if invalid.
    public init?(parsing string: some StringProtocol) {
        var text = Substring(string)
        if text.hasPrefix(".") { text = text.dropFirst() }
        guard !text.isEmpty else { return nil }
        var arcs: [UInt32] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard let arc = UInt32(part) else { return nil }
            arcs.append(arc)
        }
        guard arcs.count >= 2, arcs.count <= Self.maximumArcs, arcs[0] <= 2, arcs[0] == 2 || arcs[1] < 40 else {
            return nil
        }
        self.arcs = arcs
    }

    /// True if `self` lies strictly below `other` in the tree (for example a column's instance).
    public func isDescendant(of other: OID) -> Bool {
        arcs.count > other.arcs.count && arcs.starts(with: other.arcs)
    }

    /// The sub-identifiers after `prefix` (a table row's index), or nil if `self` is not below it.
    public func index(after prefix: OID) -> [UInt32]? {
        guard isDescendant(of: prefix) else { return nil }
        return Array(arcs.dropFirst(prefix.arcs.count))
    }

    /// This OID with more sub-identifiers appended.
    public func appending(_ more: UInt32...) -> OID {
        OID(arcs: arcs + more)
    }

    /// Lexicographic order by sub-identifier: the order of a MIB walk.
    public static func < (lhs: OID, rhs: OID) -> Bool {
        lhs.arcs.lexicographicallyPrecedes(rhs.arcs)
    }
}

extension OID: CustomStringConvertible {
    /// Dotted notation without a leading dot.
    public var description: String {
        arcs.map(String.init).joined(separator: ".")
    }
}

extension OID: ExpressibleByStringLiteral {
    /// Creates an OID from a literal; an invalid literal is a programming error.
    public init(stringLiteral value: String) {
        guard let oid = OID(parsing: value) else {
            preconditionFailure("invalid OID literal '\(value)'")
        }
        self = oid
    }
}
