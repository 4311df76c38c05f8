import DequeModule


/// Decodes NetFlow v5, v9 and IPFIX datagrams into ``FlowRecord``s, keeping the templates,
/// sampling rates and data-waiting-for-templates of every exporter.
///
/// Not thread-safe: one decoder per receiving task. Decoding a datagram never traps; what cannot
/// be decoded is returned in ``DecodeResult/errors`` and counted in ``statistics``, and the rest
/// of the datagram is still decoded where the format allows.
public struct NetFlowDecoder: Sendable {
    /// Limits that bound the decoder's memory whatever exporters send.
    public struct Configuration: Sendable, Hashable {
        /// Data sets kept while waiting for their template.
        public var pendingSetLimit: Int = 256
        /// Bytes of data sets kept while waiting for their template.
        public var pendingByteLimit: Int = 4 << 20
        /// How long a data set waits for its template, in milliseconds.
        public var pendingLifetimeMilliseconds: UInt64 = 60_000
        /// Templates kept over all exporters; new ones beyond it are rejected (`templateLimit`).
        public var templateLimit: Int = 8_192
        /// Fields one template may have (real ones have fewer than 100).
        public var fieldsPerTemplateLimit: Int = 1_024
        /// Distinct (exporter, reason) error counters; further exporters count under `0.0.0.0`.
        public var errorCounterLimit: Int = 4_096

        /// The defaults.
        public init() {}
    }

    /// What one ``NetFlowDecoder/decode(_:from:receivedAtMilliseconds:into:)`` call did.
    public struct DecodeResult: Sendable {
        /// Flows appended (including queued data decoded because its template arrived).
        public var flowCount = 0
        /// Data sets of this datagram queued to wait for their template.
        public var queuedSetCount = 0
        /// What could not be decoded; empty for a well-formed datagram.
        public var errors: [NetFlowError] = []

        /// The first error, if any.
        public var error: NetFlowError? { errors.first }
    }

    /// An (exporter, reason) error counter key.
    public struct ErrorKey: Hashable, Sendable {
        /// The exporter.
        public var exporter: FlowAddress
        /// The reason.
        public var code: NetFlowError.Code

        /// A key.
        public init(exporter: FlowAddress, code: NetFlowError.Code) {
            self.exporter = exporter
            self.code = code
        }
    }

    /// Counters since the decoder was created.
    public struct Statistics: Sendable {
        /// Datagrams passed to the decoder.
        public var datagrams = 0
        /// Flow records produced.
        public var flows = 0
        /// Data sets queued because their template was unknown.
        public var pendingQueued = 0
        /// Queued data sets decoded after their template arrived.
        public var pendingDecoded = 0
        /// Errors per exporter and reason (including expired and overflowed queued data).
        public var errors: [ErrorKey: Int] = [:]

        /// Total errors of one reason over all exporters.
        public func count(_ code: NetFlowError.Code) -> Int {
            errors.reduce(0) { $0 + ($1.key.code == code ? $1.value : 0) }
        }
    }

    struct DomainKey: Hashable, Sendable, Codable {
        var exporter: FlowAddress
        var domain: UInt32
    }

    struct SamplerKey: Hashable, Sendable, Codable {
        var exporter: FlowAddress
        var domain: UInt32
        var sampler: UInt64
    }

    /// The header fields records need.
    struct MessageContext: Sendable {
        var exporter: FlowAddress
        var domain: UInt32
        var version: UInt16
        var sysUptime: UInt32
        var exportSeconds: UInt32
    }

    struct PendingSet: Sendable {
        var key: TemplateKey
        var context: MessageContext
        var bytes: [UInt8]
        var receivedAt: UInt64
    }

    /// The limits in force.
    public let configuration: Configuration
    /// Counters since creation.
    public internal(set) var statistics = Statistics()

    var templates: [TemplateKey: CompiledTemplate] = [:]
    var exporterSampling: [DomainKey: UInt32] = [:]
    var samplerSampling: [SamplerKey: UInt32] = [:]
    var systemInit: [DomainKey: UInt64] = [:]
    var pending = Deque<PendingSet>()
    var pendingBytes = 0

    /// Creates a decoder with no templates.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Number of templates known (all exporters).
    public var templateCount: Int { templates.count }
    /// Number of data sets waiting for their template.
    public var pendingSetCount: Int { pending.count }

    /// The sampling rate announced by an exporter (observation domain / source ID `domain`), 1 if none.
    public func samplingRate(exporter: FlowAddress, domain: UInt32) -> UInt32 {
        exporterSampling[DomainKey(exporter: exporter, domain: domain)] ?? 1
    }

    /// Decodes one datagram from `exporter`, appending its flows to `flows`.
    ///
    /// - Parameter receivedAtMilliseconds: The receive time (Unix ms); ages the queue of data
    ///   waiting for templates.
    @discardableResult
    public mutating func decode(
        _ datagram: UnsafeRawBufferPointer,
        from exporter: FlowAddress,
        receivedAtMilliseconds now: UInt64,
        into flows: inout [FlowRecord]
    ) -> DecodeResult {
        statistics.datagrams &+= 1
        expirePending(now: now)
        var result = DecodeResult()
        guard datagram.count >= 2 else {
            fail(&result, .truncatedHeader, exporter, 0, "datagram shorter than a version number")
            return result
        }
        switch datagram.readUInt16(0) {
        case 5: decodeV5(datagram, exporter: exporter, result: &result, into: &flows)
        case 9: decodeV9(datagram, exporter: exporter, now: now, result: &result, into: &flows)
        case 10: decodeIPFIX(datagram, exporter: exporter, now: now, result: &result, into: &flows)
        default: fail(&result, .unknownVersion, exporter, 0, "version is not 5, 9 or 10")
        }
        statistics.flows &+= result.flowCount
        return result
    }

    /// Decodes one datagram held in an array.
    @discardableResult
    public mutating func decode(
        _ datagram: [UInt8],
        from exporter: FlowAddress,
        receivedAtMilliseconds now: UInt64,
        into flows: inout [FlowRecord]
    ) -> DecodeResult {
        datagram.withUnsafeBytes { decode($0, from: exporter, receivedAtMilliseconds: now, into: &flows) }
    }

    mutating func fail(
        _ result: inout DecodeResult,
        _ code: NetFlowError.Code,
        _ exporter: FlowAddress,
        _ offset: Int,
        _ reason: StaticString
    ) {
        result.errors.append(NetFlowError(code: code, exporter: exporter, offset: offset, reason: reason))
        count(code, exporter)
    }

    mutating func count(_ code: NetFlowError.Code, _ exporter: FlowAddress) {
        var key = ErrorKey(exporter: exporter, code: code)
        if statistics.errors[key] == nil && statistics.errors.count >= configuration.errorCounterLimit {
            key.exporter = .zero
        }
        statistics.errors[key, default: 0] &+= 1
    }
}
