/// A minimal BER (definite-length, DER-style minimal) encoder that appends to a byte array.
struct BERWriter {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(128)
    }

    /// Appends a complete element with the given tag and contents.
    mutating func write(tag: UInt8, contents: some Collection<UInt8>) {
        bytes.append(tag)
        writeLength(contents.count)
        bytes.append(contentsOf: contents)
    }

    /// Appends an element that is already encoded.
    mutating func append(encoded: [UInt8]) {
        bytes.append(contentsOf: encoded)
    }

    /// Appends a constructed element whose contents are produced by `body`.
    mutating func writeConstructed(tag: UInt8, _ body: (inout BERWriter) throws(SNMPError) -> Void) throws(SNMPError) {
        var inner = BERWriter()
        try body(&inner)
        write(tag: tag, contents: inner.bytes)
    }

    mutating func writeSequence(_ body: (inout BERWriter) throws(SNMPError) -> Void) throws(SNMPError) {
        try writeConstructed(tag: BERTag.sequence, body)
    }

    mutating func writeInteger(_ value: Int64, tag: UInt8 = BERTag.integer) {
        var octets: [UInt8] = []
        var remaining = value
        repeat {
            octets.append(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        } while !(remaining == 0 && octets[octets.count - 1] & 0x80 == 0)
            && !(remaining == -1 && octets[octets.count - 1] & 0x80 != 0)
        write(tag: tag, contents: octets.reversed())
    }

    /// Unsigned application types: a leading zero octet keeps the top bit clear.
    mutating func writeUnsigned(_ value: UInt64, tag: UInt8) {
        var octets: [UInt8] = []
        var remaining = value
        repeat {
            octets.append(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        } while remaining != 0
        if octets[octets.count - 1] & 0x80 != 0 {
            octets.append(0)
        }
        write(tag: tag, contents: octets.reversed())
    }

    mutating func writeOctetString(_ value: some Collection<UInt8>, tag: UInt8 = BERTag.octetString) {
        write(tag: tag, contents: value)
    }

    mutating func writeNull(tag: UInt8 = BERTag.null) {
        write(tag: tag, contents: EmptyCollection())
    }

    mutating func writeObjectIdentifier(_ oid: OID) {
        var contents: [UInt8] = []
        let arcs = oid.arcs
        let first = arcs.first ?? 0
        let second = arcs.count > 1 ? arcs[1] : 0
        Self.appendBase128(UInt64(min(first, 2)) * 40 + UInt64(second), to: &contents)
        for arc in arcs.dropFirst(2) {
            Self.appendBase128(UInt64(arc), to: &contents)
        }
        write(tag: BERTag.objectIdentifier, contents: contents)
    }

    private static func appendBase128(_ value: UInt64, to contents: inout [UInt8]) {
        var groups: [UInt8] = [UInt8(value & 0x7F)]
        var remaining = value >> 7
        while remaining != 0 {
            groups.append(UInt8(remaining & 0x7F) | 0x80)
            remaining >>= 7
        }
        contents.append(contentsOf: groups.reversed())
    }

    private mutating func writeLength(_ length: Int) {
        if length < 0x80 {
            bytes.append(UInt8(length))
        } else {
            var octets: [UInt8] = []
            var remaining = length
            while remaining > 0 {
                octets.append(UInt8(truncatingIfNeeded: remaining))
                remaining >>= 8
            }
            bytes.append(0x80 | UInt8(octets.count))
            bytes.append(contentsOf: octets.reversed())
        }
    }
}
