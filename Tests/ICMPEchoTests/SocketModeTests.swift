import Foundation
import Logging
import ProcessSupport
import Testing
@testable import ICMPEcho
import ICMPEchoTestSupport

/// Datagram-socket tests change the host-wide net.ipv4.ping_group_range, so they run one at a time
/// and restore the original value.
@Suite("Socket modes", .serialized, .enabled(if: TestEnvironment.isRoot, "needs root to change net.ipv4.ping_group_range"))
struct SocketModeTests {
    static let rangeFile = "/proc/sys/net/ipv4/ping_group_range"

    /// Sets ping_group_range for the duration of `body` and restores it afterwards.
    func withPingGroupRange<R>(_ range: String, _ body: () async throws -> R) async throws -> R {
        let original = try readProcFile(Self.rangeFile)
        try writeProcFile(Self.rangeFile, range)
        defer { try? writeProcFile(Self.rangeFile, original) }
        return try await body()
    }

    @Test("datagram sockets: the kernel picks the identifier and replies still match", .timeLimit(.minutes(3)))
    func datagram() async throws {
        let group = getegid()
        try await withPingGroupRange("\(group) \(group)") {
            try await withRunningEngine(.init(socketMode: .datagram, identifiersPerFamily: 2)) { engine in
                #expect(engine.socketKind == .datagram)
                let identifiers = Set(engine.resources.ipv4.lanes.map(\.identifier))
                #expect(identifiers.count == 2)
                let results = try await engine.ping("127.4.5.6", count: 10, spacing: .milliseconds(5), timeout: .seconds(2))
                #expect(results.allSatisfy { $0.isReplied })
                #expect(results.allSatisfy { identifiers.contains($0.reply?.identifier ?? 0) })
                #expect(results.allSatisfy { ($0.roundTripTime ?? .zero) < .milliseconds(500) })
                if IPv6Loopback.isUsable, engine.ipv6SocketKind == .datagram {
                    #expect(try await engine.echo(to: "::1") != nil)
                }
            }
        }
    }

    @Test("automatic mode prefers raw sockets when allowed")
    func automatic() throws {
        let engine = try ICMPEchoEngine(configuration: .init(socketMode: .automatic))
        #expect(engine.socketKind == (TestEnvironment.canOpenRawSockets ? .raw : .datagram))
    }

    @Test("forcing datagram sockets where ping_group_range forbids them explains how to fix it")
    func datagramDenied() async throws {
        try await withPingGroupRange("1 0") {
            let error = #expect(throws: ICMPEchoError.self) {
                try ICMPEchoEngine(configuration: .init(socketMode: .datagram, enableIPv6: false))
            }
            #expect(error?.code == .permissionDenied)
            #expect(error?.message.contains("net.ipv4.ping_group_range") == true)
            #expect(error?.message.contains("sysctl -w") == true)
            #expect(error?.message.contains("\"1 0\"") == true)
        }
    }
}

@Suite("Permission error messages")
struct PermissionMessageTests {
    @Test("neither socket kind allowed: the message names both causes and all three fixes")
    func neither() {
        let error = EngineResources.openError(
            family: .ipv4,
            raw: SocketOpenFailure(step: "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", errorNumber: EPERM),
            datagram: SocketOpenFailure(step: "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)", errorNumber: EACCES),
            pingGroupRange: "1 0", group: 1000
        )
        #expect(error.code == .permissionDenied)
        #expect(error.systemErrorNumber == EACCES)
        for part in ["SOCK_RAW", "SOCK_DGRAM", "run as root", "setcap cap_net_raw+ep", "group 1000", "\"1 0\"",
                     "sysctl -w net.ipv4.ping_group_range=\"0 2147483647\""] {
            #expect(error.message.contains(part), "missing \(part) in: \(error.message)")
        }
    }

    @Test("forced raw mode without privilege points at root or CAP_NET_RAW")
    func rawOnly() {
        let error = EngineResources.openError(
            family: .ipv4, raw: SocketOpenFailure(step: "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", errorNumber: EPERM), datagram: nil
        )
        #expect(error.code == .permissionDenied)
        #expect(error.message.contains("setcap cap_net_raw+ep"))
        #expect(!error.message.contains("sysctl"))
    }

    @Test("other failures are not reported as permission problems")
    func otherFailures() {
        let unsupported = EngineResources.openError(family: .ipv6, raw: SocketOpenFailure(step: "socket", errorNumber: EAFNOSUPPORT), datagram: nil)
        #expect(unsupported.code == .addressFamilyUnavailable)
        let exhausted = EngineResources.openError(family: .ipv4, raw: SocketOpenFailure(step: "socket", errorNumber: EMFILE), datagram: nil)
        #expect(exhausted.code == .socketFailure)
        #expect(exhausted.message.contains("IPv4"))
    }
}
