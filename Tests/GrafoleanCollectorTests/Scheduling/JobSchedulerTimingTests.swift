import Foundation
import GrafoleanCollectorTesting
import Testing

@testable import GrafoleanCollector

@Suite("Job scheduler: timing")
struct JobSchedulerTimingTests {
    @Test("A day of a [60, 300] job: exact fires, intervals and times")
    func simulatedDay() async throws {
        try await withScheduler { harness in
            await harness.update([harness.recorder.job("device", [300, 60])])
            await harness.advance(to: 86_400)

            let runs = harness.recorder.runs(of: "device")
            #expect(runs.count == 1_440)
            #expect(runs.map(\.scheduled) == (1...1_440).map { Double($0 * 60) })
            #expect(runs.filter { $0.intervals == [60, 300] }.count == 288)
            #expect(runs.filter { $0.intervals == [60] }.count == 1_152)
            #expect(runs.allSatisfy { $0.intervals == ($0.scheduled.truncatingRemainder(dividingBy: 300) == 0 ? [60, 300] : [60]) })
            #expect(runs.allSatisfy { $0.lateness == 0 })
            let statistics = harness.statistics
            #expect(statistics.runsStarted == 1_440)
            #expect(statistics.runsSucceeded == 1_440)
            #expect(statistics.firesSkippedClockJump == 0)
            #expect(statistics.firesSkippedOverlap == 0)
            // The heartbeat keeps the loop ticking even between fires (every 10 s).
            #expect(statistics.ticks >= 8_640)
            #expect(statistics.lastTick == simulatedTime(86_400))
            #expect(harness.scheduler.lastTick == simulatedTime(86_400))
            #expect(harness.scheduler.nextFire(ofJob: "device") == simulatedTime(86_460))
        }
    }

    @Test("Coinciding intervals fire once, and the run is told which fired")
    func coincidingIntervals() async throws {
        try await withScheduler { harness in
            await harness.update([harness.recorder.job("job", [2, 3])])
            await harness.advance(to: 12)
            let runs = harness.recorder.runs(of: "job")
            #expect(runs.map(\.scheduled) == [2, 3, 4, 6, 8, 9, 10, 12])
            #expect(runs.map(\.intervals) == [[2], [3], [2], [2, 3], [2], [3], [2], [2, 3]])
        }
    }

    @Test("The first run comes one interval after the job is added, on a whole second")
    func firstRunOneIntervalAfterStart() async throws {
        try await withScheduler { harness in
            await harness.advance(to: 17.4)
            await harness.update([harness.recorder.job("job", [60])])
            // Added at 17.4 s: the grid starts at the nearest whole second, 17.
            #expect(harness.scheduler.nextFire(ofJob: "job") == simulatedTime(77))
            await harness.advance(to: 76.9)
            #expect(harness.recorder.all.isEmpty)
            await harness.advance(to: 77)
            #expect(harness.recorder.runs(of: "job").map(\.scheduled) == [77])
        }
    }

    @Test("An explicit start in the past aligns the job to its grid")
    func explicitStart() async throws {
        try await withScheduler { harness in
            await harness.update([harness.recorder.job("job", [60], start: simulatedTime(-1_000))])
            // Grid: -1000 + 60k; the first point after 0 is 20.
            #expect(harness.scheduler.nextFire(ofJob: "job") == simulatedTime(20))
            await harness.advance(to: 140)
            #expect(harness.recorder.runs(of: "job").map(\.scheduled) == [20, 80, 140])
        }
    }

    @Test("With runsJobsWhenAdded, a new job runs at once with all its intervals")
    func runWhenAdded() async throws {
        try await withScheduler(SchedulerOptions(runsJobsWhenAdded: true), startingAt: 0.5) { harness in
            await harness.update([harness.recorder.job("job", [300, 60])])
            #expect(harness.recorder.runs(of: "job").map(\.intervals) == [[60, 300]])
            #expect(harness.recorder.runs(of: "job").map(\.scheduled) == [0.5])
            await harness.advance(to: 61)
            // Then on its grid (origin rounded to 1).
            #expect(harness.recorder.runs(of: "job").map(\.scheduled) == [0.5, 61])

            // Unchanged or changed: no extra immediate run. A new job: one.
            await harness.update([harness.recorder.job("job", [300, 60], fingerprint: 1), harness.recorder.job("other", [60])])
            #expect(harness.recorder.runs(of: "job").count == 2)
            #expect(harness.recorder.runs(of: "other").map(\.scheduled) == [61])
        }
    }

    @Test("Spreading places jobs by a stable hash of their id")
    func spread() async throws {
        try await withScheduler(SchedulerOptions(spreadsJobs: true)) { harness in
            // FNV-1a("entity-42") mod 300 = 251, so the job fires at seconds ≡ 251 (mod 300),
            // and its 60 s interval at seconds ≡ 11 (mod 60). The epoch is a multiple of 300.
            await harness.update([harness.recorder.job("entity-42", [60, 300])])
            #expect(harness.scheduler.nextFire(ofJob: "entity-42") == simulatedTime(11))
            await harness.advance(to: 300)
            let runs = harness.recorder.runs(of: "entity-42")
            #expect(runs.map(\.scheduled) == [11, 71, 131, 191, 251])
            #expect(runs.map(\.intervals) == [[60], [60], [60], [60], [60, 300]])
        }
    }

    @Test("Spreading 10,000 jobs uses every second of their interval")
    func spreadDistribution() async throws {
        try await withScheduler(SchedulerOptions(spreadsJobs: true)) { harness in
            let jobs = (0..<10_000).map { harness.recorder.job("entity-\($0)", [60]) }
            await harness.update(jobs)
            var perSecond = [Int](repeating: 0, count: 60)
            for job in jobs {
                let next = try #require(harness.scheduler.nextFire(ofJob: job.id))
                perSecond[Int(simulatedOffset(next)) % 60] += 1
            }
            // 10,000 / 60 ≈ 167 per second.
            #expect(perSecond.min()! > 100, "\(perSecond)")
            #expect(perSecond.max()! < 250, "\(perSecond)")
        }
    }

    @Test("A forward clock step skips the missed fires once, without a burst")
    func forwardJump() async throws {
        try await withScheduler { harness in
            await harness.update([harness.recorder.job("job", [60])])
            await harness.advance(to: 61)
            #expect(harness.recorder.runs(of: "job").map(\.scheduled) == [60])

            await harness.clock.jump(to: simulatedTime(3_630.5))
            // Fires at 120 ... 3600 (59 of them) were missed: skipped, not run.
            #expect(harness.recorder.runs(of: "job").count == 1)
            #expect(harness.statistics.firesSkippedClockJump == 59)
            #expect(harness.metrics.counterTotal(label: "collector_fires_skipped_total", dimensions: [("reason", "clock_jump")]) == 59)
            #expect(harness.logs.records(containing: "stepped forward").count == 1)
            #expect(harness.scheduler.nextFire(ofJob: "job") == simulatedTime(3_660))

            await harness.advance(to: 3_720)
            #expect(harness.recorder.runs(of: "job").map(\.scheduled) == [60, 3_660, 3_720])
        }
    }

    @Test("A fire found slightly late, within the tolerance, still runs (late)")
    func lateWithinTolerance() async throws {
        try await withScheduler { harness in
            await harness.update([harness.recorder.job("job", [60])])
            await harness.advance(to: 59)
            await harness.clock.jump(to: simulatedTime(60.6))
            let runs = harness.recorder.runs(of: "job")
            #expect(runs.map(\.scheduled) == [60])
            #expect(abs(runs[0].lateness - 0.6) < 1e-6)
            #expect(harness.statistics.firesSkippedClockJump == 0)
        }
    }

    @Test("A backward clock step re-aligns jobs at once instead of stalling")
    func backwardJump() async throws {
        try await withScheduler { harness in
            await harness.update([harness.recorder.job("job", [60])])
            await harness.advance(to: 3_630)
            #expect(harness.recorder.runs(of: "job").count == 60)

            await harness.clock.jump(to: simulatedTime(30.5))
            #expect(harness.statistics.backwardClockSteps == 1)
            #expect(harness.scheduler.nextFire(ofJob: "job") == simulatedTime(60))
            #expect(harness.logs.records(containing: "stepped backward").count == 1)
            await harness.advance(to: 120)
            #expect(harness.recorder.runs(of: "job").suffix(2).map(\.scheduled) == [60, 120])
            #expect(harness.recorder.runs(of: "job").count == 62)
        }
    }

    @Test("Fire times come from the grid: no drift even when runs take time")
    func noDrift() async throws {
        try await withScheduler { harness in
            let clock = harness.clock
            await harness.update([harness.recorder.job("job", [10]) { _ in try await clock.sleep(seconds: 7.3) }])
            await harness.advance(to: 10_000)
            let runs = harness.recorder.runs(of: "job")
            #expect(runs.count == 1_000)
            #expect(runs.map(\.scheduled) == (1...1_000).map { Double($0 * 10) })
            #expect(runs.allSatisfy { $0.lateness == 0 })
        }
    }
}
