import DequeModule
import Foundation
import GrafoleanCollector
import Synchronization

/// A wall clock that only moves when a test moves it, for deterministic tests of timing logic.
///
/// Tasks sleeping on the clock are resumed by ``advance(by:)``, ``advance(to:)`` and ``jump(to:)``.
/// To make a test deterministic, run the code under test on the clock's ``executor``
/// (`group.addTask(executorPreference: clock.executor) { ... }` or `withTaskExecutorPreference`):
/// its tasks then run one at a time on one thread, and the clock knows when all of them are
/// blocked. ``advance(to:)`` moves time from sleeper to sleeper in deadline order and, after each
/// wake-up, waits until every task on the executor is suspended again (or finished) before it
/// moves on, so a test can step through a simulated day in a fraction of a second, with no real
/// sleeps and no polling. ``settle()`` waits for that quiescence without moving time (for
/// example after calling into the code under test from the test's own task).
///
/// Tasks that do not run on ``executor`` still see the clock, but the clock cannot wait for them;
/// ``waitForSleepers(count:)`` helps there.
public final class ManualClock: CollectorClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var nextSleeperID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        /// Sleepers whose task was cancelled before they registered their continuation.
        var cancelledBeforeRegistration: Set<UInt64> = []
        var sleeperCountWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state: Mutex<State>
    private let manualExecutor: ManualTaskExecutor

    /// Creates a clock that reads `now` until a test moves it.
    public init(now: Date) {
        self.state = Mutex(State(now: now))
        self.manualExecutor = ManualTaskExecutor()
    }

    deinit {
        manualExecutor.stop()
    }

    /// The executor to run the code under test on, so that ``advance(to:)`` and ``settle()`` can
    /// wait until it is idle.
    public var executor: any TaskExecutor { manualExecutor }

    /// The current time of the clock.
    public var now: Date { state.withLock { $0.now } }

    /// The number of tasks currently sleeping on the clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline among the sleeping tasks, if any.
    public var nextDeadline: Date? {
        state.withLock { $0.sleepers.values.map(\.deadline).min() }
    }

    /// Suspends until ``advance(to:)`` or ``jump(to:)`` moves the clock to `deadline` or later.
    ///
    /// Returns at once for a deadline that is not in the future. A backward ``jump(to:)`` resumes
    /// every sleeper early, as a system clock that notices a backward step does; callers re-read
    /// ``now``. Throws `CancellationError` when the task is cancelled.
    public func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64 in
            state.nextSleeperID += 1
            return state.nextSleeperID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Registration { case sleeping, due, cancelled }
                let (registration, waiters) = state.withLock { state -> (Registration, [CheckedContinuation<Void, Never>]) in
                    if state.cancelledBeforeRegistration.remove(id) != nil { return (.cancelled, []) }
                    if deadline <= state.now { return (.due, []) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return (.sleeping, Self.takeSatisfiedCountWaiters(&state))
                }
                switch registration {
                case .sleeping: for waiter in waiters { waiter.resume() }
                case .due: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper }
                state.cancelledBeforeRegistration.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        // The id may stay in `cancelledBeforeRegistration` only if cancellation raced with a due
        // deadline; clear it so the set cannot grow.
        _ = state.withLock { $0.cancelledBeforeRegistration.remove(id) }
    }

    /// Moves the clock forward by `seconds`, waking sleepers in deadline order (see ``advance(to:)``).
    public func advance(by seconds: Double) async {
        await advance(to: now.addingTimeInterval(seconds))
    }

    /// Moves the clock forward to `target`, stopping at every sleeper's deadline on the way.
    ///
    /// At each deadline the clock reads exactly that deadline, the sleepers due then are resumed
    /// (earliest first, then in the order they went to sleep), and the clock waits until the tasks
    /// on ``executor`` are all suspended or finished before it looks for the next deadline. Sleepers
    /// that the woken tasks add before `target` are woken in turn. It settles first, so that tasks
    /// just started reach their first sleep before time moves. A `target` in the past only settles.
    public func advance(to target: Date) async {
        await settle()
        while true {
            let due = state.withLock { state -> [Sleeper] in
                guard let earliest = state.sleepers.values.map(\.deadline).min(), earliest <= target else {
                    return []
                }
                if earliest > state.now { state.now = earliest }
                return Self.takeDueSleepers(&state)
            }
            if due.isEmpty { break }
            for sleeper in due { sleeper.continuation.resume() }
            await settle()
        }
        state.withLock { state in
            if target > state.now { state.now = target }
        }
        await settle()
    }

    /// Steps the clock to `target` at once, forward or backward, as an NTP step of the wall clock does.
    ///
    /// A forward jump resumes, all together and without stopping at their deadlines, the sleepers
    /// whose deadline has passed. A backward jump resumes every sleeper early (their `sleep` returns
    /// normally), modelling a clock that notices the step, so that code under test can re-read the
    /// time and re-plan. The clock settles before and after the step.
    public func jump(to target: Date) async {
        await settle()
        let due = state.withLock { state -> [Sleeper] in
            let backward = target < state.now
            state.now = target
            if backward {
                let all = state.sleepers.sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
                state.sleepers.removeAll()
                return all.map(\.value)
            }
            return Self.takeDueSleepers(&state)
        }
        for sleeper in due { sleeper.continuation.resume() }
        await settle()
    }

    /// Waits until every task on ``executor`` is suspended or finished, without moving time.
    public func settle() async {
        await manualExecutor.waitUntilIdle()
    }

    /// Waits until at least `count` tasks sleep on the clock (for code that does not run on ``executor``).
    public func waitForSleepers(count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let satisfied = state.withLock { state -> Bool in
                if state.sleepers.count >= count { return true }
                state.sleeperCountWaiters.append((count, continuation))
                return false
            }
            if satisfied { continuation.resume() }
        }
    }

    private static func takeDueSleepers(_ state: inout State) -> [Sleeper] {
        let now = state.now
        let due = state.sleepers.filter { $0.value.deadline <= now }
            .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
        for (id, _) in due { state.sleepers.removeValue(forKey: id) }
        return due.map(\.value)
    }

    private static func takeSatisfiedCountWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = state.sleepers.count
        var satisfied: [CheckedContinuation<Void, Never>] = []
        state.sleeperCountWaiters.removeAll { waiter in
            guard waiter.count <= count else { return false }
            satisfied.append(waiter.continuation)
            return true
        }
        return satisfied
    }
}

/// A task executor that runs its jobs one at a time on a dedicated thread and can tell when it is idle.
///
/// `@unchecked Sendable`: every mutable property is read and written only while `condition` is
/// locked; the thread is the only runner of jobs.
private final class ManualTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: Deque<UnownedJob> = []
    private var isRunningJob = false
    private var isStopped = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    init() {
        let thread = Thread { [self] in self.runJobs() }
        thread.name = "ManualClock executor"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Returns once no job is queued or running.
    func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if queue.isEmpty && !isRunningJob {
                condition.unlock()
                continuation.resume()
            } else {
                idleWaiters.append(continuation)
                condition.unlock()
            }
        }
    }

    /// Ends the thread; jobs still queued never run (their tasks stay suspended).
    func stop() {
        condition.lock()
        isStopped = true
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while queue.isEmpty && !isStopped { condition.wait() }
            if isStopped {
                let waiters = idleWaiters
                idleWaiters = []
                condition.unlock()
                for waiter in waiters { waiter.resume() }
                return
            }
            let job = queue.removeFirst()
            isRunningJob = true
            condition.unlock()

            job.runSynchronously(on: asUnownedTaskExecutor())

            condition.lock()
            isRunningJob = false
            var waiters: [CheckedContinuation<Void, Never>] = []
            if queue.isEmpty {
                waiters = idleWaiters
                idleWaiters = []
            }
            condition.unlock()
            for waiter in waiters { waiter.resume() }
        }
    }
}
