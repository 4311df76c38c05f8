import Foundation
import Synchronization
import ICMPEcho
import ProcessSupport

/// A network namespace joined to the host by a veth pair with link-local addresses
/// (169.254.a.b/30), created for one test and always removed afterwards.
public struct TestNamespace: Sendable {
    /// The namespace's name.
    public var name: String { namespace.name }
    /// Our end of the veth pair.
    public var hostInterface: String { namespace.hostInterface }
    /// The namespace's end of the veth pair.
    public var peerInterface: String { namespace.peerInterface }
    /// The address of our end.
    public var hostAddress: String { namespace.hostAddress }
    /// The address of the namespace's end: the test host.
    public var peerAddress: String { namespace.peerAddress }

    private let namespace: NetworkNamespace
    private static let counter = Atomic<Int>(0)

    /// Creates the namespace, runs `body`, and deletes the namespace and the veth pair even
    /// when `body` throws.
    public static func with<R>(_ body: (TestNamespace) async throws -> R) async throws -> R {
        let namespace = try create()
        defer { namespace.destroy() }
        return try await body(namespace)
    }

    private static func create() throws -> TestNamespace {
        let pid = getpid()
        let number = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        // A random /30 of 169.254/16, so that concurrent tests (and leftovers) do not collide.
        let subnet = UInt8.random(in: 1 ... 254)
        let base = Int.random(in: 0 ..< 64) * 4
        return TestNamespace(
            namespace: try NetworkNamespace.create(
                name: "icmpecho-\(pid)-\(number)",
                hostInterface: "ie\(pid % 10_000_000)x\(number)h",
                peerInterface: "ie\(pid % 10_000_000)x\(number)n",
                hostAddress: "169.254.\(subnet).\(base + 1)",
                peerAddress: "169.254.\(subnet).\(base + 2)"))
    }

    /// Runs a command inside the namespace.
    @discardableResult
    public func exec(_ arguments: [String]) throws -> String {
        try namespace.exec(arguments)
    }

    /// Makes the namespace's kernel ignore (or answer again) echo requests.
    public func ignoreEchoRequests(_ ignore: Bool) throws {
        try exec(["/bin/sh", "-c", "echo \(ignore ? 1 : 0) > /proc/sys/net/ipv4/icmp_echo_ignore_all"])
    }

    /// Deletes the namespace and the veth pair.
    public func destroy() {
        namespace.remove()
    }

    /// The test host's address.
    public var peer: ICMPEchoAddress { try! ICMPEchoAddress(peerAddress) }
}
