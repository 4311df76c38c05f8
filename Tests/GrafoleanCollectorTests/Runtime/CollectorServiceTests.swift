import Foundation
import GrafoleanCollectorTesting
import Logging
import Synchronization
import Testing

@testable import GrafoleanCollector

/// A collector whose jobs a test sets, recording each refresh and each run.
final class ScriptedCollector: Collector {
    struct JobSpec: Sendable, Hashable {
        var id: String
        var intervals: [Int]
        var parameters: String = ""
    }
    struct Run: Sendable, Equatable {
        var job: String
        var intervals: [Int]
        var at: Double
        var parameters: String
    }

    let protocolName = "scripted"
    let clock: any CollectorClock
    private let state = Mutex<(specs: [JobSpec], failing: Bool, refreshes: [Double], runs: [Run])>(([], false, [], []))

    init(clock: any CollectorClock) { self.clock = clock }

    var specs: [JobSpec] {
        get { state.withLock { $0.specs } }
        set { state.withLock { $0.specs = newValue } }
    }
    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }
    var refreshes: [Double] { state.withLock { $0.refreshes } }
    var runs: [Run] { state.withLock { $0.runs } }
    func runs(of job: String) -> [Run] { runs.filter { $0.job == job } }

    struct RefreshFailure: Error, CustomStringConvertible {
        var description: String { "scripted refresh failure" }
    }

    func jobs(context: JobsContext) async throws -> [CollectorJob] {
        let now = clock.now.timeIntervalSince1970 - Double(schedulerEpoch)
        let (specs, failing) = state.withLock { state in
            state.refreshes.append(now)
            return (state.specs, state.failing)
        }
        if failing { throw RefreshFailure() }
        return specs.map { spec in
            CollectorJob(id: spec.id, intervals: spec.intervals, parameters: spec) { [self] run in
                let at = run.scheduledTime.timeIntervalSince1970 - Double(schedulerEpoch)
                state.withLock { $0.runs.append(Run(job: run.jobID, intervals: run.firedIntervals, at: at, parameters: spec.parameters)) }
            }
        }
    }
}

@Suite("The collector service keeps jobs in step with the configuration", .timeLimit(.minutes(3)))
struct CollectorServiceTests {
    /// The scripted collector never uses the client; it only has to exist (and be shut down).
    static let unusedClient = Result { try GrafoleanClient(configuration: .init(backendURL: "http://127.0.0.1:9/api", token: BotToken("unused"))) }

    func makeService(_ collector: ScriptedCollector, clock: ManualClock, logger: Logger, settings configure: (inout CollectorSettings) -> Void = { _ in })
        throws -> CollectorService<ScriptedCollector>
    {
        let client = try Self.unusedClient.get()
        var settings = CollectorSettings(backendURL: "http://127.0.0.1:9/api", token: .value(BotToken("unused")), jobsRefreshInterval: 60)
        configure(&settings)
        let sender = ValueSender(transport: JSONLinesTransport { _ in }, clock: clock)
        return CollectorService(collector: collector, client: client, profile: BotProfile(userID: 1), sender: sender, settings: settings, clock: clock, logger: logger)
    }

    @Test func changedJobsAreRescheduledRemovedOnesStopAndUnchangedKeepTheirPhase() async throws {
        let clock = ManualClock(now: simulatedTime(0))
        let collector = ScriptedCollector(clock: clock)
        collector.specs = [.init(id: "kept", intervals: [10]), .init(id: "changed", intervals: [10], parameters: "v1"), .init(id: "removed", intervals: [10])]
        let service = try makeService(collector, clock: clock, logger: Logger(label: "test"))
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: clock.executor) { try await service.run() }
            await clock.settle()
            await clock.advance(to: simulatedTime(55))
            collector.specs = [.init(id: "kept", intervals: [10]), .init(id: "changed", intervals: [15], parameters: "v2"), .init(id: "added", intervals: [30])]
            await clock.advance(to: simulatedTime(125))
            group.cancelAll()
        }
        #expect(collector.refreshes == [0, 60, 120])
        #expect(collector.runs(of: "kept").map(\.at) == Array(stride(from: 10.0, through: 120, by: 10)))
        // The refresh at t = 60 comes before that second's fires (its sleep started first), so the
        // removed and changed jobs no longer fire at 60 on their old grid.
        #expect(collector.runs(of: "removed").map(\.at) == [10, 20, 30, 40, 50])
        // Rescheduled at the refresh (t = 60): a new grid from there, with the new parameters.
        let changed = collector.runs(of: "changed")
        #expect(changed.filter { $0.parameters == "v1" }.map(\.at) == [10, 20, 30, 40, 50])
        #expect(changed.filter { $0.parameters == "v2" }.map(\.at) == [75, 90, 105, 120])
        #expect(collector.runs(of: "added").map(\.at) == [90, 120])
    }

    @Test func failedRefreshKeepsTheJobsBacksOffAndTurnsHealthRed() async throws {
        let clock = ManualClock(now: simulatedTime(0))
        let collector = ScriptedCollector(clock: clock)
        collector.specs = [.init(id: "job", intervals: [10])]
        let logs = LogCapture()
        let service = try makeService(collector, clock: clock, logger: logs.logger) { $0.unhealthyAfterFailedRefreshes = .seconds(120) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: clock.executor) { try await service.run() }
            await clock.settle()
            await clock.advance(to: simulatedTime(30))
            #expect(service.health.report(now: clock.now).healthy)
            collector.failing = true
            await clock.advance(to: simulatedTime(179))
            #expect(service.health.report(now: clock.now).healthy)  // failing for 119 s
            await clock.advance(to: simulatedTime(181))
            let report = service.health.report(now: clock.now)
            #expect(!report.healthy)
            #expect(report.problems.first?.contains("scripted refresh failure") == true)
            collector.failing = false
            await clock.advance(to: simulatedTime(200))
            #expect(service.health.report(now: clock.now).healthy)
            group.cancelAll()
        }
        // 60 fails, then retries after 5, 10, 20, 40 s, then at most the refresh interval.
        #expect(collector.refreshes == [0, 60, 65, 75, 95, 135, 195])
        // The job ran on throughout.
        #expect(collector.runs(of: "job").map(\.at) == Array(stride(from: 10.0, through: 200, by: 10)))
        let errors = logs.lines(.error).filter { $0.contains("configuration refresh failed") }
        #expect(errors.count == 5)
        #expect(logs.lines(.notice).contains { $0.contains("works again") })
    }

    @Test func aStuckSchedulerTurnsHealthRed() {
        let start = simulatedTime(0)
        let health = CollectorHealth(now: start, unhealthyAfterFailedRefreshes: .seconds(600), schedulerStallLimit: .seconds(120))
        health.refreshSucceeded(at: start, jobs: 3)
        health.schedulerTicked(at: start)
        #expect(health.report(now: simulatedTime(100)).healthy)
        let report = health.report(now: simulatedTime(200))
        #expect(!report.healthy)
        #expect(report.problems == ["the scheduler has made no progress for 200 s"])
        #expect(report.jobs == 3)
    }

    @Test func neverRefreshedSinceStartTurnsHealthRedToo() {
        let health = CollectorHealth(now: simulatedTime(0), unhealthyAfterFailedRefreshes: .seconds(60))
        #expect(health.report(now: simulatedTime(30)).healthy)
        #expect(!health.report(now: simulatedTime(61)).healthy)
    }
}
