import AsyncHTTPClient
import Foundation
import GrafoleanCollectorTesting
import Logging
import ProcessSupport
import Synchronization
import Testing

@testable import GrafoleanCollector

/// A small bot for protocol `ping` that reports one value per sensor and records its runs.
final class RecordingCollector: Collector {
    let protocolName = "ping"
    let runs = Mutex<[(job: String, intervals: [Int])]>([])
    let failingEntity: Int?

    init(failingEntity: Int? = nil) { self.failingEntity = failingEntity }

    func jobs(context: JobsContext) async throws -> [CollectorJob] {
        try await context.jobConfigurations().map { configuration in
            CollectorJob(id: "\(configuration.entityID)", intervals: configuration.intervals, parameters: configuration) { [self] run in
                runs.withLock { $0.append((run.jobID, run.firedIntervals)) }
                if configuration.entityID == failingEntity { throw Failure() }
                let values = configuration.sensors.filter { run.fired($0.interval) || run.firedIntervals.isEmpty }.map {
                    MeasuredValue(path: "entity.\(configuration.entityID).test.s\($0.sensorID)", value: Double($0.interval ?? 0), time: run.clock.now)
                }
                await run.send(values, account: configuration.accountID)
            }
        }
    }

    func intervals(of job: Int) -> [[Int]] { runs.withLock { $0.filter { $0.job == "\(job)" }.map(\.intervals) } }

    struct Failure: Error {}
}

final class OutputLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

@Suite("The runtime starts like Grafolean's bots and runs in every mode")
struct CollectorRuntimeTests {
    func settings(_ fixture: BackendFixture, mode: CollectorSettings.Mode = .service, token: String? = nil) -> CollectorSettings {
        var settings = CollectorSettings(backendURL: fixture.backend.baseURL, token: .value(BotToken(token ?? fixture.bot.token)), jobsRefreshInterval: 1, mode: mode)
        settings.scheduler.runsJobsWhenAdded = true
        return settings
    }

    @Test func onceRunsEveryJobDeliversAndReportsSuccess() async throws {
        try await withBackend { fixture in
            let first = await fixture.addPingDevice("a", ipv4: "127.0.0.1")
            let second = await fixture.addPingDevice("b", ipv4: "127.0.0.2", interval: 10)
            let collector = RecordingCollector()
            var settings = settings(fixture, mode: .once)
            // A limit a loaded machine cannot overrun: the POST/PUT rule itself is held by ValueSenderTests.
            settings.sender.freshnessLimit = .seconds(60)
            let succeeded = try await CollectorRuntime(settings: settings).run(collector)
            #expect(succeeded)
            #expect(collector.intervals(of: first) == [[30]])
            #expect(collector.intervals(of: second) == [[10]])
            let received = await fixture.backend.receivedValues()
            #expect(Set(received.map(\.path)) == ["entity.\(first).test.s\(fixture.sensor)", "entity.\(second).test.s\(fixture.sensor)"])
            #expect(received.allSatisfy { $0.method == "POST" })
        }
    }

    @Test func onceReportsAFailedRun() async throws {
        try await withBackend { fixture in
            let failing = await fixture.addPingDevice("a", ipv4: "127.0.0.1")
            await fixture.addPingDevice("b", ipv4: "127.0.0.2")
            let succeeded = try await CollectorRuntime(settings: settings(fixture, mode: .once)).run(RecordingCollector(failingEntity: failing))
            #expect(!succeeded)
            #expect(await fixture.backend.receivedValues().count == 1)
        }
    }

    @Test func dryRunPrintsJSONLinesAndSendsNothing() async throws {
        try await withBackend { fixture in
            let entity = await fixture.addPingDevice("a", ipv4: "127.0.0.1")
            var settings = settings(fixture, mode: .once)
            settings.dryRun = true
            let output = OutputLines()
            let succeeded = try await CollectorRuntime(settings: settings, output: output.append).run(RecordingCollector())
            #expect(succeeded)
            #expect(await fixture.backend.receivedValues().isEmpty)
            let line = try #require(output.all.first)
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
            #expect(json["p"] == .string("entity.\(entity).test.s\(fixture.sensor)"))
            #expect(json["v"] == 30)
            #expect(json["account"] == .number(Double(fixture.account)))
            #expect(json["t"]?.numberValue != nil)
        }
    }

    @Test func listJobsPrintsIdsAndIntervals() async throws {
        try await withBackend { fixture in
            let entity = await fixture.addPingDevice("a", ipv4: "127.0.0.1", interval: 15)
            let output = OutputLines()
            let succeeded = try await CollectorRuntime(settings: settings(fixture, mode: .listJobs), output: output.append).run(RecordingCollector())
            #expect(succeeded)
            #expect(output.all == ["\(entity)\tintervals: 15s"])
        }
    }

    @Test func invalidTokenIsAClearErrorWithoutTheToken() async throws {
        try await withBackend { fixture in
            let token = "00000000-0000-4000-8000-00000000dead"
            let error = await #expect(throws: GrafoleanError.self) {
                try await CollectorRuntime(settings: settings(fixture, token: token)).run(RecordingCollector())
            }
            #expect(error?.code == .invalidToken)
            #expect(error?.message.contains("BOT_TOKEN") == true)
            #expect(error.map { !"\($0)".contains(token) } == true)
        }
    }

    @Test func protocolMismatchIsAWarning() async throws {
        let logs = LogCapture()
        try await withBackend { fixture in
            let snmpBot = await fixture.backend.addBot(name: "snmp bot", protocol: "snmp", account: fixture.account)
            let runtime = CollectorRuntime(settings: settings(fixture, mode: .listJobs, token: snmpBot.token), logger: logs.logger, output: { _ in })
            let succeeded = try await runtime.run(RecordingCollector())
            #expect(succeeded)
            #expect(logs.lines(.warning).contains { $0.contains("registered in Grafolean for protocol 'snmp'") })
        }
    }

    /// The end-to-end test: a small bot against the test backend; the configuration changes under it
    /// (entity added, interval changed, entity removed) and the runs follow.
    @Test(.timeLimit(.minutes(3)))
    func runsFollowTheConfiguration() async throws {
        try await withBackend { fixture in
            let first = await fixture.addPingDevice("first", ipv4: "127.0.0.1", interval: 1)
            let collector = RecordingCollector()
            let runtime = CollectorRuntime(settings: settings(fixture))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await runtime.run(collector) }
                try await eventually("the first entity runs") { collector.intervals(of: first).count >= 2 }
                let second = await fixture.addPingDevice("second", ipv4: "127.0.0.2", interval: 1)
                try await eventually("the added entity runs") { !collector.intervals(of: second).isEmpty }
                await fixture.backend.updateEntity(
                    account: fixture.account, id: first,
                    protocols: ["ping": EntityProtocolSettings(credential: fixture.credential, sensors: [.init(sensor: fixture.sensor, interval: 2)], bot: nil)])
                try await eventually("the changed interval is used") { collector.intervals(of: first).last == [2] }
                await fixture.backend.removeEntity(account: fixture.account, id: second)
                try await Task.sleep(for: .seconds(2.5))  // past the next refresh: let the removal take effect
                let runsAfterRemoval = collector.intervals(of: second).count
                try await Task.sleep(for: .seconds(2))
                #expect(collector.intervals(of: second).count == runsAfterRemoval)
                group.cancelAll()
            }
            let paths = Set(await fixture.backend.receivedValues().map(\.path))
            #expect(paths.contains("entity.\(first).test.s\(fixture.sensor)"))
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func metricsAndHealthEndpoint() async throws {
        try await withBackend { fixture in
            await fixture.addPingDevice("a", ipv4: "127.0.0.1", interval: 1)
            let port = try FreePort.tcp()
            var settings = settings(fixture)
            settings.metricsPort = port
            settings.unhealthyAfterFailedRefreshes = .seconds(1)
            let runtime = CollectorRuntime(settings: settings)
            let http = HTTPClient.shared
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await runtime.run(RecordingCollector()) }
                func get(_ path: String) async throws -> (Int, String) {
                    let response = try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(30))
                    return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
                }
                try await eventually("values were sent") { await fixture.backend.receivedValues().count >= 1 }
                try await eventually("the endpoint answers") { (try? await get("/health"))?.0 == 200 }
                let (status, metrics) = try await get("/metrics")
                #expect(status == 200)
                #expect(metrics.contains("grafolean_values_sent_total"))
                #expect(metrics.contains("collector_runs_total"))
                // The backend's database goes down: refreshes fail, and /health turns red.
                await fixture.backend.setReadiness(.databaseDown)
                try await eventually("health turns red") { (try? await get("/health"))?.0 == 503 }
                let (_, body) = try await get("/health")
                #expect(body.contains("no successful configuration refresh"))
                await fixture.backend.setReadiness(.ready)
                group.cancelAll()
            }
        }
    }
}
