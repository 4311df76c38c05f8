import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A network namespace of our own with many interfaces (veth pairs), reached over a veth pair, so that
/// an agent started in it has an ifTable the size of a big switch's without touching the host's
/// interfaces. Needs root and iproute2; removed (with the veth pair) by ``remove()``.
struct NetworkNamespace {
    static let ip: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    let name: String
    /// Our side of the veth pair.
    let hostAddress = "169.254.77.1"
    /// The namespace's side, where its agent listens.
    let address = "169.254.77.2"

    /// Creates the namespace with `interfaces` interfaces (rounded up to even) besides `lo` and the veth end.
    static func create(interfaces: Int) async throws -> NetworkNamespace {
        guard let ip, getuid() == 0 else { throw SetupError(message: "needs root and iproute2 (ip) to create a network namespace") }
        let suffix = String(getpid() % 100_000)
        let namespace = NetworkNamespace(name: "gbench\(suffix)")
        let hostSide = "gbh\(suffix)"
        do {
            try await run(ip, ["netns", "add", namespace.name])
            try await run(ip, ["link", "add", hostSide, "type", "veth", "peer", "name", "gbn0", "netns", namespace.name])
            try await run(ip, ["addr", "add", "\(namespace.hostAddress)/30", "dev", hostSide])
            try await run(ip, ["link", "set", hostSide, "up"])
            var batch = [
                "link set lo up",
                "addr add \(namespace.address)/30 dev gbn0",
                "link set gbn0 up",
            ]
            // veth pairs rather than dummy interfaces: the dummy driver is often not built.
            for pair in 0..<(interfaces + 1) / 2 {
                batch.append("link add port\(2 * pair + 1) type veth peer name port\(2 * pair + 2)")
                batch.append("link set port\(2 * pair + 1) up")
                batch.append("link set port\(2 * pair + 2) up")
            }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("gbench-ip-\(suffix).batch").path
            try (batch.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            try await run(ip, ["-n", namespace.name, "-batch", file])
        } catch {
            await namespace.remove()
            throw error
        }
        return namespace
    }

    /// Deletes the namespace; its end of the veth pair goes with it, and so does ours.
    func remove() async {
        guard let ip = Self.ip else { return }
        try? await Self.run(ip, ["netns", "del", name])
    }

    private static func run(_ executable: String, _ arguments: [String]) async throws {
        let child = try ChildProcess.spawn(executable, arguments, outputPath: "/dev/null")
        let status = await child.waitForExit()
        guard status == 0 else {
            throw SetupError(message: "\(executable) \(arguments.joined(separator: " ")) failed with status \(status)")
        }
    }

    struct SetupError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
