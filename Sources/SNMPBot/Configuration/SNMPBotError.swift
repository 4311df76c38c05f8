/// A problem with an entity's SNMP configuration (its address, credential or a sensor), or a
/// failed poll.
///
/// Configuration errors name the ``field`` as the web UI stores it (`snmpv3_authKey`,
/// `oids[1].fetch_method`), so that a user can find what to fix.
public struct SNMPBotError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem. New codes may be added: switch with a `default`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidEntity = "invalid entity"
            case invalidCredential = "invalid credential"
            case unsupportedPrivacy = "unsupported privacy protocol"
            case invalidSensor = "invalid sensor"
            case pollFailed = "poll failed"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The entity's details cannot be used (no `ipv4`, a bad port, a host name that does not resolve).
        public static let invalidEntity = Code(.invalidEntity)
        /// A credential field is missing or invalid (also the request settings `snmp_timeout`, …).
        public static let invalidCredential = Code(.invalidCredential)
        /// No longer raised: DES privacy is supported now. Kept so that code that names it still compiles.
        public static let unsupportedPrivacy = Code(.unsupportedPrivacy)
        /// A sensor's `oids`, `expression` or `output_path` is invalid.
        public static let invalidSensor = Code(.invalidSensor)
        /// Fetching from the agent failed.
        public static let pollFailed = Code(.pollFailed)

        /// A short name of the code.
        public var description: String { base.rawValue }
    }

    /// What kind of problem this is.
    public var code: Code
    /// What is wrong, in words a user can act on.
    public var message: String
    /// The field concerned, as stored by the web UI (`snmpv12_community`, `output_path`), if any.
    public var field: String?

    /// Creates an error.
    public init(code: Code, message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// `field '<field>': <message>`, or the message alone.
    public var description: String {
        if let field { return "field '\(field)': \(message)" }
        return message
    }
}
