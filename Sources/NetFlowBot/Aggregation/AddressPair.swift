import NetFlow

/// A (source, destination) address pair, for `topconn`.
public struct AddressPair: Hashable, Comparable, Sendable, Codable {
    /// Source address.
    public var source: FlowAddress
    /// Destination address.
    public var destination: FlowAddress

    /// A pair.
    public init(source: FlowAddress, destination: FlowAddress) {
        self.source = source
        self.destination = destination
    }

    /// Two IPv4 addresses hash as one word (this is hashed for every flow).
    public func hash(into hasher: inout Hasher) {
        if !source.isIPv6 && !destination.isIPv6 {
            hasher.combine(source.low << 32 | destination.low)
        } else {
            hasher.combine(source)
            hasher.combine(destination)
        }
    }

    /// By source, then destination.
    public static func < (lhs: AddressPair, rhs: AddressPair) -> Bool {
        lhs.source != rhs.source ? lhs.source < rhs.source : lhs.destination < rhs.destination
    }
}
