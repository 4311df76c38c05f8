/// One flow as exported by a NetFlow v5, v9 or IPFIX exporter, in one shape for all versions.
///
/// Fields the exporter did not send take the values Grafolean's Python bot uses: ports,
/// interfaces and direction 0 (ingress), addresses `0.0.0.0`.
public struct FlowRecord: Hashable, Sendable, Codable {
    /// The address the export datagram came from.
    public var exporter: FlowAddress
    /// NetFlow v9 source ID, IPFIX observation domain, or v5 `engine_type << 8 | engine_id`.
    public var sourceID: UInt32
    /// The export protocol version (5, 9 or 10).
    public var version: UInt16
    /// Flow start, milliseconds since the Unix epoch, when the record carries it.
    public var startMilliseconds: UInt64?
    /// Flow end, milliseconds since the Unix epoch, when the record carries it.
    public var endMilliseconds: UInt64?
    /// Source address (IPv6 field 27 when present, else IPv4 field 8).
    public var sourceAddress: FlowAddress
    /// Destination address (IPv6 field 28 when present, else IPv4 field 12).
    public var destinationAddress: FlowAddress
    /// Transport source port.
    public var sourcePort: UInt16
    /// Transport destination port.
    public var destinationPort: UInt16
    /// IP protocol number (6 TCP, 17 UDP …).
    public var protocolNumber: UInt8
    /// Flow direction (field 61): 0 ingress, 1 egress.
    public var direction: UInt8
    /// Whether the record carried field 61 (``direction`` is 0 otherwise).
    public var hasDirection: Bool
    /// Octets, already multiplied by ``samplingRate``.
    public var bytes: UInt64
    /// Packets, already multiplied by ``samplingRate``.
    public var packets: UInt64
    /// Input interface index (field 10).
    public var inputInterface: UInt32
    /// Output interface index (field 14).
    public var outputInterface: UInt32
    /// The sampling rate applied to ``bytes`` and ``packets`` (1 when unsampled).
    public var samplingRate: UInt32

    /// Creates a record; every field defaults to the value of a field the exporter did not send.
    public init(
        exporter: FlowAddress = .zero,
        sourceID: UInt32 = 0,
        version: UInt16 = 9,
        startMilliseconds: UInt64? = nil,
        endMilliseconds: UInt64? = nil,
        sourceAddress: FlowAddress = .zero,
        destinationAddress: FlowAddress = .zero,
        sourcePort: UInt16 = 0,
        destinationPort: UInt16 = 0,
        protocolNumber: UInt8 = 0,
        direction: UInt8 = 0,
        hasDirection: Bool = false,
        bytes: UInt64 = 0,
        packets: UInt64 = 0,
        inputInterface: UInt32 = 0,
        outputInterface: UInt32 = 0,
        samplingRate: UInt32 = 1
    ) {
        self.exporter = exporter
        self.sourceID = sourceID
        self.version = version
        self.startMilliseconds = startMilliseconds
        self.endMilliseconds = endMilliseconds
        self.sourceAddress = sourceAddress
        self.destinationAddress = destinationAddress
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.protocolNumber = protocolNumber
        self.direction = direction
        self.hasDirection = hasDirection
        self.bytes = bytes
        self.packets = packets
        self.inputInterface = inputInterface
        self.outputInterface = outputInterface
        self.samplingRate = samplingRate
    }
}
