import HostResolution
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// An SNMP manager: GET, GETNEXT, GETBULK and walks over v1, v2c and v3 (USM).
///
/// One client owns one UDP socket per address family; any number of concurrent requests to any
/// number of agents share them, matched by request ID. Create it with
/// ``withClient(configuration:eventLoopGroup:logger:_:)``, which closes the sockets when the body
/// returns.
public final class SNMPClient: Sendable {
    /// Socket-level settings; the defaults suit polling thousands of agents.
    public struct Configuration: Hashable, Sendable {
        /// Local IPv4 address to bind (any interface by default).
        public var ipv4BindAddress: String
        /// Local IPv6 address to bind; nil disables IPv6.
        public var ipv6BindAddress: String?
        /// SO_RCVBUF: room for bursts of answers (the kernel may cap it at net.core.rmem_max).
        public var receiveBufferSize: Int

        /// Creates a configuration.
        public init(
            ipv4BindAddress: String = "0.0.0.0",
            ipv6BindAddress: String? = "::",
            receiveBufferSize: Int = 4 * 1024 * 1024
        ) {
            self.ipv4BindAddress = ipv4BindAddress
            self.ipv6BindAddress = ipv6BindAddress
            self.receiveBufferSize = receiveBufferSize
        }
    }

    let ipv4: SNMPTransport
    let ipv6: SNMPTransport?
    let logger: Logger
    /// Resolves the targets' host names (literals need none).
    public let resolver: HostResolver
    let keyStore = USMKeyStore()
    let engines = Mutex<[String: EngineState]>([:])
    private let requestIDs: Atomic<UInt32>
    private let salts: Atomic<UInt64>

    private init(ipv4: SNMPTransport, ipv6: SNMPTransport?, logger: Logger, resolver: HostResolver) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.logger = logger
        self.resolver = resolver
        var generator = SystemRandomNumberGenerator()
        self.requestIDs = Atomic(UInt32.random(in: 1...0x3FFF_FFFF, using: &generator))
        self.salts = Atomic(generator.next())
    }

    /// Runs `body` with a client whose sockets are open for the duration of the call.
    ///
    /// IPv6 is optional: if its socket cannot be bound (no IPv6 on the host), requests to IPv6
    /// agents fail with ``SNMPError/Code/addressUnavailable`` and the rest works. Host names
    /// are resolved by `resolver` (IPv4 preferred, cached).
    public static func withClient<Result>(
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "snmp"),
        resolver: HostResolver = .shared,
        _ body: (SNMPClient) async throws -> Result
    ) async throws -> Result {
        let metrics = SNMPMetrics()
        let ipv4 = try await SNMPTransport.bind(
            host: configuration.ipv4BindAddress,
            group: eventLoopGroup,
            receiveBufferSize: configuration.receiveBufferSize,
            logger: logger,
            metrics: metrics
        )
        var ipv6: SNMPTransport?
        if let address = configuration.ipv6BindAddress {
            do {
                ipv6 = try await SNMPTransport.bind(
                    host: address,
                    group: eventLoopGroup,
                    receiveBufferSize: configuration.receiveBufferSize,
                    logger: logger,
                    metrics: metrics
                )
            } catch {
                logger.notice("SNMP over IPv6 disabled: cannot bind \(address): \(error)")
            }
        }
        let client = SNMPClient(ipv4: ipv4, ipv6: ipv6, logger: logger, resolver: resolver)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        return result
    }

    private func close() async {
        await ipv4.close()
        await ipv6?.close()
    }

    /// A fresh request-id/msgID in 1...2³¹-1, unique across all agents sharing the socket.
    func nextRequestID() -> Int32 {
        while true {
            let value = Int32(bitPattern: requestIDs.add(1, ordering: .relaxed).newValue & 0x7FFF_FFFF)
            if value != 0 { return value }
        }
    }

    /// A fresh 64-bit AES salt (RFC 3826 §3.1.2.1: a counter, never reused with one key).
    func nextSalt() -> UInt64 {
        salts.add(1, ordering: .relaxed).newValue
    }

    /// Resolves the target's host: literals directly, names with ``resolver`` (cached; IPv4
    /// preferred, IPv6 when the name has no IPv4 address or this client has no IPv4 socket).
    func resolve(_ target: SNMPTarget) async throws(SNMPError) -> SocketAddress {
        var host = target.host
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard (1...65535).contains(target.port) else {
            throw SNMPError(code: .invalidConfiguration, message: "port \(target.port) is not a valid UDP port", host: target.endpointDescription)
        }
        if let literal = try? SocketAddress(ipAddress: host, port: target.port) {
            return literal
        }
        let addresses: [String]
        do {
            addresses = try await resolver.resolve(host)
        } catch {
            throw SNMPError(code: .unresolvableHost, message: "\(error)", host: target.endpointDescription)
        }
        let usable = ipv6 == nil ? addresses.filter { !$0.contains(":") } : addresses
        guard let first = usable.first, let address = try? SocketAddress(ipAddress: first, port: target.port) else {
            throw SNMPError(
                code: .addressUnavailable,
                message: "host name '\(host)' has only IPv6 addresses (\(addresses.joined(separator: ", "))) and this client has no IPv6 socket",
                host: target.endpointDescription
            )
        }
        return address
    }

    func transport(for address: SocketAddress, target: SNMPTarget) throws(SNMPError) -> SNMPTransport {
        switch address {
        case .v4:
            return ipv4
        case .v6:
            guard let ipv6 else {
                throw SNMPError(
                    code: .addressUnavailable,
                    message: "no IPv6 socket: IPv6 is disabled in the configuration or unavailable on this host",
                    host: target.endpointDescription
                )
            }
            return ipv6
        default:
            throw SNMPError(code: .invalidConfiguration, message: "\(address) is not an IP address", host: target.endpointDescription)
        }
    }

    /// Sends one request PDU (its request-id is assigned here) and returns the response PDU,
    /// with reports and transport errors turned into ``SNMPError``s that name the host.
    func send(_ pdu: PDU, to target: SNMPTarget) async throws -> PDU {
        do {
            let address = try await resolve(target)
            let transport = try transport(for: address, target: target)
            switch target.credentials {
            case .v1(let community):
                return try await sendCommunity(pdu, version: 0, community: community, target: target, address: address, transport: transport)
            case .v2c(let community):
                return try await sendCommunity(pdu, version: 1, community: community, target: target, address: address, transport: transport)
            case .v3(let user):
                return try await sendV3(pdu, user: user, target: target, address: address, transport: transport)
            }
        } catch let error as SNMPError {
            throw error.attributed(to: target.endpointDescription)
        }
    }

    private func sendCommunity(
        _ request: PDU,
        version: Int64,
        community: String,
        target: SNMPTarget,
        address: SocketAddress,
        transport: SNMPTransport
    ) async throws -> PDU {
        var pdu = request
        pdu.requestID = nextRequestID()
        let communityBytes = Array(community.utf8)
        let bytes = try CommunityMessage(version: version, community: communityBytes, pdu: pdu).encode()
        let reply: SNMPDatagramHandler.Reply
        do {
            reply = try await transport.exchange(
                bytes,
                id: pdu.requestID,
                to: address,
                timeout: TimeAmount(target.timeout),
                retries: target.retries
            )
        } catch var error as SNMPError where error.code == .timeout {
            error.message =
                "\(error.message) to \(request.type) \(Self.describe(request.varBinds)) (SNMP\(target.credentials.versionName)): check that the host is reachable, that an SNMP agent listens on UDP port \(target.port), that it allows this manager's address, and the community string (agents silently drop requests with a wrong community)"
            throw error
        }
        let message = try CommunityMessage.decode(reply.bytes)
        guard message.version == version, message.pdu.type == .response, message.pdu.requestID == pdu.requestID else {
            throw SNMPError.malformed(
                "expected a \(version == 0 ? "v1" : "v2c") RESPONSE to request \(pdu.requestID), got a version \(message.version) \(message.pdu.type) with request-id \(message.pdu.requestID)"
            )
        }
        return message.pdu
    }

    /// Up to three OIDs for messages.
    static func describe(_ varBinds: [VarBind]) -> String {
        let shown = varBinds.prefix(3).map { $0.oid.description }.joined(separator: ", ")
        return varBinds.count > 3 ? "\(shown), … (\(varBinds.count) OIDs)" : shown
    }
}
