import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A network namespace joined to the host by a veth pair, made with iproute2's `ip`: a test host
/// (or a benchmark's agent) whose traffic never leaves the machine.
///
/// The caller names the namespace and the interfaces and passes both addresses, which must be
/// link-local (169.254.0.0/16, never routed beyond a link); it creates the namespace and removes
/// it with ``remove()``. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and iproute2.
package struct NetworkNamespace: Sendable {
    /// iproute2's `ip`, if installed.
    package static let ip: String? = ChildProcess.findExecutable("ip")
    /// Whether this process can make namespaces: root and `ip`.
    package static var canCreate: Bool { ip != nil && geteuid() == 0 }
    /// What making a namespace needs, for a skipped test or benchmark to say.
    package static let requirement = "needs root and iproute2's `ip` (apt-get install iproute2) to make a network namespace"

    /// The namespace's name (`ip netns`).
    package let name: String
    /// Our end of the veth pair.
    package let hostInterface: String
    /// The namespace's end of the veth pair.
    package let peerInterface: String
    /// The address of our end.
    package let hostAddress: String
    /// The address of the namespace's end.
    package let peerAddress: String

    /// Makes the namespace with `lo` up and a veth pair `hostInterface` (here, `hostAddress`) ↔
    /// `peerInterface` (in the namespace, `peerAddress`), both `/prefixLength`; undoes what it
    /// made if a step fails.
    package static func create(
        name: String, hostInterface: String, peerInterface: String, hostAddress: String, peerAddress: String, prefixLength: Int = 30
    ) throws -> NetworkNamespace {
        guard let ip else { throw ProcessSupportError(.notInstalled, requirement) }
        guard geteuid() == 0 else { throw ProcessSupportError(.notPermitted, requirement) }
        for address in [hostAddress, peerAddress] where !isLinkLocal(address) {
            throw ProcessSupportError(.invalidArgument, "\(address) is not a link-local address (169.254.0.0/16)")
        }
        let namespace = NetworkNamespace(
            name: name, hostInterface: hostInterface, peerInterface: peerInterface, hostAddress: hostAddress, peerAddress: peerAddress)
        do {
            try ChildProcess.run(ip, ["netns", "add", name])
            try ChildProcess.run(ip, ["link", "add", hostInterface, "type", "veth", "peer", "name", peerInterface, "netns", name])
            try ChildProcess.run(ip, ["addr", "add", "\(hostAddress)/\(prefixLength)", "dev", hostInterface])
            try ChildProcess.run(ip, ["link", "set", hostInterface, "up"])
            try namespace.runIP([
                "link set lo up",
                "addr add \(peerAddress)/\(prefixLength) dev \(peerInterface)",
                "link set \(peerInterface) up",
            ])
        } catch {
            namespace.remove()
            throw error
        }
        return namespace
    }

    /// Runs a command inside the namespace and returns its output; throws with it if it fails.
    @discardableResult
    package func exec(_ arguments: [String]) throws -> String {
        guard let ip = Self.ip else { throw ProcessSupportError(.notInstalled, Self.requirement) }
        return try ChildProcess.run(ip, ["netns", "exec", name] + arguments)
    }

    /// Runs `ip` commands (such as `link add port1 type veth peer name port2`) in the namespace,
    /// as one `ip -batch` call.
    package func runIP(_ commands: [String]) throws {
        guard let ip = Self.ip else { throw ProcessSupportError(.notInstalled, Self.requirement) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).ip-batch").path
        try (commands.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        try ChildProcess.run(ip, ["-n", name, "-batch", file])
    }

    /// Deletes our end of the veth pair and the namespace (with everything in it); never throws.
    package func remove() {
        guard let ip = Self.ip else { return }
        _ = try? ChildProcess.run(ip, ["link", "del", hostInterface])
        _ = try? ChildProcess.run(ip, ["netns", "del", name])
    }

    private static func isLinkLocal(_ address: String) -> Bool {
        let octets = address.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        return octets.count == 4 && !octets.contains(nil) && octets[0] == 169 && octets[1] == 254
    }
}
