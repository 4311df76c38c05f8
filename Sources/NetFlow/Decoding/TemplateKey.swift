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
