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
