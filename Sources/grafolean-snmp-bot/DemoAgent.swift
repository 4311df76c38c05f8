import Foundation
import SNMP

#if canImport(Glibc)
import Glibc
#endif

/// `--demo`'s agent: net-snmp's snmpd on a free loopback port, with its files in a temporary
/// directory, serving the host's interfaces and two made-up lm-sensors temperatures.
struct DemoAgent {
    static let executable: String? = ["/usr/sbin/snmpd", "/usr/local/sbin/snmpd", "/usr/bin/snmpd"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int
    let directory: URL
    private let process: Process

    /// Starts snmpd and waits until it answers.
    static func start(client: SNMPClient) async throws -> DemoAgent {
        guard let executable else {
            throw Failure(description: "the demo needs net-snmp's snmpd, which is not installed (Debian/Ubuntu: apt-get install snmpd); it is started on a free loopback port, nothing else is touched")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grafolean-snmp-demo-\(UUID().uuidString)")
        let persistent = directory.appendingPathComponent("persist")
        try FileManager.default.createDirectory(at: persistent, withIntermediateDirectories: true)
        let port = try freeUDPPort()
        let configuration = directory.appendingPathComponent("snmpd.conf")
        try """
            [snmp] persistentDir \(persistent.path)
            rocommunity public 127.0.0.1
            override 1.3.6.1.4.1.2021.13.16.2.1.2.1 octet_str "Core 0"
            override 1.3.6.1.4.1.2021.13.16.2.1.3.1 unsigned 45000
            override 1.3.6.1.4.1.2021.13.16.2.1.2.2 octet_str "Core 1"
            override 1.3.6.1.4.1.2021.13.16.2.1.3.2 unsigned 47500

            """.write(to: configuration, atomically: true, encoding: .utf8)
        let log = directory.appendingPathComponent("snmpd.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-f", "-Lo", "-C", "-I", "-smux", "-c", configuration.path, "-p", directory.appendingPathComponent("snmpd.pid").path,
            "udp:127.0.0.1:\(port)",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["MIBS"] = ""
        environment["SNMP_PERSISTENT_DIR"] = persistent.path
        process.environment = environment
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let agent = DemoAgent(port: port, directory: directory, process: process)

        let probe = SNMPTarget(host: "127.0.0.1", port: port, credentials: .v2c(community: "public"), timeout: .milliseconds(200), retries: 0)
        for _ in 0..<50 {
            guard process.isRunning else { break }
            if (try? await client.get("1.3.6.1.2.1.1.3.0", from: probe)) != nil { return agent }
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        agent.stop()
        throw Failure(description: "snmpd did not start answering on 127.0.0.1:\(port); its log:\n\(text)")
    }

    /// Stops snmpd and removes its files.
    func stop() {
        if process.isRunning {
            process.terminate()
            for _ in 0..<100 where process.isRunning { usleep(10_000) }
            // A child started from a thread that blocks SIGTERM inherits the mask; SIGKILL always works.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A UDP port on 127.0.0.1 that was free a moment ago.
    private static func freeUDPPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "cannot open a UDP socket to find a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "cannot bind a UDP socket on 127.0.0.1 to find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
