import Foundation
import GrafoleanCollectorTesting
import Synchronization
import Testing

@testable import GrafoleanCollector

/// An error a job throws on purpose.
struct DeliberateJobFailure: Error {}

@Suite("Job scheduler: overlap, limits, timeouts, failures")
struct JobSchedulerLimitsTests {
    @Test("A fire while the job's run is still going is skipped, counted and logged")
    func overlapSkipped() async throws {
        try await withScheduler(SchedulerOptions(runTimeout: .seconds(1_000))) { harness in
            let clock = harness.clock
            await harness.update([harness.recorder.job("slow", [60]) { _ in try await clock.sleep(seconds: 90) }])
            await harness.advance(to: 60)
            #expect(harness.statistics.runsInFlight == 1)
            await harness.advance(to: 120)
            #expect(harness.statistics.firesSkippedOverlap == 1)
            #expect(harness.metrics.counterTotal(label: "collector_fires_skipped_total", dimensions: [("reason", "overlap")]) == 1)
            let logged = harness.logs.records(containing: "previous run is still going")
            #expect(logged.map { $0.metadata["job"] } == ["slow"])
            await harness.advance(to: 180)
            #expect(harness.recorder.runs(of: "slow").map(\.scheduled) == [60, 180])
            #expect(harness.statistics.runsSucceeded == 1)
        }
    }

    @Test("Overlapping runs are allowed up to the per-job limit")
    func overlapAllowed() async throws {
        try await withScheduler(SchedulerOptions(maximumConcurrentRunsPerJob: 2, runTimeout: .seconds(1_000))) { harness in
            let clock = harness.clock
            await harness.update([harness.recorder.job("slow", [60]) { _ in try await clock.sleep(seconds: 150) }])
            await harness.advance(to: 120)
            #expect(harness.statistics.runsInFlight == 2)
            await harness.advance(to: 180)
            // Run 1 (60…210) and run 2 (120…270) are both going: the third fire is skipped.
            #expect(harness.statistics.firesSkippedOverlap == 1)
            await harness.advance(to: 240)
            #expect(harness.recorder.runs(of: "slow").map(\.scheduled) == [60, 120, 240])
        }
    }

    @Test("Runs over the global limit wait and run late, with their lateness recorded")
    func concurrencyLimit() async throws {
        try await withScheduler(SchedulerOptions(maximumConcurrentRuns: 2)) { harness in
            let clock = harness.clock
            let jobs = (1...4).map { index in
                harness.recorder.job("job\(index)", [60]) { _ in try await clock.sleep(seconds: 10) }
            }
            await harness.update(jobs)
            await harness.advance(to: 60)
            #expect(harness.statistics.runsInFlight == 2)
            #expect(harness.statistics.runsWaiting == 2)
            #expect(harness.statistics.firesDeferred == 2)
            await harness.advance(to: 70)
            let runs = harness.recorder.all
            #expect(runs.count == 4)
            #expect(runs.map(\.scheduled) == [60, 60, 60, 60])
            #expect(runs.map(\.lateness) == [0, 0, 10, 10])
            let lateness = try harness.metrics.expectTimer("collector_run_lateness_seconds")
            #expect(lateness.values.sorted() == [0, 0, 10_000_000_000, 10_000_000_000])
            await harness.advance(to: 80)
            #expect(harness.statistics.maximumLateness == 10)
            #expect(harness.statistics.runsSucceeded == 4)
            #expect(harness.statistics.runsWaiting == 0)
        }
    }

    @Test("A job has at most one waiting run; further fires merge into it")
    func oneWaitingRunPerJob() async throws {
        try await withScheduler(SchedulerOptions(maximumConcurrentRuns: 1, runTimeout: .seconds(1_000))) { harness in
            let clock = harness.clock
            await harness.update([
                harness.recorder.job("hog", [60]) { _ in try await clock.sleep(seconds: 35) },
                harness.recorder.job("waiter", [10, 20], start: simulatedTime(50)),
            ])
            await harness.advance(to: 60)
            #expect(harness.recorder.runs(of: "hog").count == 1)
            // "waiter" fires at 60 ([10]), 70 ([10, 20]), 80 ([10]), 90 ([10, 20]) while "hog" holds the only slot.
            await harness.advance(to: 99)
            #expect(harness.statistics.runsWaiting == 0)
            let waiter = harness.recorder.runs(of: "waiter")
            #expect(waiter.count == 1)
            #expect(waiter.first?.intervals == [10, 20])
            #expect(waiter.first?.scheduled == 60)
            #expect(waiter.first?.lateness == 35)
            #expect(harness.statistics.firesCoalesced == 3)
            #expect(harness.metrics.counterTotal(label: "collector_fires_coalesced_total") == 3)
        }
    }

    @Test("A run that outlives its timeout is cancelled, counted and logged; the next fire runs")
    func timeout() async throws {
        try await withScheduler { harness in
            let clock = harness.clock
            let outcomes = SchedulerTestBox<[String]>([])
            await harness.update([
                harness.recorder.job("stuck", [60]) { context in
                    do {
                        try await clock.sleep(seconds: 1e9)
                    } catch is CancellationError {
                        outcomes.withLock { $0.append("cancelled at \(simulatedOffset(clock.now))") }
                        throw CancellationError()
                    }
                }
            ])
            await harness.advance(to: 119)
            #expect(outcomes.withLock { $0 }.isEmpty)
            // Default timeout: the smallest interval, 60 s.
            await harness.advance(to: 120)
            #expect(outcomes.withLock { $0 } == ["cancelled at 120.0"])
            #expect(harness.statistics.runsTimedOut == 1)
            #expect(harness.statistics.runsFailed == 0)
            #expect(harness.metrics.counterTotal(label: "collector_run_timeouts_total") == 1)
            #expect(harness.logs.records(containing: "timed out").map { $0.metadata["job"] } == ["stuck"])
            // The fire at 120 waited for the cancelled run to unwind instead of being skipped.
            #expect(harness.statistics.firesSkippedOverlap == 0)
            #expect(harness.recorder.runs(of: "stuck").map(\.scheduled) == [60, 120])
        }
    }

    @Test("A job's own timeout overrides the default")
    func customTimeout() async throws {
        try await withScheduler(SchedulerOptions(runTimeout: .seconds(30))) { harness in
            let clock = harness.clock
            await harness.update([
                harness.recorder.job("a", [60]) { _ in try await clock.sleep(seconds: 1e9) },
                harness.recorder.job("b", [60], timeout: .seconds(5)) { _ in try await clock.sleep(seconds: 1e9) },
            ])
            await harness.advance(to: 65)
            #expect(harness.logs.records(containing: "timed out").map { $0.metadata["job"] } == ["b"])
            await harness.advance(to: 90)
            #expect(harness.logs.records(containing: "timed out").map { $0.metadata["job"] } == ["b", "a"])
            #expect(harness.statistics.runsTimedOut == 2)
        }
    }

    @Test("A run that throws is logged with its job id and counted; other jobs are unaffected")
    func failingRun() async throws {
        try await withScheduler { harness in
            await harness.update([
                harness.recorder.job("broken", [60]) { _ in throw DeliberateJobFailure() },
                harness.recorder.job("fine", [60]),
            ])
            await harness.advance(to: 180)
            #expect(harness.recorder.runs(of: "broken").count == 3)
            #expect(harness.recorder.runs(of: "fine").count == 3)
            #expect(harness.statistics.runsFailed == 3)
            #expect(harness.statistics.runsSucceeded == 3)
            #expect(harness.metrics.counterTotal(label: "collector_run_failures_total") == 3)
            #expect(harness.metrics.counterTotal(label: "collector_runs_total") == 6)
            let failures = harness.logs.records(containing: "Job run failed")
            #expect(failures.count == 3)
            #expect(failures.allSatisfy { $0.metadata["job"] == "broken" && $0.metadata["error"]?.contains("DeliberateJobFailure") == true })
        }
    }

    @Test("Run duration and in-flight gauges are reported")
    func durationAndGauges() async throws {
        try await withScheduler { harness in
            let clock = harness.clock
            await harness.update([
                harness.recorder.job("a", [60]) { _ in try await clock.sleep(seconds: 2.5) },
                harness.recorder.job("b", [60], fingerprint: 1),
            ])
            let jobs = try harness.metrics.expectGauge("collector_jobs")
            #expect(jobs.lastValue == 2)
            await harness.advance(to: 61)
            // Sampled at each tick (both runs had just started) and whenever it drops to zero.
            let inFlight = try harness.metrics.expectGauge("collector_runs_in_flight")
            #expect(inFlight.lastValue == 2)
            #expect(harness.statistics.runsInFlight == 1)
            await harness.advance(to: 63)
            #expect(inFlight.lastValue == 0)
            let duration = try harness.metrics.expectTimer("collector_run_duration_seconds")
            #expect(duration.values.sorted() == [0, 2_500_000_000])
        }
    }
}
