/// Single-octet BER identifiers used by SNMP (RFC 1157, RFC 3416, RFC 2578).
///
/// SNMP never needs the high-tag-number form, so a tag is always exactly one octet.
enum BERTag {
    static let integer: UInt8 = 0x02
    static let octetString: UInt8 = 0x04
    static let null: UInt8 = 0x05
    static let objectIdentifier: UInt8 = 0x06
    static let sequence: UInt8 = 0x30

    // Application-class SMI types (RFC 2578 §7.1).
    static let ipAddress: UInt8 = 0x40
    static let counter32: UInt8 = 0x41
    static let gauge32: UInt8 = 0x42
    static let timeTicks: UInt8 = 0x43
    static let opaque: UInt8 = 0x44
    static let counter64: UInt8 = 0x46

    // Context-specific primitive exception values in varbinds (RFC 3416 §3).
    static let noSuchObject: UInt8 = 0x80
    static let noSuchInstance: UInt8 = 0x81
    static let endOfMibView: UInt8 = 0x82
}
