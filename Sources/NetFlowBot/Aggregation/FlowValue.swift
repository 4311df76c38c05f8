/// One value for Grafolean: a path and bytes.
public struct FlowValue: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The path, such as `netflow.1min.ingress.entity.12.topip.10%2e0%2e0%2e1`.
    public var path: String
    /// Bytes in the window (not bytes/s).
    public var value: Double

    /// A value.
    public init(path: String, value: Double) {
        self.path = path
        self.value = value
    }

    /// `path = value`.
    public var description: String { "\(path) = \(value)" }
}
