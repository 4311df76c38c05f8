import Foundation
import Testing
import ICMPEcho
import ProcessSupport

/// What this machine allows the tests to do; tests that need more say why they did not run.
public enum TestEnvironment {
    /// Whether this process may open raw ICMP sockets (root or CAP_NET_RAW).
    public static let canOpenRawSockets: Bool = {
        let descriptor = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_ICMP))
        guard descriptor >= 0 else { return false }
        close(descriptor)
        return true
    }()

    public static let isRoot = geteuid() == 0


    /// Network-namespace tests need root and iproute2 (`apt-get install iproute2`).
    public static let canCreateNamespaces = canOpenRawSockets && NetworkNamespace.canCreate

    public static let namespaceRequirement: Comment = "needs root (CAP_SYS_ADMIN, CAP_NET_RAW) and iproute2's `ip` (apt-get install iproute2) to build a test network namespace"
    public static let rawRequirement: Comment = "needs root or CAP_NET_RAW to open raw ICMP sockets"
}

/// A system call of the test support failed.
public struct CommandError: Error, CustomStringConvertible {
    public var command: String
    public var status: Int32
    public var output: String
    public var description: String { "`\(command)` exited with \(status): \(output)" }
}

/// Reads a sysctl file under /proc/sys.
public func readProcFile(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Writes a sysctl file under /proc/sys.
public func writeProcFile(_ path: String, _ value: String) throws {
    try (value + "\n").write(toFile: path, atomically: false, encoding: .utf8)
}
