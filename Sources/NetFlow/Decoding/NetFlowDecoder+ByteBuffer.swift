import NIOCore

extension NetFlowDecoder {
    /// Decodes the readable bytes of a buffer (as received by ``NetFlowListener``) without copying.
    @discardableResult
    public mutating func decode(
        _ datagram: ByteBuffer,
        from exporter: FlowAddress,
        receivedAtMilliseconds now: UInt64,
        into flows: inout [FlowRecord]
    ) -> DecodeResult {
        datagram.withUnsafeReadableBytes { decode($0, from: exporter, receivedAtMilliseconds: now, into: &flows) }
    }

    /// Decodes a datagram delivered by ``NetFlowListener``.
    @discardableResult
    public mutating func decode(_ datagram: NetFlowDatagram, into flows: inout [FlowRecord]) -> DecodeResult {
        decode(datagram.bytes, from: datagram.exporter, receivedAtMilliseconds: datagram.receivedAtMilliseconds, into: &flows)
    }
}
