/// Why a datagram (or part of one) could not be decoded, or why queued data was given up.
public struct NetFlowError: Error, Hashable, Sendable {
    /// The kind of error; compare with the static members (`error.code == .badSetLength`).
    public struct Code: Hashable, Sendable, Codable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable, Codable, CaseIterable {
            case truncatedHeader, unknownVersion, badMessageLength, badSetLength, badTemplate
            case templateLimit, recordCountMismatch, truncatedRecord, pendingExpired, pendingOverflow
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Shorter than the version's header.
        public static let truncatedHeader = Code(.truncatedHeader)
        /// A version other than 5, 9 or 10.
        public static let unknownVersion = Code(.unknownVersion)
        /// IPFIX message length shorter than its header or longer than the datagram.
        public static let badMessageLength = Code(.badMessageLength)
        /// A v9 flowset or IPFIX set shorter than 4 bytes or running past the message.
        public static let badSetLength = Code(.badSetLength)
        /// A template (or options template) that cannot describe records: zero-length field,
        /// reserved template ID, field list running past its set.
        public static let badTemplate = Code(.badTemplate)
        /// A new template beyond the decoder's template limit.
        public static let templateLimit = Code(.templateLimit)
        /// A v5 header count that does not match the datagram's length.
        public static let recordCountMismatch = Code(.recordCountMismatch)
        /// A variable-length record running past the end of its set.
        public static let truncatedRecord = Code(.truncatedRecord)
        /// Data waiting for its template expired before the template arrived.
        public static let pendingExpired = Code(.pendingExpired)
        /// Data waiting for its template was dropped because the queue was full.
        public static let pendingOverflow = Code(.pendingOverflow)

        /// Every code, for exporting counters.
        public static var allCases: [Code] { Base.allCases.map(Code.init) }

        /// The code's name.
        public var description: String { base.rawValue }

        /// Encodes the name.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(base)
        }

        /// Decodes a name written by ``encode(to:)``.
        public init(from decoder: any Decoder) throws {
            base = try decoder.singleValueContainer().decode(Base.self)
        }
    }

    /// The kind of error.
    public var code: Code
    /// The exporter that sent the datagram.
    public var exporter: FlowAddress
    /// Byte offset in the datagram where decoding failed.
    public var offset: Int
    /// A short explanation (a static string: building it costs nothing).
    public var reason: StaticString

    /// Creates an error.
    public init(code: Code, exporter: FlowAddress, offset: Int, reason: StaticString) {
        self.code = code
        self.exporter = exporter
        self.offset = offset
        self.reason = reason
    }

    /// Equal when code, exporter and offset are equal.
    public static func == (lhs: NetFlowError, rhs: NetFlowError) -> Bool {
        lhs.code == rhs.code && lhs.exporter == rhs.exporter && lhs.offset == rhs.offset
    }

    /// Hashes code, exporter and offset.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(exporter)
        hasher.combine(offset)
    }
}

extension NetFlowError: CustomStringConvertible {
    /// `NetFlow <code> from <exporter> at byte <offset>: <reason>`.
    public var description: String {
        "NetFlow \(code) from \(exporter) at byte \(offset): \(reason)"
    }
}
