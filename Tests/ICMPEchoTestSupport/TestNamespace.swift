import Foundation
import Synchronization
import ICMPEcho

/// A network namespace joined to the host by a veth pair with link-local addresses
/// (169.254.a.b/30), created for one test and always removed afterwards.
public struct TestNamespace: Sendable {
    public let name: String
    public let hostInterface: String
    public let peerInterface: String
    public let hostAddress: String
    public let peerAddress: String

    private static let counter = Atomic<Int>(0)

    /// Creates the namespace, runs `body`, and deletes the namespace and the veth pair even
    /// when `body` throws.
    public static func with<R>(_ body: (TestNamespace) async throws -> R) async throws -> R {
        let namespace = try create()
        defer { namespace.destroy() }
        return try await body(namespace)
    }

    private static func create() throws -> TestNamespace {
        guard let ip = TestEnvironment.ipTool else { throw CommandError(command: "ip", status: -1, output: "iproute2 is not installed") }
        let pid = getpid()
        let number = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        let subnet = UInt8.random(in: 1 ... 254)
        let base = Int.random(in: 0 ..< 64) * 4
        let namespace = TestNamespace(
            name: "icmpecho-\(pid)-\(number)",
            hostInterface: "ie\(pid % 10_000_000)x\(number)h",
            peerInterface: "ie\(pid % 10_000_000)x\(number)n",
            hostAddress: "169.254.\(subnet).\(base + 1)",
            peerAddress: "169.254.\(subnet).\(base + 2)"
        )
        do {
            try runCommand([ip, "netns", "add", namespace.name])
            try runCommand([ip, "link", "add", namespace.hostInterface, "type", "veth", "peer", "name", namespace.peerInterface])
            try runCommand([ip, "link", "set", namespace.peerInterface, "netns", namespace.name])
            try runCommand([ip, "addr", "add", "\(namespace.hostAddress)/30", "dev", namespace.hostInterface])
            try runCommand([ip, "link", "set", namespace.hostInterface, "up"])
            try namespace.exec([ip, "addr", "add", "\(namespace.peerAddress)/30", "dev", namespace.peerInterface])
            try namespace.exec([ip, "link", "set", namespace.peerInterface, "up"])
            try namespace.exec([ip, "link", "set", "lo", "up"])
        } catch {
            namespace.destroy()
            throw error
        }
        return namespace
    }

    /// Runs a command inside the namespace.
    @discardableResult
    public func exec(_ arguments: [String]) throws -> String {
        try runCommand([TestEnvironment.ipTool ?? "ip", "netns", "exec", name] + arguments)
    }

    /// Makes the namespace's kernel ignore (or answer again) echo requests.
    public func ignoreEchoRequests(_ ignore: Bool) throws {
        try exec(["/bin/sh", "-c", "echo \(ignore ? 1 : 0) > /proc/sys/net/ipv4/icmp_echo_ignore_all"])
    }

    public func destroy() {
        guard let ip = TestEnvironment.ipTool else { return }
        _ = try? runCommand([ip, "link", "del", hostInterface])
        _ = try? runCommand([ip, "netns", "del", name])
    }

    public var peer: ICMPEchoAddress { try! ICMPEchoAddress(peerAddress) }
}
