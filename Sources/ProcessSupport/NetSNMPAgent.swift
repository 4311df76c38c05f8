import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// net-snmp's `snmpd` in the foreground, with the caller's configuration and its files (the
/// configuration, log, pid file and persistent state) in a directory of its own: for tests,
/// benchmarks and demos. Stop it with ``stop(removeFiles:)``.
///
/// It runs `snmpd -f -Lo -C -I -smux -c CONF -p PIDFILE udp:HOST:PORT`: only the given
/// configuration (`-C`, no system files), logging to its log file, no SMUX port.
package struct NetSNMPAgent: Sendable {
    /// The snmpd executable, if installed.
    package static let executable: String? = ChildProcess.findExecutable("snmpd")
    /// What is missing when snmpd is.
    package static let notInstalled = "net-snmp's snmpd is not installed (Debian/Ubuntu: apt-get install snmpd snmp)"

    /// The address it listens on.
    package let host: String
    /// The UDP port it listens on.
    package let port: Int
    /// Its directory: `snmpd.conf`, `snmpd.log`, `snmpd.pid`, `persist/`.
    package let directory: URL
    /// The snmpd process (or `ip netns exec`, which becomes snmpd).
    package let process: ChildProcess

    /// Its log so far.
    package var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("snmpd.log"), encoding: .utf8)) ?? ""
    }

    /// Writes `configuration` (snmpd.conf lines; the persistent directory is set here) to
    /// `directory`, starts snmpd and waits until it answers a v2c GET with `probeCommunity`.
    ///
    /// - Parameters:
    ///   - port: The UDP port; `nil` picks a free one on 127.0.0.1 (161 in a namespace).
    ///   - alsoIPv6Loopback: Also listen on `[::1]` with the same port.
    ///   - namespace: Runs snmpd in this namespace, listening on its peer address.
    ///   - directory: The agent's directory, which the caller keeps (and may reuse for another
    ///     try); `nil` makes a temporary one, removed again if the agent does not start.
    /// - Throws: ``ProcessSupportError`` `notInstalled`, `spawnFailed`, or `notAnswering` with
    ///   its log when it does not answer within 10 s.
    package static func start(
        configuration: String, port: Int? = nil, alsoIPv6Loopback: Bool = false, in namespace: NetworkNamespace? = nil,
        directory: URL? = nil, probeCommunity: String = "public"
    ) async throws -> NetSNMPAgent {
        guard let executable else { throw ProcessSupportError(.notInstalled, notInstalled) }
        let ownsDirectory = directory == nil
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("snmpd-\(UUID().uuidString)")
        let persistent = directory.appendingPathComponent("persist")
        try FileManager.default.createDirectory(at: persistent, withIntermediateDirectories: true)
        let configFile = directory.appendingPathComponent("snmpd.conf")
        try ("[snmp] persistentDir \(persistent.path)\n" + configuration + "\n").write(to: configFile, atomically: true, encoding: .utf8)

        let host = namespace?.peerAddress ?? "127.0.0.1"
        let port = try port ?? (namespace == nil ? FreePort.udp() : 161)
        var listen = "udp:\(host):\(port)"
        if alsoIPv6Loopback { listen += ",udp6:[::1]:\(port)" }
        var environment = ProcessInfo.processInfo.environment
        environment["SNMP_PERSISTENT_DIR"] = persistent.path
        environment["MIBS"] = ""
        var arguments = [
            executable, "-f", "-Lo", "-C", "-I", "-smux", "-c", configFile.path, "-p", directory.appendingPathComponent("snmpd.pid").path, listen,
        ]
        // `ip netns exec` enters the namespace and then execs snmpd in the same process.
        if let namespace {
            guard let ip = NetworkNamespace.ip else { throw ProcessSupportError(.notInstalled, NetworkNamespace.requirement) }
            arguments = [ip, "netns", "exec", namespace.name] + arguments
        }
        let process = try ChildProcess.spawn(
            arguments[0], Array(arguments.dropFirst()), environment: environment,
            output: .file(directory.appendingPathComponent("snmpd.log").path))
        let agent = NetSNMPAgent(host: host, port: port, directory: directory, process: process)
        if await agent.waitUntilAnswering(community: probeCommunity) {
            return agent
        }
        let log = agent.log
        agent.stop(removeFiles: ownsDirectory)
        throw ProcessSupportError(.notAnswering, "snmpd did not answer on \(host):\(port); its log:\n\(log)")
    }

    /// Stops snmpd (SIGTERM, then SIGKILL) and removes its directory unless `removeFiles` is false.
    package func stop(removeFiles: Bool = true) {
        // snmpd writes its persistent state (v3 users and keys) on SIGTERM: give a busy machine time for it.
        process.terminate(grace: .seconds(10))
        if removeFiles {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Sends a v2c GET of sysUpTime.0 every 200 ms, for up to 10 s, until anything comes back;
    /// false at once if snmpd exits. Polls, so that no thread of the pool is blocked.
    private func waitUntilAnswering(community: String) async -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let request = Self.getRequest(community: community)
        var buffer = [UInt8](repeating: 0, count: 2_048)
        for _ in 0..<50 {
            guard process.isRunning else { return false }
            _ = request.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            for _ in 0..<10 {
                try? await Task.sleep(for: .milliseconds(20))
                if recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 { return true }
            }
        }
        return false
    }

    /// An SNMPv2c GetRequest for sysUpTime.0 (1.3.6.1.2.1.1.3.0), BER-encoded; any answer will do,
    /// so this target need not depend on the SNMP library.
    private static func getRequest(community: String) -> [UInt8] {
        let name = Array(community.utf8.prefix(64))
        let varbinds: [UInt8] = [0x30, 0x0E, 0x30, 0x0C, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00, 0x05, 0x00]
        let requestID = UInt32.random(in: 1...0x7FFF_FFFF)
        let pdu: [UInt8] = [0x02, 0x04] + withUnsafeBytes(of: requestID.bigEndian, Array.init) + [0x02, 0x01, 0x00, 0x02, 0x01, 0x00] + varbinds
        let body: [UInt8] = [0x02, 0x01, 0x01, 0x04, UInt8(name.count)] + name + [0xA0, UInt8(pdu.count)] + pdu
        return [0x30, UInt8(body.count)] + body
    }
}
