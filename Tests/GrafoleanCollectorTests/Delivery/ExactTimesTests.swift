import Foundation
import GrafoleanCollectorTesting
import Synchronization
import Testing

@testable import GrafoleanCollector

/// A receiver that stores what Grafolean would: arrival-time values at the clock's now, measured
/// ones at their own time. It is not the HTTP client: the sender only sees outcomes.
final class StoringTransport: ValueTransport {
    struct Stored: Sendable {
        var path: String
        var measured: Date
        var stored: Date
        var timestamps: ValueTimestamps
    }

    let clock: ManualClock
    private let state = Mutex<(up: Bool, stored: [Stored])>((true, []))

    init(clock: ManualClock) { self.clock = clock }

    var up: Bool {
        get { state.withLock { $0.up } }
        set { state.withLock { $0.up = newValue } }
    }

    var stored: [Stored] { state.withLock { $0.stored } }

    func deliver(_ values: [MeasuredValue], account: Int, timestamps: ValueTimestamps) async -> DeliveryOutcome {
        state.withLock { state in
            guard state.up else { return .retryLater(reason: "connection refused (test)", isOutage: true) }
            let now = clock.now
            state.stored += values.map { Stored(path: $0.path, measured: $0.time, stored: timestamps == .arrival ? now : $0.time, timestamps: timestamps) }
            return .delivered
        }
    }
}

/// The sender keeps every value at its measured time through outages of any length (injected time).
@Suite("Exact times through outages", .timeLimit(.minutes(3)))
struct ExactTimesTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    /// One value every second from 0 to 60 s; the receiver is away from 10 s for `outage` seconds.
    func storedSeries(outage: Double) async throws -> [StoringTransport.Stored] {
        let clock = ManualClock(now: Self.start)
        let transport = StoringTransport(clock: clock)
        let sender = ValueSender(
            transport: transport, configuration: .init(initialRetryDelay: .seconds(1), maximumRetryDelay: .seconds(8)), clock: clock)
        await withTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: clock.executor) { try? await sender.run() }
            await clock.settle()
            for second in 0...60 {
                let now = Self.start.addingTimeInterval(Double(second))
                await clock.advance(to: now)
                if second == 10 { transport.up = false }
                if Double(second) == 10 + outage { transport.up = true }
                await withTaskExecutorPreference(clock.executor) {
                    _ = await sender.send([MeasuredValue(path: "entity.1.ping.success", value: 1, time: clock.now)], account: 1)
                }
                await clock.settle()
            }
            await clock.advance(to: Self.start.addingTimeInterval(120))
            group.cancelAll()
        }
        return transport.stored
    }

    @Test(arguments: [2.0, 10.0, 30.0])
    func noValueIsStampedAwayFromItsMeasuredTime(outage: Double) async throws {
        let stored = try await storedSeries(outage: outage)
        // Every value arrives, once, …
        #expect(stored.count == 61)
        #expect(Set(stored.map(\.measured)).count == 61)
        // … stored within the stated delay (1 s) of its measurement: the series stays regular.
        for value in stored {
            #expect(abs(value.stored.timeIntervalSince(value.measured)) <= 1, "stored \(value.stored) for a value measured at \(value.measured) (\(value.timestamps))")
        }
        // No bunching at the recovery: one point per second, each within the delay of its place.
        let times = stored.sorted { $0.measured < $1.measured }.map(\.stored)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 > $0 && $1.timeIntervalSince($0) < 2 })
        // Values of the outage went with their measured times; the others by arrival time (alerts fire).
        #expect(stored.filter { $0.timestamps == .measured }.count >= Int(outage))
        #expect(stored.contains { $0.timestamps == .arrival })
    }
}
