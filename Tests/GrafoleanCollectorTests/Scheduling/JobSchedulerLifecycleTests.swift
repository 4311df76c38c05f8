import Foundation
import GrafoleanCollectorTesting
import Logging
import MetricsTestKit
import Synchronization
import Testing

@testable import GrafoleanCollector

@Suite("Job scheduler: updates and shutdown")
struct JobSchedulerLifecycleTests {
    @Test("An update keeps unchanged jobs and their phase, reschedules changed ones, removes gone ones")
    func updateJobs() async throws {
        try await withScheduler { harness in
            let recorder = harness.recorder
            await harness.update([
                recorder.job("same", [60], fingerprint: 1),
                recorder.job("changed", [60], fingerprint: 1),
                recorder.job("gone", [60]),
                recorder.job("new-intervals", [60]),
            ])
            await harness.advance(to: 30)
            await harness.update([
                recorder.job("same", [60], fingerprint: 1),
                recorder.job("changed", [60], fingerprint: 2),
                recorder.job("new-intervals", [60, 120]),
                recorder.job("added", [60]),
            ])
            #expect(harness.scheduler.nextFire(ofJob: "same") == simulatedTime(60))
            #expect(harness.scheduler.nextFire(ofJob: "changed") == simulatedTime(90))
            #expect(harness.scheduler.nextFire(ofJob: "new-intervals") == simulatedTime(90))
            #expect(harness.scheduler.nextFire(ofJob: "added") == simulatedTime(90))
            #expect(harness.scheduler.nextFire(ofJob: "gone") == nil)
            #expect(harness.statistics.jobs == 4)
            await harness.advance(to: 150)
            #expect(recorder.runs(of: "same").map(\.scheduled) == [60, 120])
            #expect(recorder.runs(of: "changed").map(\.scheduled) == [90, 150])
            #expect(recorder.runs(of: "new-intervals").map(\.intervals) == [[60], [60, 120]])
            #expect(recorder.runs(of: "gone").isEmpty)
        }
    }

    @Test("A removed job's run in flight finishes; it fires no more")
    func removedJobRunFinishes() async throws {
        try await withScheduler { harness in
            let clock = harness.clock
            let finished = SchedulerTestBox(0)
            await harness.update([
                harness.recorder.job("gone", [60]) { _ in
                    try await clock.sleep(seconds: 30)
                    finished.withLock { $0 += 1 }
                }
            ])
            await harness.advance(to: 70)
            await harness.update([])
            #expect(harness.statistics.jobs == 0)
            #expect(harness.statistics.runsInFlight == 1)
            await harness.advance(to: 200)
            #expect(finished.withLock { $0 } == 1)
            #expect(harness.statistics.runsSucceeded == 1)
            #expect(harness.recorder.runs(of: "gone").count == 1)
            // Coming back later, it is a new job with a new grid.
            await harness.update([harness.recorder.job("gone", [60])])
            #expect(harness.scheduler.nextFire(ofJob: "gone") == simulatedTime(260))
        }
    }

    @Test("A job without a valid interval is reported once per id, not scheduled, and not fatal")
    func noInterval() async throws {
        try await withScheduler { harness in
            let jobs = [
                harness.recorder.job("flows", []),
                harness.recorder.job("odd", [0, -5, 60]),
                harness.recorder.job("ok", [60]),
                harness.recorder.job("ok", [30]),
            ]
            await harness.update(jobs)
            await harness.update(jobs)
            await harness.advance(to: 60)
            #expect(harness.logs.records(containing: "no interval").map { $0.metadata["job"] } == ["flows"])
            #expect(harness.logs.records(containing: "invalid intervals").map { $0.metadata["job"] } == ["odd"])
            #expect(harness.logs.records(containing: "more than once").map { $0.metadata["job"] } == ["ok"])
            #expect(harness.statistics.unscheduledJobs == 1)
            #expect(harness.statistics.jobs == 2)
            #expect(harness.recorder.all.map(\.job).sorted() == ["odd", "ok"])

            // Once fixed and broken again, it is reported again.
            await harness.update([harness.recorder.job("flows", [60])])
            await harness.update([harness.recorder.job("flows", [])])
            #expect(harness.logs.records(containing: "no interval").count == 2)
            #expect(harness.scheduler.nextFire(ofJob: "flows") == nil)
        }
    }

    @Test("Shutdown stops new runs, waits for runs in flight up to the grace period, then cancels them")
    func gracefulShutdown() async throws {
        let clock = ManualClock(now: simulatedTime(0))
        let logs = SchedulerLogCapture()
        let recorder = SchedulerRunRecorder()
        let scheduler = JobScheduler(
            options: SchedulerOptions(runTimeout: .seconds(1_000), shutdownGracePeriod: .seconds(10)), clock: clock,
            logger: logs.logger, metricsFactory: TestMetrics())
        let returnedAt = SchedulerTestBox<Double?>(nil)
        let outcomes = SchedulerTestBox<[String: String]>([:])
        scheduler.update(jobs: [
            recorder.job("quick", [60]) { _ in
                try await clock.sleep(seconds: 5)
                outcomes.withLock { $0["quick"] = "finished" }
            },
            recorder.job("slow", [60]) { _ in
                do {
                    try await clock.sleep(seconds: 100)
                    outcomes.withLock { $0["slow"] = "finished" }
                } catch {
                    outcomes.withLock { $0["slow"] = "\(type(of: error))" }
                    throw error
                }
            },
        ])
        await withTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: clock.executor) {
                await scheduler.run()
                returnedAt.withLock { $0 = simulatedOffset(clock.now) }
            }
            await clock.advance(to: simulatedTime(62))
            scheduler.shutdown()
            await clock.settle()
            #expect(returnedAt.withLock { $0 } == nil)
            await clock.advance(to: simulatedTime(71.9))
            #expect(outcomes.withLock { $0 } == ["quick": "finished"])
            #expect(returnedAt.withLock { $0 } == nil)
            await clock.advance(to: simulatedTime(72))
            await group.waitForAll()
        }
        #expect(returnedAt.withLock { $0 } == 72)
        #expect(outcomes.withLock { $0 } == ["quick": "finished", "slow": "CancellationError"])
        #expect(recorder.all.count == 2)
        #expect(scheduler.statistics.runsCancelled == 1)
        #expect(scheduler.statistics.runsFailed == 0)
        #expect(logs.records(containing: "shutdown grace period").first?.metadata["jobs"] == "slow")
    }

    @Test("Shutdown with nothing in flight returns at once")
    func idleShutdown() async throws {
        let clock = ManualClock(now: simulatedTime(0))
        let scheduler = JobScheduler(clock: clock, metricsFactory: TestMetrics())
        scheduler.update(jobs: [SchedulerRunRecorder().job("job", [60])])
        await withTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: clock.executor) { await scheduler.run() }
            await clock.settle()
            scheduler.shutdown()
            await clock.settle()
            await group.waitForAll()
        }
        #expect(scheduler.statistics.runsStarted == 0)
    }

    @Test("Cancelling the task of run() cancels runs in flight and returns")
    func taskCancellation() async throws {
        let clock = ManualClock(now: simulatedTime(0))
        let scheduler = JobScheduler(clock: clock, metricsFactory: TestMetrics())
        let outcome = SchedulerTestBox("none")
        scheduler.update(jobs: [
            SchedulerRunRecorder().job("job", [60]) { _ in
                do { try await clock.sleep(seconds: 50) } catch { outcome.withLock { $0 = "\(type(of: error))" }; throw error }
            }
        ])
        await withTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: clock.executor) { await scheduler.run() }
            await clock.advance(to: simulatedTime(61))
            group.cancelAll()
            await clock.settle()
            await group.waitForAll()
        }
        #expect(outcome.withLock { $0 } == "CancellationError")
        #expect(scheduler.statistics.runsCancelled == 1)
        #expect(scheduler.statistics.runsFailed == 0)
    }
}
