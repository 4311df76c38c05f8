import Foundation
import ProcessSupport
import SNMP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The SNMP parts' agents: net-snmp's snmpd with community `public` (v1/v2c) and an SNMPv3
/// authPriv user (SHA / AES), on a free loopback port or in a network namespace of our own.
enum BenchmarkAgent {
    /// The read-only community.
    static let community = "public"
    /// The v3 user of every agent.
    static let v3User = SNMPv3User(
        userName: "benchuser",
        authentication: .init(protocol: .sha1, password: "authpassword1"),
        privacy: .init(protocol: .aes128, password: "privpassword1"))

    /// Starts snmpd (in `namespace`, on its peer address and port 161, else on a free port of
    /// 127.0.0.1) and waits until it answers.
    static func start(in namespace: NetworkNamespace? = nil) async throws -> NetSNMPAgent {
        let client = namespace.map { "\($0.hostAddress)/32" } ?? "127.0.0.1"
        let configuration = """
            rocommunity \(community) \(client)
            createUser \(v3User.userName) SHA "authpassword1" AES "privpassword1"
            rouser \(v3User.userName) priv
            """
        return try await NetSNMPAgent.start(configuration: configuration, in: namespace, probeCommunity: community)
    }

    /// A namespace of our own (`gbench<pid>`, reached over a veth pair 169.254.77.1/30 ↔ .2) with
    /// `interfaces` more interfaces (veth pairs, rounded up to even), so that an agent in it has
    /// an ifTable the size of a big switch's without touching the host's interfaces.
    static func makeNamespace(interfaces: Int) throws -> NetworkNamespace {
        let suffix = String(getpid() % 100_000)
        let namespace = try NetworkNamespace.create(
            name: "gbench\(suffix)", hostInterface: "gbh\(suffix)", peerInterface: "gbn0", hostAddress: "169.254.77.1", peerAddress: "169.254.77.2")
        do {
            // veth pairs rather than dummy interfaces: the dummy driver is often not built.
            try namespace.runIP(
                (0..<(interfaces + 1) / 2).flatMap { pair in
                    ["link add port\(2 * pair + 1) type veth peer name port\(2 * pair + 2)", "link set port\(2 * pair + 1) up", "link set port\(2 * pair + 2) up"]
                })
        } catch {
            namespace.remove()
            throw error
        }
        return namespace
    }
}

extension NetSNMPAgent {
    /// A target for this agent.
    func target(_ credentials: SNMPCredentials, timeout: Duration = .seconds(2), retries: Int = 1) -> SNMPTarget {
        SNMPTarget(host: host, port: port, credentials: credentials, timeout: timeout, retries: retries)
    }
}
