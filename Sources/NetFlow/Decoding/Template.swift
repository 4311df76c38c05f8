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

/// Identifies a template: templates of different exporters or observation domains never mix.
public struct TemplateKey: Hashable, Sendable, Codable {
    /// The exporter's address.
    public var exporter: FlowAddress
    /// v9 source ID or IPFIX observation domain ID.
    public var domain: UInt32
    /// Template ID (≥ 256).
    public var templateID: UInt16

    /// Creates a key.
    public init(exporter: FlowAddress, domain: UInt32, templateID: UInt16) {
        self.exporter = exporter
        self.domain = domain
        self.templateID = templateID
    }
}

/// A template as announced: its fields and, for options templates, how many are scope fields.
public struct TemplateDefinition: Hashable, Sendable, Codable {
    /// The export version that announced it (9 or 10): scope fields are read differently.
    public var version: UInt16
    /// All fields, scope fields first.
    public var fields: [TemplateField]
    /// Number of scope fields at the start of ``fields``; 0 for data templates.
    public var scopeFieldCount: Int
    /// Whether it is an options template.
    public var isOptions: Bool

    /// Creates a definition.
    public init(version: UInt16, fields: [TemplateField], scopeFieldCount: Int = 0, isOptions: Bool = false) {
        self.version = version
        self.fields = fields
        self.scopeFieldCount = scopeFieldCount
        self.isOptions = isOptions
    }
}

/// A template ready for decoding: field offsets computed once, not per record.
struct CompiledTemplate: Sendable {
    let definition: TemplateDefinition
    /// Record length, or -1 when the template has variable-length fields.
    let fixedLength: Int
    /// The smallest a record can be (a variable-length field takes at least its length byte).
    let minimumLength: Int
    /// Offsets of the fields we read, valid when ``fixedLength`` ≥ 0.
    let layout: RecordLayout

    init(_ definition: TemplateDefinition) {
        self.definition = definition
        var offset = 0
        var minimum = 0
        var variable = false
        var layout = RecordLayout()
        for (index, field) in definition.fields.enumerated() {
            if field.isVariableLength && definition.version == 10 {
                variable = true
                minimum += 1
                continue
            }
            if !variable && !(definition.version == 9 && index < definition.scopeFieldCount) {
                layout.assign(field, offset: offset, length: Int(field.length))
            }
            offset += Int(field.length)
            minimum += Int(field.length)
        }
        layout.resolveFallbacks()
        fixedLength = variable ? -1 : offset
        minimumLength = minimum
        self.layout = layout
    }

    /// The layout of one variable-length record starting at `start`, and its length; `nil` if it
    /// runs past `end`.
    func layoutOfRecord(in bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> (RecordLayout, Int)? {
        var layout = RecordLayout()
        var offset = start
        for field in definition.fields {
            var length = Int(field.length)
            if field.isVariableLength {
                guard offset < end else { return nil }
                length = Int(bytes[offset])
                offset += 1
                if length == 255 {
                    guard offset + 2 <= end else { return nil }
                    length = Int(bytes.readUInt16(offset))
                    offset += 2
                }
            }
            guard length <= end - offset else { return nil }
            layout.assign(field, offset: offset - start, length: length)
            offset += length
        }
        layout.resolveFallbacks()
        return (layout, offset - start)
    }
}
