/// An agent to query: address, credentials and per-request behaviour.
public struct SNMPTarget: Hashable, Sendable {
    /// IPv4/IPv6 literal (brackets allowed) or host name.
    public var host: String
    /// UDP port of the agent.
    public var port: Int
    /// Version and credentials.
    public var credentials: SNMPCredentials
    /// How long to wait for each transmission's answer.
    public var timeout: Duration
    /// Extra transmissions after a timeout (0 = send once).
    public var retries: Int
    /// GET requests with more OIDs are split into several requests.
    public var maxVarBindsPerRequest: Int
    /// max-repetitions of the GETBULK requests a walk sends.
    public var maxRepetitions: Int
    /// GETBULK (default) or GETNEXT walks; SNMPv1 walks with GETNEXT either way.
    public var walkMethod: SNMPWalkMethod

    /// Creates a target.
    public init(
        host: String,
        port: Int = 161,
        credentials: SNMPCredentials,
        timeout: Duration = .seconds(2),
        retries: Int = 1,
        maxVarBindsPerRequest: Int = 60,
        maxRepetitions: Int = 25,
        walkMethod: SNMPWalkMethod = .getBulk
    ) {
        self.host = host
        self.port = port
        self.credentials = credentials
        self.timeout = timeout
        self.retries = retries
        self.maxVarBindsPerRequest = maxVarBindsPerRequest
        self.maxRepetitions = maxRepetitions
        self.walkMethod = walkMethod
    }

    /// True when walks use GETBULK: asked for, and not SNMPv1.
    public var walksWithGetBulk: Bool {
        if case .v1 = credentials { return false }
        return walkMethod == .getBulk
    }

    /// `host:port`, with brackets around IPv6 literals, for messages.
    public var endpointDescription: String {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare.contains(":") ? "[\(bare)]:\(port)" : "\(bare):\(port)"
    }
}
