import Foundation
import GrafoleanCollectorTesting
import Synchronization
import Testing

@Suite("Manual clock")
struct ManualClockTests {
    @Test("Advancing wakes sleepers in deadline order, each at its own deadline")
    func advanceOrder() async throws {
        let clock = ManualClock(now: simulatedTime(0))
        let woken = SchedulerTestBox<[(String, Double)]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, deadline) in [("c", 30.0), ("a", 10.0), ("b", 20.0)] {
                group.addTask(executorPreference: clock.executor) {
                    try await clock.sleep(until: simulatedTime(deadline))
                    woken.withLock { $0.append((name, simulatedOffset(clock.now))) }
                }
            }
            await clock.settle()
            #expect(clock.sleeperCount == 3)
            await clock.advance(by: 25)
            #expect(woken.withLock { $0.map(\.0) } == ["a", "b"])
            #expect(woken.withLock { $0.map(\.1) } == [10, 20])
            #expect(clock.sleeperCount == 1)
            #expect(simulatedOffset(clock.now) == 25)
            await clock.advance(by: 5)
            try await group.waitForAll()
        }
        #expect(woken.withLock { $0.map(\.0) } == ["a", "b", "c"])
    }

    @Test("A woken task that sleeps again is woken again within the same advance")
    func chainedSleeps() async throws {
        let clock = ManualClock(now: simulatedTime(0))
        let ticks = SchedulerTestBox<[Double]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: clock.executor) {
                for _ in 0..<1_000 {
                    try await clock.sleep(seconds: 60)
                    ticks.withLock { $0.append(simulatedOffset(clock.now)) }
                }
            }
            await clock.settle()
            await clock.advance(by: 60_000)
            try await group.waitForAll()
        }
        #expect(ticks.withLock { $0 } == (1...1_000).map { Double($0 * 60) })
    }

    @Test("Cancelling a sleeping task resumes it with CancellationError")
    func cancellation() async throws {
        let clock = ManualClock(now: simulatedTime(0))
        let outcome = SchedulerTestBox<String>("none")
        await withTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: clock.executor) {
                do {
                    try await clock.sleep(until: simulatedTime(100))
                    outcome.withLock { $0 = "returned" }
                } catch is CancellationError {
                    outcome.withLock { $0 = "cancelled" }
                } catch {
                    outcome.withLock { $0 = "other" }
                }
            }
            await clock.waitForSleepers(count: 1)
            group.cancelAll()
            await group.waitForAll()
        }
        #expect(outcome.withLock { $0 } == "cancelled")
        #expect(clock.sleeperCount == 0)
    }

    @Test("A deadline not in the future returns at once")
    func pastDeadline() async throws {
        let clock = ManualClock(now: simulatedTime(50))
        try await clock.sleep(until: simulatedTime(50))
        try await clock.sleep(until: simulatedTime(10))
        #expect(clock.sleeperCount == 0)
    }

    @Test("A forward jump wakes due sleepers together; a backward jump wakes every sleeper early")
    func jumps() async throws {
        let clock = ManualClock(now: simulatedTime(0))
        let woken = SchedulerTestBox<[(String, Double)]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, deadline) in [("a", 10.0), ("b", 20.0), ("c", 1_000.0)] {
                group.addTask(executorPreference: clock.executor) {
                    try await clock.sleep(until: simulatedTime(deadline))
                    woken.withLock { $0.append((name, simulatedOffset(clock.now))) }
                }
            }
            await clock.settle()
            await clock.jump(to: simulatedTime(500))
            #expect(woken.withLock { $0.map(\.0) } == ["a", "b"])
            #expect(woken.withLock { $0.map(\.1) } == [500, 500])
            await clock.jump(to: simulatedTime(100))
            #expect(woken.withLock { $0.map(\.0) } == ["a", "b", "c"])
            #expect(woken.withLock { $0.last?.1 } == 100)
            try await group.waitForAll()
        }
    }
}
