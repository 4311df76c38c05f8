/// A typed SNMP value (SMIv2 base types plus the v2 exception values).
public enum SNMPValue: Hashable, Sendable {
    /// INTEGER / Integer32. Wider than 32 bits because some agents send out-of-range values.
    case integer(Int64)
    /// OCTET STRING: text or binary (MAC addresses, engine IDs).
    case octetString([UInt8])
    /// NULL, the placeholder value in requests.
    case null
    /// OBJECT IDENTIFIER.
    case objectIdentifier(OID)
    /// IpAddress: 4 octets in network order.
    case ipAddress([UInt8])
    /// Counter32, wraps at 2³².
    case counter32(UInt32)
    /// Gauge32 / Unsigned32.
    case gauge32(UInt32)
    /// TimeTicks: hundredths of a second.
    case timeTicks(UInt32)
    /// Opaque: arbitrary BER wrapped in an octet string.
    case opaque([UInt8])
    /// Counter64, wraps at 2⁶⁴.
    case counter64(UInt64)
    /// The agent does not implement the object (v2c/v3 GET).
    case noSuchObject
    /// The object exists but this instance does not (v2c/v3 GET).
    case noSuchInstance
    /// Nothing follows this OID in the agent's view (GETNEXT/GETBULK).
    case endOfMibView
    /// A type SNMP does not define (for example SMIv1 NsapAddress), kept as raw contents.
    case unknown(tag: UInt8, contents: [UInt8])
}

extension SNMPValue {
    /// True for noSuchObject, noSuchInstance and endOfMibView.
    public var isException: Bool {
        switch self {
        case .noSuchObject, .noSuchInstance, .endOfMibView: true
        default: false
        }
    }

    /// True for Counter32 and Counter64, whose meaning is in the difference between samples.
    public var isCounter: Bool {
        switch self {
        case .counter32, .counter64: true
        default: false
        }
    }

    /// The value as a number, for the numeric types (and text that parses as a number).
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .counter32(let value), .gauge32(let value), .timeTicks(let value): Double(value)
        case .counter64(let value): Double(value)
        case .octetString(let bytes): String(validating: bytes, as: UTF8.self).flatMap { Double($0) }
        default: nil
        }
    }

    /// The value as an integer, for the integer types that fit in `Int64`.
    public var int64Value: Int64? {
        switch self {
        case .integer(let value): value
        case .counter32(let value), .gauge32(let value), .timeTicks(let value): Int64(value)
        case .counter64(let value): Int64(exactly: value)
        default: nil
        }
    }

    /// An OCTET STRING decoded as UTF-8 (invalid sequences replaced), nil for other types.
    public var stringValue: String? {
        if case .octetString(let bytes) = self {
            return String(decoding: bytes, as: UTF8.self)
        }
        return nil
    }
}

extension SNMPValue: CustomStringConvertible {
    /// A human-readable rendering in the style of net-snmp's tools.
    public var description: String {
        switch self {
        case .integer(let value): "INTEGER: \(value)"
        case .octetString(let bytes):
            if let text = String(validating: bytes, as: UTF8.self),
                text.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0 == "\n" || $0 == "\r" || $0 == "\t" })
            {
                "STRING: \"\(text)\""
            } else {
                "Hex-STRING: \(bytes.map { hex($0) }.joined(separator: " "))"
            }
        case .null: "NULL"
        case .objectIdentifier(let oid): "OID: \(oid)"
        case .ipAddress(let bytes): "IpAddress: \(bytes.map(String.init).joined(separator: "."))"
        case .counter32(let value): "Counter32: \(value)"
        case .gauge32(let value): "Gauge32: \(value)"
        case .timeTicks(let value): "Timeticks: (\(value))"
        case .opaque(let bytes): "Opaque: \(hex(bytes))"
        case .counter64(let value): "Counter64: \(value)"
        case .noSuchObject: "No Such Object"
        case .noSuchInstance: "No Such Instance"
        case .endOfMibView: "End of MIB View"
        case .unknown(let tag, let contents): "Unknown type 0x\(hex(tag)): \(hex(contents))"
        }
    }
}
