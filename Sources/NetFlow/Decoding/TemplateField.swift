/// A field specifier of a v9 or IPFIX template.
public struct TemplateField: Hashable, Sendable, Codable {
    /// Information element ID (without the IPFIX enterprise bit).
    public var type: UInt16
    /// Field length in bytes; 65535 marks an IPFIX variable-length field.
    public var length: UInt16
    /// IPFIX private enterprise number; 0 for IANA elements (these fields are skipped otherwise).
    public var enterprise: UInt32

    /// Creates a field specifier.
    public init(type: UInt16, length: UInt16, enterprise: UInt32 = 0) {
        self.type = type
        self.length = length
        self.enterprise = enterprise
    }

    /// Whether the field is an IPFIX variable-length field.
    public var isVariableLength: Bool { length == 0xFFFF }
}
