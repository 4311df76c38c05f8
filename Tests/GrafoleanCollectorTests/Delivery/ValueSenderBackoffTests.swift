import Foundation
import GrafoleanCollectorTesting
import Synchronization
import Testing

@testable import GrafoleanCollector

/// Retry timing with injected time: a transport that is down until a test says otherwise.
@Suite("The sender's retry timing", .timeLimit(.minutes(3)))
struct ValueSenderBackoffTests {
    final class SwitchableTransport: ValueTransport {
        private let state = Mutex<(up: Bool, delivered: [(account: Int, method: String, at: Date)])>((false, []))
        let clock: ManualClock
        init(clock: ManualClock) { self.clock = clock }

        var up: Bool {
            get { state.withLock { $0.up } }
            set { state.withLock { $0.up = newValue } }
        }
        var delivered: [(account: Int, method: String, at: Date)] { state.withLock { $0.delivered } }

        func deliver(_ values: [MeasuredValue], account: Int, timestamps: ValueTimestamps) async -> DeliveryOutcome {
            state.withLock { state in
                guard state.up else { return .retryLater(reason: "down (test)", isOutage: true) }
                state.delivered.append((account, timestamps == .measured ? "PUT" : "POST", clock.now))
                return .delivered
            }
        }
    }

    @Test func backoffDoublesAndASuccessElsewhereEndsIt() async throws {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let clock = ManualClock(now: start)
        let transport = SwitchableTransport(clock: clock)
        let sender = ValueSender(
            transport: transport, configuration: .init(initialRetryDelay: .seconds(1), maximumRetryDelay: .seconds(60), retryJitter: 0), clock: clock)
        await withTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: clock.executor) { try? await sender.run() }
            await clock.settle()
            // Account 1 fails at 0 and retries at 1, 3, 7, 15, 31, 63; account 2 from 10: 11, 13, 17, 25, 41.
            // Calls into the sender run on the clock's executor too, so settle() sees their effects.
            await withTaskExecutorPreference(clock.executor) {
                _ = await sender.send([MeasuredValue(path: "a.v", value: 1, time: clock.now)], account: 1)
            }
            await clock.settle()
            await clock.advance(to: start.addingTimeInterval(10))
            await withTaskExecutorPreference(clock.executor) {
                _ = await sender.send([MeasuredValue(path: "b.v", value: 1, time: clock.now)], account: 2)
            }
            await clock.settle()
            await clock.advance(to: start.addingTimeInterval(35))
            #expect(transport.delivered.isEmpty)
            transport.up = true
            // Account 2 gets through at 41; account 1 follows within a second instead of at 63.
            await clock.advance(to: start.addingTimeInterval(43))
            group.cancelAll()
        }
        let delivered = transport.delivered
        // Account 2 on its doubling schedule (10 → 11 → 13 → 17 → 25 → 41) …
        #expect(delivered.first { $0.account == 2 }?.at.timeIntervalSince(start) == 41)
        // … and account 1 right after it, not at its own next retry (63).
        let first = try #require(delivered.first { $0.account == 1 })
        #expect(first.at.timeIntervalSince(start) <= 42)
        #expect(delivered.count == 2)
        #expect(delivered.allSatisfy { $0.method == "PUT" })
    }
}
