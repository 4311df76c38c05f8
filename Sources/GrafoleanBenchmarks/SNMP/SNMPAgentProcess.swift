import Foundation
import SNMP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A net-snmp `snmpd` on a free loopback port, with a generated configuration in a temporary
/// directory: community `public` (v1/v2c) and an SNMPv3 authPriv user (SHA / AES).
struct SNMPAgentProcess {
    static let executable: String? = ["/usr/sbin/snmpd", "/usr/local/sbin/snmpd", "/usr/bin/snmpd"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let community = "public"
    static let v3User = SNMPv3User(
        userName: "benchuser",
        authentication: .init(protocol: .sha1, password: "authpassword1"),
        privacy: .init(protocol: .aes128, password: "privpassword1"))

    let host: String
    let port: Int
    let directory: URL
    let process: ChildProcess

    /// Starts the agent (in `namespace`, if given, else on the host's loopback) and waits until it
    /// answers; throws with its log if it does not.
    static func start(in namespace: NetworkNamespace? = nil) async throws -> SNMPAgentProcess {
        guard let executable else { throw AgentError(message: "snmpd is not installed (apt-get install snmpd snmp)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grafolean-benchmarks-snmpd-\(UUID().uuidString)")
        let persistent = directory.appendingPathComponent("persist")
        try FileManager.default.createDirectory(at: persistent, withIntermediateDirectories: true)
        let port = namespace == nil ? try freeUDPPort() : 161
        let host = namespace?.address ?? "127.0.0.1"
        let config = """
            [snmp] persistentDir \(persistent.path)
            rocommunity \(community) \(namespace == nil ? "127.0.0.1" : "\(namespace!.hostAddress)/32")
            createUser \(v3User.userName) SHA "authpassword1" AES "privpassword1"
            rouser \(v3User.userName) priv

            """
        let configFile = directory.appendingPathComponent("snmpd.conf")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["SNMP_PERSISTENT_DIR"] = persistent.path
        environment["MIBS"] = ""
        let agentArguments = [
            "-f", "-Lo", "-C", "-I", "-smux", "-c", configFile.path, "-p", directory.appendingPathComponent("snmpd.pid").path, "udp:\(host):\(port)",
        ]
        // `ip netns exec` enters the namespace and then execs snmpd in the same process.
        let process = try ChildProcess.spawn(
            namespace == nil ? executable : NetworkNamespace.ip!,
            namespace.map { ["netns", "exec", $0.name, executable] + agentArguments } ?? agentArguments,
            environment: environment, outputPath: directory.appendingPathComponent("snmpd.log").path)
        let agent = SNMPAgentProcess(host: host, port: port, directory: directory, process: process)
        let probe = agent.target(.v2c(community: community), timeout: .milliseconds(200), retries: 0)
        let answered = try await SNMPClient.withClient(configuration: .init(ipv6BindAddress: nil)) { client in
            for _ in 0..<50 where process.isRunning {
                if (try? await client.get("1.3.6.1.2.1.1.3.0", from: probe)) != nil { return true }
            }
            return false
        }
        guard answered else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("snmpd.log"), encoding: .utf8)) ?? ""
            await agent.stop()
            throw AgentError(message: "snmpd did not answer; its log:\n\(log)")
        }
        return agent
    }

    func target(_ credentials: SNMPCredentials, timeout: Duration = .seconds(2), retries: Int = 1) -> SNMPTarget {
        SNMPTarget(host: host, port: port, credentials: credentials, timeout: timeout, retries: retries)
    }

    /// CPU time the agent has used so far, from `/proc/<pid>/stat` (utime + stime).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() async {
        await process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func freeUDPPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw AgentError(message: "cannot open a UDP socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw AgentError(message: "cannot bind a UDP socket on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct AgentError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
