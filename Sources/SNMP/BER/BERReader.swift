/// A bounds-checked, lenient BER reader over a byte array.
///
/// Lenient where real agents deviate from DER (long-form and non-minimal lengths, non-minimal
/// integers, unsigned values with the top bit set), strict where input could exhaust resources:
/// definite lengths only, every length must fit inside its parent, nesting depth is limited.
struct BERReader {
    /// Deepest nesting accepted; a v3 message with an encrypted scoped PDU needs about 8.
    static let maximumDepth = 16

    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int
    let depth: Int

    init(_ bytes: [UInt8]) {
        self.init(bytes: bytes, range: bytes.startIndex..<bytes.endIndex, depth: 0)
    }

    private init(bytes: [UInt8], range: Range<Int>, depth: Int) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.depth = depth
    }

    /// True when every byte of this reader's range has been consumed.
    var isAtEnd: Bool { position >= end }

    /// Reads one tag-length-value element and returns its tag and the range of its contents.
    mutating func readElement() throws(SNMPError) -> (tag: UInt8, contents: Range<Int>) {
        guard position < end else {
            throw .malformed("expected an element at offset \(position), found end of data")
        }
        let tag = bytes[position]
        if tag & 0x1F == 0x1F {
            throw .malformed("multi-octet tag 0x\(hex(tag)) at offset \(position) is not used by SNMP")
        }
        var index = position + 1
        guard index < end else {
            throw .malformed("missing length after tag 0x\(hex(tag)) at offset \(position)")
        }
        let first = bytes[index]
        index += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else if first == 0x80 {
            throw .malformed("indefinite length at offset \(index - 1) is not allowed in SNMP")
        } else {
            let count = Int(first & 0x7F)
            guard count <= 4 else {
                throw .malformed("length of \(count) octets at offset \(index - 1) is too long")
            }
            guard index + count <= end else {
                throw .malformed("truncated length at offset \(index - 1)")
            }
            for _ in 0..<count {
                length = (length << 8) | Int(bytes[index])
                index += 1
            }
        }
        guard length <= end - index else {
            throw .malformed(
                "length \(length) of element 0x\(hex(tag)) at offset \(position) exceeds the \(end - index) remaining bytes"
            )
        }
        position = index + length
        return (tag, index..<(index + length))
    }

    /// Reads one element and checks its tag.
    mutating func readElement(tag expected: UInt8, _ what: @autoclosure () -> String) throws(SNMPError) -> Range<Int> {
        let start = position
        let (tag, contents) = try readElement()
        guard tag == expected else {
            throw .malformed("expected \(what()) (tag 0x\(hex(expected))) at offset \(start), found tag 0x\(hex(tag))")
        }
        return contents
    }

    /// Reads a constructed element with the given tag and returns a reader for its contents.
    mutating func readConstructed(tag: UInt8, _ what: @autoclosure () -> String) throws(SNMPError) -> BERReader {
        let contents = try readElement(tag: tag, what())
        return try child(contents)
    }

    /// A reader for a nested range, one level deeper.
    func child(_ range: Range<Int>) throws(SNMPError) -> BERReader {
        guard depth < Self.maximumDepth else {
            throw .malformed("nesting deeper than \(Self.maximumDepth) levels at offset \(range.lowerBound)")
        }
        return BERReader(bytes: bytes, range: range, depth: depth + 1)
    }

    mutating func readInteger(_ what: @autoclosure () -> String) throws(SNMPError) -> Int64 {
        let contents = try readElement(tag: BERTag.integer, what())
        return try Self.signedInteger(bytes[contents], what())
    }

    mutating func readOctetString(_ what: @autoclosure () -> String) throws(SNMPError) -> [UInt8] {
        Array(bytes[try readElement(tag: BERTag.octetString, what())])
    }

    mutating func readObjectIdentifier(_ what: @autoclosure () -> String) throws(SNMPError) -> OID {
        try Self.objectIdentifier(bytes[try readElement(tag: BERTag.objectIdentifier, what())])
    }

    // MARK: - Primitive contents

    /// Decodes a two's-complement integer, accepting redundant leading 0x00/0xFF octets.
    static func signedInteger(_ contents: ArraySlice<UInt8>, _ what: @autoclosure () -> String) throws(SNMPError) -> Int64 {
        guard let first = contents.first else {
            throw .malformed("\(what()) is an INTEGER with no content octets")
        }
        var slice = contents
        while slice.count > 1, let lead = slice.first,
            let next = slice.dropFirst().first,
            (lead == 0x00 && next & 0x80 == 0) || (lead == 0xFF && next & 0x80 != 0)
        {
            slice = slice.dropFirst()
        }
        guard slice.count <= 8 else {
            throw .malformed("\(what()) is an INTEGER of \(contents.count) octets, more than 64 bits")
        }
        var value: Int64 = first & 0x80 != 0 ? -1 : 0
        for byte in slice {
            value = (value << 8) | Int64(byte)
        }
        return value
    }

    /// Decodes an unsigned value of at most `bits` bits.
    ///
    /// Some agents send Counter32 values ≥ 2³¹ without the leading zero octet; like net-snmp we
    /// read those as unsigned rather than rejecting them.
    static func unsignedInteger(
        _ contents: ArraySlice<UInt8>,
        bits: Int,
        _ what: @autoclosure () -> String
    ) throws(SNMPError) -> UInt64 {
        guard !contents.isEmpty else {
            throw .malformed("\(what()) has no content octets")
        }
        var slice = contents
        while slice.count > 1, slice.first == 0x00 {
            slice = slice.dropFirst()
        }
        guard slice.count <= bits / 8 else {
            throw .malformed("\(what()) of \(contents.count) octets does not fit in \(bits) bits")
        }
        var value: UInt64 = 0
        for byte in slice {
            value = (value << 8) | UInt64(byte)
        }
        return value
    }

    /// Decodes OBJECT IDENTIFIER contents; sub-identifiers are limited to 32 bits as in SNMP.
    static func objectIdentifier(_ contents: ArraySlice<UInt8>) throws(SNMPError) -> OID {
        if contents.isEmpty {
            // Seen from broken agents as "zeroDotZero"; keep it rather than reject the packet.
            return OID(arcs: [0, 0])
        }
        guard contents.count <= OID.maximumArcs * 5 else {
            throw .malformed("OBJECT IDENTIFIER of \(contents.count) octets is too long")
        }
        var arcs: [UInt32] = []
        arcs.reserveCapacity(contents.count + 1)
        var value: UInt64 = 0
        var inProgress = false
        for byte in contents {
            value = (value << 7) | UInt64(byte & 0x7F)
            guard value <= UInt64(UInt32.max) + 80 else {
                throw .malformed("OBJECT IDENTIFIER sub-identifier exceeds 32 bits")
            }
            inProgress = byte & 0x80 != 0
            if !inProgress {
                if arcs.isEmpty {
                    if value < 40 {
                        arcs.append(0)
                        arcs.append(UInt32(value))
                    } else if value < 80 {
                        arcs.append(1)
                        arcs.append(UInt32(value - 40))
                    } else {
                        arcs.append(2)
                        guard value - 80 <= UInt64(UInt32.max) else {
                            throw .malformed("OBJECT IDENTIFIER sub-identifier exceeds 32 bits")
                        }
                        arcs.append(UInt32(value - 80))
                    }
                } else {
                    guard value <= UInt64(UInt32.max) else {
                        throw .malformed("OBJECT IDENTIFIER sub-identifier exceeds 32 bits")
                    }
                    arcs.append(UInt32(value))
                }
                value = 0
            }
        }
        guard !inProgress else {
            throw .malformed("OBJECT IDENTIFIER ends inside a sub-identifier")
        }
        guard arcs.count <= OID.maximumArcs else {
            throw .malformed("OBJECT IDENTIFIER has \(arcs.count) sub-identifiers, more than \(OID.maximumArcs)")
        }
        return OID(arcs: arcs)
    }
}

func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}

func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    bytes.map { hex($0) }.joined()
}
