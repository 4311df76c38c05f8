import Logging
import Synchronization
import ProcessSupport
import Testing
@testable import ICMPEcho
import ICMPEchoTestSupport

/// Runs `body` against a running engine and stops the engine afterwards.
func withRunningEngine<R>(
    _ configuration: ICMPEchoEngine.Configuration = .init(),
    _ body: (ICMPEchoEngine) async throws -> R
) async throws -> R {
    var logger = Logger(label: "ICMPEchoTests")
    logger.logLevel = .warning
    return try await withICMPEchoEngine(configuration: configuration, logger: logger, body)
}

@Suite("Engine on loopback (raw sockets)", .enabled(if: TestEnvironment.canOpenRawSockets, TestEnvironment.rawRequirement))
struct LoopbackEchoTests {
    @Test("several loopback addresses answer with plausible round-trip times")
    func severalAddresses() async throws {
        try await withRunningEngine(.init(socketMode: .raw)) { engine in
            #expect(engine.socketKind == .raw)
            for text in ["127.0.0.1", "127.1.2.3", "127.200.0.254", "127.255.255.254"] {
                let reply = try #require(try await engine.echo(to: text, timeout: .seconds(2)), "no reply from \(text)")
                #expect(reply.source.description == text)
                #expect(reply.roundTripTime > .zero)
                #expect(reply.roundTripTime < .milliseconds(500))
                #expect(reply.timeToLive == 64)
            }
            let stats = engine.statistics
            #expect(stats.requestsSent == 4)
            #expect(stats.repliesMatched == 4)
            #expect(stats.timeouts == 0)
            #expect(stats.pendingProbes == 0)
        }
    }

    @Test("ping reports every packet", .timeLimit(.minutes(3)))
    func ping() async throws {
        try await withRunningEngine { engine in
            let results = try await engine.ping("127.0.0.9", count: 5, spacing: .milliseconds(20), timeout: .seconds(1), retries: 1)
            #expect(results.map(\.index) == Array(0 ..< 5))
            #expect(results.allSatisfy { $0.isReplied && $0.attempts == 1 && $0.sendError == nil })
            let exchanges = Set(results.compactMap { $0.reply.map { "\($0.identifier)/\($0.sequence)" } })
            #expect(exchanges.count == 5, "each packet has its own identifier/sequence pair")
        }
    }

    @Test("IPv6 loopback answers", .enabled(if: IPv6Loopback.isUsable, "needs IPv6 loopback (::1)"))
    func ipv6() async throws {
        try await withRunningEngine { engine in
            #expect(engine.ipv6SocketKind != nil)
            let reply = try #require(try await engine.echo(to: "::1", timeout: .seconds(2)))
            #expect(reply.source.description == "::1")
            #expect(reply.roundTripTime < .milliseconds(500))
        }
    }

    @Test("thousands of concurrent probes to distinct addresses all come back", .timeLimit(.minutes(3)))
    func manyConcurrent() async throws {
        let count = 5_000
        try await withRunningEngine { engine in
            let replied = try await withThrowingTaskGroup(of: Bool.self, returning: Int.self) { group in
                for index in 0 ..< count {
                    group.addTask {
                        let target = ICMPEchoAddress(ipv4: 127, 3, UInt8(index >> 8), UInt8(index & 0xFF))
                        let reply = try await engine.echo(to: target, timeout: .seconds(5))
                        return reply?.source == target
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(replied == count)
            let stats = engine.statistics
            #expect(stats.repliesMatched == count)
            #expect(stats.lateReplies == 0)
            #expect(stats.pendingProbes == 0)
        }
    }

    @Test("two engines on one host ignore each other's replies")
    func foreignReplies() async throws {
        try await withRunningEngine(.init(socketMode: .raw, enableIPv6: false)) { first in
            try await withRunningEngine(.init(socketMode: .raw, enableIPv6: false)) { second in
                async let a = first.ping("127.0.0.2", count: 50, spacing: .milliseconds(1), timeout: .seconds(2))
                async let b = second.ping("127.0.0.3", count: 50, spacing: .milliseconds(1), timeout: .seconds(2))
                let (resultsA, resultsB) = try await (a, b)
                // A fresh round trip on each engine: its reply is queued behind the other's.
                #expect(try await first.echo(to: "127.0.0.2") != nil)
                #expect(try await second.echo(to: "127.0.0.3") != nil)
                #expect(resultsA.allSatisfy { $0.reply?.source.description == "127.0.0.2" })
                #expect(resultsB.allSatisfy { $0.reply?.source.description == "127.0.0.3" })
                // Each raw socket also saw (and dropped) the other engine's 50 replies.
                #expect(first.statistics.ignoredPackets >= 50)
                #expect(second.statistics.ignoredPackets >= 50)
                #expect(first.statistics.repliesMatched == 51)
            }
        }
    }

    @Test("a probe queued before run() can be cancelled; nothing stays pending")
    func cancelQueuedProbe() async throws {
        let engine = try ICMPEchoEngine()
        let task = Task { try await engine.echo(to: "127.0.0.1", timeout: .seconds(30)) }
        #expect(await waitUntil { engine.statistics.pendingProbes == 1 })
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(engine.statistics.pendingProbes == 0)
        #expect(engine.statistics.cancelled == 1)
    }

    @Test("an engine runs once; after it stops it refuses probes")
    func lifecycle() async throws {
        let engine = try ICMPEchoEngine()
        try await withThrowingTaskGroup(of: Void.self) { (group: inout ThrowingTaskGroup<Void, any Error>) async throws in
            group.addTask { try await engine.run() }
            #expect(try await engine.echo(to: "127.0.0.1") != nil)
            await #expect(throws: ICMPEchoError.self) { try await engine.run() }
            group.cancelAll()
        }
        let error = await #expect(throws: ICMPEchoError.self) { try await engine.echo(to: "127.0.0.1") }
        #expect(error?.code == .shutDown)
    }

    @Test("bad targets and arguments are refused with clear errors")
    func badInput() async throws {
        try await withRunningEngine { engine in
            let badAddress = await #expect(throws: ICMPEchoError.self) { try await engine.ping("127.0.0.256") }
            #expect(badAddress?.code == .invalidAddress)
            #expect(badAddress?.message.contains("127.0.0.256") == true)
            let badTimeout = await #expect(throws: ICMPEchoError.self) { try await engine.echo(to: "127.0.0.1", timeout: .zero) }
            #expect(badTimeout?.code == .invalidArgument)
            let badCount = await #expect(throws: ICMPEchoError.self) { try await engine.ping("127.0.0.1", count: -1) }
            #expect(badCount?.code == .invalidArgument)
        }
        let badConfiguration = #expect(throws: ICMPEchoError.self) { try ICMPEchoEngine(configuration: .init(payloadSize: 8)) }
        #expect(badConfiguration?.code == .invalidArgument)
        #expect(badConfiguration?.message.contains("payloadSize") == true)
    }

    @Test("sending to an unroutable address fails the probe, not the engine")
    func sendFailure() async throws {
        try await withRunningEngine(.init(enableIPv6: false)) { engine in
            // 255.255.255.255 without SO_BROADCAST: the kernel refuses with EACCES.
            let results = try await engine.ping("255.255.255.255", count: 1, timeout: .milliseconds(200))
            #expect(results.first?.isReplied == false)
            #expect(results.first?.sendError?.code == .sendFailed)
            #expect(results.first?.sendError?.message.contains("255.255.255.255") == true)
            #expect(try await engine.echo(to: "127.0.0.1") != nil)
            #expect(engine.statistics.sendFailures == 1)
        }
    }
}
