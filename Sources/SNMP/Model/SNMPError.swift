/// An error from the SNMP client: what went wrong, with which host and OID, and what to check.
public struct SNMPError: Error, Hashable, Sendable {
    /// The kind of error; compare with the static members (`error.code == .timeout`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case timeout, malformedMessage, errorStatus, authenticationFailure, unknownUserName
            case unknownEngineID, notInTimeWindow, decryptionError, unsupportedSecurityLevel, report
            case unsupportedProtocol, invalidConfiguration, walkLoop, walkTooLarge, addressUnavailable
            case clientShutDown, requestIDCollision, unresolvableHost
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No response arrived within timeout × (retries + 1).
        public static let timeout = Code(.timeout)
        /// A packet could not be decoded (truncated, bad BER, wrong structure).
        public static let malformedMessage = Code(.malformedMessage)
        /// The agent answered with a non-zero error-status; see `errorStatus` and `oid`.
        public static let errorStatus = Code(.errorStatus)
        /// Wrong authentication password/protocol (usmStatsWrongDigests or a bad response digest).
        public static let authenticationFailure = Code(.authenticationFailure)
        /// The agent does not know the v3 user (usmStatsUnknownUserNames).
        public static let unknownUserName = Code(.unknownUserName)
        /// The agent rejected the engine ID even after rediscovery (usmStatsUnknownEngineIDs).
        public static let unknownEngineID = Code(.unknownEngineID)
        /// The agent kept rejecting the time window even after resynchronisation.
        public static let notInTimeWindow = Code(.notInTimeWindow)
        /// The agent (or we) could not decrypt: wrong privacy password/protocol (usmStatsDecryptionErrors).
        public static let decryptionError = Code(.decryptionError)
        /// The user is not configured for the requested security level (usmStatsUnsupportedSecLevels).
        public static let unsupportedSecurityLevel = Code(.unsupportedSecurityLevel)
        /// Any other report PDU; see `oid` for the counter the agent reported.
        public static let report = Code(.report)
        /// A protocol this library does not implement (GETBULK over SNMPv1, SNMPv3 with another security model).
        public static let unsupportedProtocol = Code(.unsupportedProtocol)
        /// The request or target is invalid (empty OID list, short password, unresolvable host).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A walk returned an OID not greater than the previous one: the agent loops.
        public static let walkLoop = Code(.walkLoop)
        /// A walk exceeded its row limit.
        public static let walkTooLarge = Code(.walkTooLarge)
        /// No socket for the target's address family (for example IPv6 disabled on this host).
        public static let addressUnavailable = Code(.addressUnavailable)
        /// The client was shut down while the request was in flight.
        public static let clientShutDown = Code(.clientShutDown)
        /// Internal: a request ID was still in use (should never happen with 2³¹ IDs).
        public static let requestIDCollision = Code(.requestIDCollision)
        /// The agent's host name did not resolve to an address (see ``HostResolver``).
        public static let unresolvableHost = Code(.unresolvableHost)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// The kind of error.
    public var code: Code
    /// A sentence saying what was wrong and what to check.
    public var message: String
    /// `address:port` of the agent, when known.
    public var host: String?
    /// The OID concerned: the varbind an error-status points at, or a report's counter OID.
    public var oid: OID?
    /// The error-status for `.errorStatus`.
    public var errorStatus: SNMPErrorStatus?

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        host: String? = nil,
        oid: OID? = nil,
        errorStatus: SNMPErrorStatus? = nil
    ) {
        self.code = code
        self.message = message
        self.host = host
        self.oid = oid
        self.errorStatus = errorStatus
    }

    static func malformed(_ message: String) -> SNMPError {
        SNMPError(code: .malformedMessage, message: "malformed SNMP message: \(message)")
    }

    /// The same error attributed to a host, unless it already names one.
    func attributed(to host: String) -> SNMPError {
        var copy = self
        if copy.host == nil { copy.host = host }
        return copy
    }
}

extension SNMPError: CustomStringConvertible {
    /// `SNMP <code> [host …] [oid …]: message`.
    public var description: String {
        var text = "SNMP \(code)"
        if let host { text += " from \(host)" }
        if let oid { text += " (OID \(oid))" }
        return text + ": " + message
    }
}
