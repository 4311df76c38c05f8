import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import ICMPEcho
import ICMPEchoTestSupport
import Logging
import Testing

@testable import PingBot

/// The real bot (runtime, scheduler, sender, ICMP engine) against the test backend over real HTTP,
/// pinging over real sockets.
@Suite(
    "The ping bot end to end", .serialized,
    .enabled(if: TestEnvironment.canOpenRawSockets, "needs root or CAP_NET_RAW to open raw ICMP sockets (CI runs as root)"))
struct PingBotEndToEndTests {
    struct Setup {
        let backend: GrafoleanTestBackend
        let account: Int
        let bot: TestBot
        let credential: Int
        let sensor: Int

        static func start(credential details: JSONValue = ["n_packets": "3", "sleep_packets": "0.05", "timeout": "0.5", "retry": "0"]) async throws -> Setup {
            let backend = try await GrafoleanTestBackend.start()
            let account = await backend.addAccount(name: "Ping test")
            let bot = await backend.addBot(name: "ping bot", protocol: "ping", account: account)
            let credential = await backend.addCredential(account: account, name: "fast", protocol: "ping", details: details)
            let sensor = await backend.addSensor(account: account, name: "every second", protocol: "ping", defaultInterval: 1, details: [:])
            return Setup(backend: backend, account: account, bot: bot, credential: credential, sensor: sensor)
        }

        @discardableResult
        func addDevice(_ name: String, ipv4: String, interval: Int? = nil) async -> Int {
            await backend.addEntity(
                account: account, name: name, details: ["ipv4": .string(ipv4)],
                protocols: ["ping": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: sensor, interval: interval)], bot: bot.id)])
        }

        func values(entity: Int) async -> [ReceivedValue] {
            await backend.receivedValues(account: account).filter { $0.path.hasPrefix("entity.\(entity).") }
        }

        /// Waits until `entity` has at least `runs` complete runs (success values) or the timeout passes.
        func waitForRuns(_ runs: Int, entity: Int, timeout: Duration = .seconds(60)) async throws -> [ReceivedValue] {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let values = await values(entity: entity)
                if values.filter({ $0.path.hasSuffix(".success") }).count >= runs { return values }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("entity \(entity) did not get \(runs) runs within \(timeout)")
            return await values(entity: entity)
        }
    }

    /// Runs the bot until `body` returns.
    func withBot<T>(_ setup: Setup, options: PingCollector.Options = .init(), _ body: () async throws -> T) async throws -> T {
        var settings = CollectorSettings(backendURL: setup.backend.baseURL, token: .value(BotToken(setup.bot.token)), jobsRefreshInterval: 1, logLevel: .warning)
        settings.scheduler.runsJobsWhenAdded = true
        let runtime = CollectorRuntime(settings: settings)
        let engine = try ICMPEchoEngine(configuration: .init(socketMode: .raw))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // The collector runs its engine as a bot service.
            group.addTask { try await runtime.run(PingCollector(engine: engine, options: options)) }
            let result = try await body()
            group.cancelAll()
            try? await group.waitForAll()
            return result
        }
    }

    @Test func loopbackDevicesAnswerAndConfigurationChangesAreFollowed() async throws {
        let setup = try await Setup.start()
        let first = await setup.addDevice("one", ipv4: "127.0.0.1")
        let second = await setup.addDevice("two", ipv4: "127.3.2.1")
        try await withBot(setup) {
            for entity in [first, second] {
                let values = try await setup.waitForRuns(1, entity: entity)
                let paths = Set(values.map(\.path))
                #expect(paths.isSuperset(of: (0..<3).flatMap { ["entity.\(entity).ping.p\($0).ok", "entity.\(entity).ping.p\($0).rtt"] }))
                #expect(values.first { $0.path == "entity.\(entity).ping.success" }?.value == 1)
                #expect(values.filter { $0.path.hasSuffix(".rtt") }.allSatisfy { $0.value > 0 && $0.value < 0.5 })
                #expect(values.filter { $0.path.hasSuffix(".ok") }.allSatisfy { $0.value == 1 })
            }
            // Added under it: pinged from the next refresh on.
            let third = await setup.addDevice("three", ipv4: "127.0.0.3")
            _ = try await setup.waitForRuns(1, entity: third)
            // Removed under it: no more runs after the next refresh (one run in flight may still land).
            await setup.backend.removeEntity(account: setup.account, id: second)
            _ = try await setup.waitForRuns(await setup.values(entity: first).filter { $0.path.hasSuffix(".success") }.count + 3, entity: first)
            let afterRemoval = await setup.values(entity: second).count
            _ = try await setup.waitForRuns(await setup.values(entity: first).filter { $0.path.hasSuffix(".success") }.count + 2, entity: first)
            #expect(await setup.values(entity: second).count == afterRemoval)
        }
        try await setup.backend.shutdown()
    }

    /// What the reference bot accepts in details.ipv4: a host name and an IPv6 literal.
    @Test func hostNamesAndIPv6Literals() async throws {
        let setup = try await Setup.start()
        let named = await setup.addDevice("by name", ipv4: "localhost")
        let ipv6 = await setup.addDevice("by IPv6", ipv4: "::1")
        try await withBot(setup) {
            for entity in [named, ipv6] {
                let values = try await setup.waitForRuns(1, entity: entity)
                #expect(values.first { $0.path == "entity.\(entity).ping.success" }?.value == 1)
            }
        }
        try await setup.backend.shutdown()
    }

    @Test func lostPacketsFromATestHostThatIgnoresEcho() async throws {
        try await TestNamespace.with { namespace in
            try namespace.ignoreEchoRequests(true)
            let setup = try await Setup.start(credential: ["n_packets": "2", "sleep_packets": "0", "timeout": "0.3"])
            let entity = await setup.addDevice("silent", ipv4: namespace.peerAddress)
            let values = try await withBot(setup) { try await setup.waitForRuns(1, entity: entity) }
            let paths = Set(values.map(\.path))
            #expect(paths.isSuperset(of: ["entity.\(entity).ping.p0.ok", "entity.\(entity).ping.p1.ok", "entity.\(entity).ping.success"]))
            #expect(!paths.contains { $0.hasSuffix(".rtt") })
            #expect(values.filter { $0.path.hasSuffix(".ok") }.allSatisfy { $0.value == 0 })
            #expect(values.first { $0.path.hasSuffix(".success") }?.value == 0)
            try await setup.backend.shutdown()
        }
    }

    @Test func partialLossGivesTheFraction() async throws {
        try await TestNamespace.with { namespace in
            try namespace.ignoreEchoRequests(true)
            // A responder inside the namespace answers every other request: exactly half come back.
            try await EchoResponder.with(in: namespace, policy: { number in number % 2 == 0 ? .zero : nil }) { _ in
                let setup = try await Setup.start(credential: ["n_packets": "4", "sleep_packets": "0.05", "timeout": "0.5"])
                let entity = await setup.addDevice("lossy", ipv4: namespace.peerAddress, interval: 60)
                let values = try await withBot(setup) { try await setup.waitForRuns(1, entity: entity) }
                #expect(values.first { $0.path.hasSuffix(".success") }?.value == 0.5)
                #expect(values.filter { $0.path.hasSuffix(".ok") && $0.value == 1 }.count == 2)
                #expect(values.filter { $0.path.hasSuffix(".rtt") }.count == 2)
                try await setup.backend.shutdown()
            }
        }
    }
}
