import NIOCore

/// One export datagram as received: who sent it, its bytes and when.
public struct NetFlowDatagram: Sendable {
    /// The sender's address (the exporter; IPv4-mapped IPv6 senders become IPv4).
    public var exporter: FlowAddress
    /// The sender's UDP port.
    public var exporterPort: Int
    /// The datagram, up to 65,535 bytes.
    public var bytes: ByteBuffer
    /// Receive time, Unix milliseconds (wall clock).
    public var receivedAtMilliseconds: UInt64

    /// Creates a datagram.
    public init(exporter: FlowAddress, exporterPort: Int = 0, bytes: ByteBuffer, receivedAtMilliseconds: UInt64) {
        self.exporter = exporter
        self.exporterPort = exporterPort
        self.bytes = bytes
        self.receivedAtMilliseconds = receivedAtMilliseconds
    }
}
