import ArgumentParser
import Foundation
import GrafoleanCollectorTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import GrafoleanCollector

/// Records a service's life, in order, across the tasks of a bot.
final class LifeLog: Sendable {
    private let events = Mutex<[String]>([])
    var all: [String] { events.withLock { $0 } }
    func note(_ event: String) { events.withLock { $0.append(event) } }
}

/// A bot service that notes when it starts and stops (on graceful shutdown), or fails on demand.
struct NotingService: Service {
    enum Behaviour: Sendable { case runsUntilShutdown, throwsAtOnce, returnsAtOnce }
    let name: String
    let behaviour: Behaviour
    let life: LifeLog

    struct Broken: Error, CustomStringConvertible { var description: String { "the device socket closed" } }

    func run() async throws {
        life.note("\(name) started")
        switch behaviour {
        case .runsUntilShutdown:
            try? await gracefulShutdown()
            life.note("\(name) stopped")
        case .throwsAtOnce:
            throw Broken()
        case .returnsAtOnce:
            return
        }
    }
}

/// A `ping` collector with services and jobs that note what they do.
struct SeamCollector: Collector {
    let protocolName = "ping"
    let life: LifeLog
    var services: [NotingService.Behaviour] = [.runsUntilShutdown]
    /// Entities whose run hangs (until cancelled) with a 1 s timeout.
    var hangingEntities: Set<Int> = []

    func jobs(context: JobsContext) async throws -> [CollectorJob] {
        try await context.jobConfigurations().map { configuration in
            let hangs = hangingEntities.contains(configuration.entityID)
            return CollectorJob(
                id: "\(configuration.entityID)", intervals: configuration.intervals, timeout: hangs ? .seconds(1) : nil,
                entityID: configuration.entityID, parameters: configuration
            ) { [life] run in
                if hangs {
                    try await Task.sleep(for: .seconds(600))
                }
                life.note("job \(configuration.entityID) ran")
                await run.send(["entity.\(configuration.entityID).test.up": 1], account: configuration.accountID)
            }
        }
    }

    func services(context: ServicesContext) -> [any Service] {
        services.enumerated().map { NotingService(name: "service \($0.offset)", behaviour: $0.element, life: life) }
    }
}

@Suite("The runtime's seams: bot services, one job pipeline, a delivery seam", .timeLimit(.minutes(2)))
struct RuntimeSeamsTests {
    func settings(_ fixture: BackendFixture, mode: CollectorSettings.Mode) -> CollectorSettings {
        var settings = CollectorSettings(backendURL: fixture.backend.baseURL, token: .value(BotToken(fixture.bot.token)), jobsRefreshInterval: 60, mode: mode)
        settings.scheduler.runsJobsWhenAdded = true
        return settings
    }

    @Test func onceRunsTheBotsServicesAroundItsJobs() async throws {
        try await withBackend { fixture in
            let entity = await fixture.addPingDevice("a", ipv4: "127.0.0.1")
            let life = LifeLog()
            let succeeded = try await CollectorRuntime(settings: settings(fixture, mode: .once)).run(SeamCollector(life: life))
            #expect(succeeded)
            #expect(life.all == ["service 0 started", "job \(entity) ran", "service 0 stopped"])
            #expect(await fixture.backend.receivedValues().map(\.path) == ["entity.\(entity).test.up"])
        }
    }

    @Test func onceHonoursAJobsTimeout() async throws {
        try await withBackend { fixture in
            let hanging = await fixture.addPingDevice("hangs", ipv4: "127.0.0.1")
            let fine = await fixture.addPingDevice("fine", ipv4: "127.0.0.2")
            let life = LifeLog()
            let logs = LogCapture()
            let collector = SeamCollector(life: life, hangingEntities: [hanging])
            let succeeded = try await CollectorRuntime(settings: settings(fixture, mode: .once), logger: logs.logger).run(collector)
            // The hanging run was cut at its 1 s timeout (not its 600 s sleep); the other delivered.
            #expect(!succeeded)
            #expect(!logs.records(containing: "timed out").isEmpty)
            #expect(await fixture.backend.receivedValues().map(\.path) == ["entity.\(fine).test.up"])
        }
    }

    @Test(arguments: [NotingService.Behaviour.throwsAtOnce, .returnsAtOnce])
    func aFailingServiceEndsTheBotWithAClearError(behaviour: NotingService.Behaviour) async throws {
        try await withBackend { fixture in
            await fixture.addPingDevice("a", ipv4: "127.0.0.1")
            let logs = LogCapture()
            let collector = SeamCollector(life: LifeLog(), services: [.runsUntilShutdown, behaviour])
            await #expect(throws: ExitCode.failure) {
                try await CollectorRuntime(settings: settings(fixture, mode: .service), logger: logs.logger).runAsCommand(collector)
            }
            let critical = logs.messages(.critical)
            #expect(critical.count == 1)
            #expect(critical.first?.contains("NotingService") == true, "\(critical)")
            #expect(critical.first?.contains(behaviour == .throwsAtOnce ? "failed: the device socket closed" : "stopped unexpectedly") == true, "\(critical)")
        }
    }

    @Test func theJobFilterAppliesInEveryMode() async throws {
        try await withBackend { fixture in
            let kept = await fixture.addPingDevice("kept", ipv4: "127.0.0.1")
            let dropped = await fixture.addPingDevice("dropped", ipv4: "127.0.0.2")
            let life = LifeLog()
            var listing = settings(fixture, mode: .listJobs)
            listing.jobFilter = JobFilter { $0.filter { $0.entityID == kept } }
            let output = OutputLines()
            _ = try await CollectorRuntime(settings: listing, output: output.append).run(SeamCollector(life: life))
            #expect(output.all.map { $0.split(separator: "\t").first.map(String.init) } == ["\(kept)"])

            var once = settings(fixture, mode: .once)
            once.jobFilter = listing.jobFilter
            #expect(try await CollectorRuntime(settings: once).run(SeamCollector(life: life)))
            #expect(!life.all.contains("job \(dropped) ran"))
            #expect(await fixture.backend.receivedValues().map(\.path) == ["entity.\(kept).test.up"])
        }
    }
}
