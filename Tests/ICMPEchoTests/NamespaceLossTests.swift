import Synchronization
import Testing
@testable import ICMPEcho
import ICMPEchoTestSupport

/// Loss and late replies from a real test host: a network namespace behind a veth pair with
/// link-local addresses, whose kernel ignores echo requests on demand, or whose user-space
/// ``EchoResponder`` drops and delays replies per request.
@Suite("Loss and late replies from a test host", .enabled(if: TestEnvironment.canCreateNamespaces, TestEnvironment.namespaceRequirement))
struct NamespaceLossTests {
    @Test("a host that ignores echo gives no replies", .timeLimit(.minutes(3)))
    func totalLoss() async throws {
        try await TestNamespace.with { namespace in
            try namespace.ignoreEchoRequests(true)
            try await withRunningEngine { engine in
                let results = try await engine.ping(namespace.peer, count: 3, spacing: .zero, timeout: .milliseconds(200), retries: 1)
                #expect(results.count == 3)
                #expect(results.allSatisfy { !$0.isReplied && $0.attempts == 2 && $0.sendError == nil })
                #expect(engine.statistics.timeouts == 6)
                #expect(engine.statistics.pendingProbes == 0)
            }
        }
    }

    @Test("loss follows the host: answered, ignored, answered again", .timeLimit(.minutes(3)))
    func partialLossByToggling() async throws {
        try await TestNamespace.with { namespace in
            try await withRunningEngine { engine in
                var pattern: [Bool] = []
                for phase in [false, true, false] {
                    try namespace.ignoreEchoRequests(phase)
                    for _ in 0 ..< 3 {
                        pattern.append(try await engine.echo(to: namespace.peer, timeout: .milliseconds(300)) != nil)
                    }
                }
                #expect(pattern == [true, true, true, false, false, false, true, true, true])
            }
        }
    }

    @Test("half of the replies dropped: success fraction exactly one half", .timeLimit(.minutes(3)))
    func partialLossFraction() async throws {
        try await TestNamespace.with { namespace in
            try await EchoResponder.with(in: namespace, policy: { $0 % 2 == 0 ? .zero : nil }) { responder in
                try await withRunningEngine { engine in
                    let results = try await engine.ping(namespace.peer, count: 40, spacing: .milliseconds(2), timeout: .milliseconds(500))
                    let replied = results.filter(\.isReplied).count
                    #expect(responder.requestCount == 40)
                    #expect(Double(replied) / Double(results.count) == 0.5)
                    #expect(results.filter(\.isReplied).allSatisfy { $0.roundTripTime! < .milliseconds(500) })
                }
            }
        }
    }

    @Test("a reply after the timeout is not a success, and it is recognised as late", .timeLimit(.minutes(3)))
    func lateReply() async throws {
        try await TestNamespace.with { namespace in
            try await EchoResponder.with(in: namespace, policy: { _ in .milliseconds(300) }) { _ in
                try await withRunningEngine { engine in
                    #expect(try await engine.echo(to: namespace.peer, timeout: .milliseconds(100)) == nil)
                    // Its own reply comes 300 ms after the first one's late reply.
                    let reply = try #require(try await engine.echo(to: namespace.peer, timeout: .seconds(3)))
                    #expect(reply.roundTripTime >= .milliseconds(300))
                    let stats = engine.statistics
                    #expect(stats.lateReplies == 1)
                    #expect(stats.repliesMatched == 1)
                    #expect(stats.timeouts == 1)
                }
            }
        }
    }

    @Test("a late reply to one attempt is never credited to its retry", .timeLimit(.minutes(3)))
    func lateReplyNotMatchedToRetry() async throws {
        try await TestNamespace.with { namespace in
            // Attempts leave at 0, 150 and 300 ms; the first one's reply arrives at 300 ms, while
            // the third attempt (deadline 450 ms) waits — it must not take that reply.
            try await EchoResponder.with(in: namespace, policy: { _ in .milliseconds(300) }) { responder in
                try await withRunningEngine { engine in
                    let results = try await engine.ping(namespace.peer, count: 1, timeout: .milliseconds(150), retries: 2)
                    #expect(results == [ProbeResult(index: 0, reply: nil, attempts: 3)])
                    #expect(responder.requestCount == 3)
                    #expect(engine.statistics.repliesMatched == 0)
                    #expect(engine.statistics.lateReplies >= 1)
                }
            }
        }
    }

    @Test("cancelling a caller drops its probe at once; stopping the engine fails the rest", .timeLimit(.minutes(3)))
    func cancellationAndShutdown() async throws {
        try await TestNamespace.with { namespace in
            try namespace.ignoreEchoRequests(true)
            let engine = try ICMPEchoEngine()
            try await withThrowingTaskGroup(of: Void.self) { (group: inout ThrowingTaskGroup<Void, any Error>) async throws in
                group.addTask { try await engine.run() }
                let cancelled = Task { try await engine.echo(to: namespace.peer, timeout: .seconds(30)) }
                let orphaned = Task { try await engine.echo(to: namespace.peer, timeout: .seconds(30)) }
                #expect(await waitUntil { engine.statistics.requestsSent == 2 })
                cancelled.cancel()
                await #expect(throws: CancellationError.self) { try await cancelled.value }
                #expect(engine.statistics.pendingProbes == 1)
                group.cancelAll()
                let error = await #expect(throws: ICMPEchoError.self) { try await orphaned.value }
                #expect(error?.code == .shutDown)
            }
            #expect(engine.statistics.pendingProbes == 0)
        }
    }
}
