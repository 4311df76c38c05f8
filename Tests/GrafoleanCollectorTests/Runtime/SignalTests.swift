import Foundation
import GrafoleanCollectorTesting
import ProcessSupport
import Testing

@testable import GrafoleanCollector

/// SIGTERM on the built example bot: it stops starting runs, then its own service, then flushes
/// its values, and exits 0.
@Suite("A built bot stops cleanly on SIGTERM", .timeLimit(.minutes(2)))
struct SignalTests {
    /// `swift test` builds every product next to the test bundle.
    static let executable = ChildProcess.builtProduct("MyProtocolBot")

    @Test func sigtermFlushesAndExitsZero() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "MyProtocolBot was not built next to the tests: \(Self.executable)")
        let backend = try await GrafoleanTestBackend.start()
        let account = await backend.addAccount(name: "Signals")
        let bot = await backend.addBot(name: "my bot", protocol: "myprotocol", account: account)
        let credential = await backend.addCredential(account: account, name: "c", protocol: "myprotocol", details: [:])
        let sensor = await backend.addSensor(account: account, name: "s", protocol: "myprotocol", defaultInterval: 1, details: [:])
        let entity = await backend.addEntity(
            account: account, name: "device", details: ["ipv4": "127.0.0.1"],
            protocols: ["myprotocol": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: sensor, interval: nil)], bot: bot.id)])
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sigterm-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = try ChildProcess.spawn(
            Self.executable, [],
            environment: ["BACKEND_URL": backend.baseURL, "BOT_TOKEN": bot.token, "JOBS_REFRESH_INTERVAL": "60", "LOG_LEVEL": "info"],
            output: .file(log))
        defer { process.terminate() }
        _ = try await backend.waitForValues(count: 2, account: account, timeout: .seconds(60))
        process.send(SIGTERM)
        let status = await process.termination(within: .seconds(30))
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let exited = try #require(status, "the bot did not exit within 30 s of SIGTERM:\n\(output)")
        #expect(exited.exitCode == 0, "\(output)")
        // The documented order: jobs, then the bot's services, then delivery.
        let order = ["reading source started", "jobs stopped", "reading source stopped", "delivery stopped"].map { output.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil }, "\(output)")
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "shutdown out of order:\n\(output)")
        #expect(!output.contains(bot.token))
        #expect(await backend.receivedValues(account: account).allSatisfy { $0.path.hasPrefix("entity.\(entity).myprotocol.") })
        try await backend.shutdown()
    }
}
