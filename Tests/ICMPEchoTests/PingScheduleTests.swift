import Synchronization
import Testing
@testable import ICMPEcho

@Suite("ping schedule (injected clock)")
struct PingScheduleTests {
    static let reply = EchoReply(source: ICMPEchoAddress(ipv4: 127, 0, 0, 1), roundTripTime: .microseconds(80), identifier: 1, sequence: 1)

    @Test("packets start at index × spacing; only lost packets are retried; results keep order")
    func schedule() async throws {
        let clock = ManualClock()
        let calls = Mutex<[(index: Int, at: Duration)]>([])
        // Packet 0 answers; packet 1 is lost once then answers; packet 2 is refused, lost, refused.
        let probe: @Sendable (Int) async throws -> EchoReply? = { index in
            let attempt = calls.withLock { calls in
                calls.append((index, clock.now.offset))
                return calls.filter { $0.index == index }.count
            }
            switch (index, attempt) {
            case (0, _), (1, 2): return Self.reply
            case (2, 1), (2, 3): throw ICMPEchoError(code: .sendFailed, message: "refused")
            default: return nil
            }
        }
        async let run = ICMPEchoEngine.runPingSchedule(count: 3, spacing: .seconds(1), retries: 2, clock: clock, probe: probe)

        #expect(await waitUntil { clock.sleeperCount == 2 && calls.withLock { $0.count } == 1 })
        clock.advance(by: .milliseconds(999))
        #expect(calls.withLock { $0.count } == 1, "packet 1 must not start before 1 s")
        clock.advance(by: .milliseconds(1))
        #expect(await waitUntil { clock.sleeperCount == 1 && calls.withLock { $0.count } == 3 })
        clock.advance(by: .seconds(1))
        let results = try await run

        #expect(calls.withLock { $0.map(\.index) } == [0, 1, 1, 2, 2, 2])
        #expect(calls.withLock { $0.map(\.at) } == [.zero, .seconds(1), .seconds(1), .seconds(2), .seconds(2), .seconds(2)])
        #expect(results.map(\.index) == [0, 1, 2])
        #expect(results.map(\.attempts) == [1, 2, 3])
        #expect(results.map(\.isReplied) == [true, true, false])
        #expect(results[2].sendError?.code == .sendFailed)
        #expect(results[1].sendError == nil)
    }

    @Test("no retries and zero packets")
    func edges() async throws {
        let clock = ManualClock()
        let none = try await ICMPEchoEngine.runPingSchedule(count: 0, spacing: .seconds(1), retries: 3, clock: clock) { _ in Self.reply }
        #expect(none.isEmpty)
        let lost = try await ICMPEchoEngine.runPingSchedule(count: 1, spacing: .seconds(1), retries: 0, clock: clock) { _ in nil }
        #expect(lost == [ProbeResult(index: 0, reply: nil, attempts: 1)])
    }

    @Test("cancelling the caller cancels packets still waiting for their turn")
    func cancellation() async throws {
        let clock = ManualClock()
        let probes = Atomic<Int>(0)
        let task = Task {
            try await ICMPEchoEngine.runPingSchedule(count: 3, spacing: .seconds(10), retries: 0, clock: clock) { _ in
                probes.add(1, ordering: .relaxed)
                return Self.reply
            }
        }
        #expect(await waitUntil { clock.sleeperCount == 2 })
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(probes.load(ordering: .relaxed) == 1)
    }
}
