import Foundation
import GrafoleanCollectorTesting
import Testing

@testable import GrafoleanCollector

/// Runs longer than their interval still deliver: a ping device at 1 s with the web UI's default
/// credential (3 packets 1 s apart, 1 s timeout) takes about 3 s a run; the ping collector gives its
/// jobs a 4 s timeout (`PingSettings.longestRun`), so runs overlap and every second delivers.
@Suite("Runs longer than their interval", .timeLimit(.minutes(3)))
struct LongRunOverlapTests {
    @Test func aOneSecondJobWithThreeSecondRunsDeliversEverySecond() async throws {
        let delivered = SchedulerTestBox<[Double]>([])
        try await withScheduler { harness in
            let clock = harness.clock
            let job = harness.recorder.job("ping-device", [1], timeout: .seconds(4)) { fire in
                // Three packets one second apart, the last reply after a few milliseconds.
                try await clock.sleep(until: fire.scheduled.addingTimeInterval(2.005))
                delivered.withLock { $0.append(simulatedOffset(fire.scheduled)) }
            }
            await harness.update([job])
            for second in 1...30 {
                await harness.advance(to: Double(second))
            }
            await harness.advance(to: 33)
            let runs = harness.recorder.runs(of: "ping-device")
            #expect(runs.map(\.scheduled) == (1...33).map(Double.init))
            #expect(harness.statistics.firesSkippedOverlap == 0)
            #expect(harness.statistics.runsInFlight <= 4)
            #expect(harness.logs.records(containing: "timed out").isEmpty)
        }
        // Every run from 1 to 30 s delivered, none was cut short.
        #expect(Set(delivered.value).isSuperset(of: (1...30).map(Double.init)))
    }
}
