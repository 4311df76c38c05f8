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

    /// By source, then destination.
    public static func < (lhs: AddressPair, rhs: AddressPair) -> Bool {
        lhs.source != rhs.source ? lhs.source < rhs.source : lhs.destination < rhs.destination
    }
}
