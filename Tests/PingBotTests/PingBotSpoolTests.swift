import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Logging
import ICMPEchoTestSupport
import ProcessSupport
import Testing

@testable import GrafoleanCollector

/// The built ping bot with a state directory: `kill -9` during an outage loses nothing.
@Suite(
    "The built ping bot keeps its values through kill -9", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: TestEnvironment.canOpenRawSockets, "needs root or CAP_NET_RAW to open raw ICMP sockets (CI runs as root)"))
struct PingBotSpoolTests {
    /// `swift test` builds every product next to the test bundle.
    static let executable = ChildProcess.builtProduct("grafolean-ping-bot")

    @Test func killDashNineDuringAnOutageLosesNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "grafolean-ping-bot was not built next to the tests: \(Self.executable)")
        let backend = try await GrafoleanTestBackend.start()
        let account = await backend.addAccount(name: "Spool")
        let bot = await backend.addBot(name: "ping bot", protocol: "ping", account: account)
        let credential = await backend.addCredential(
            account: account, name: "one packet", protocol: "ping", details: ["n_packets": "1", "sleep_packets": "0", "timeout": "0.5", "retry": "0"])
        let sensor = await backend.addSensor(account: account, name: "every second", protocol: "ping", defaultInterval: 1, details: [:])
        let entity = await backend.addEntity(
            account: account, name: "localhost", details: ["ipv4": "127.0.0.1"],
            protocols: ["ping": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: sensor, interval: nil)], bot: bot.id)])
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("ping-spool-\(UUID().uuidString)").path
        let log = state + ".log"
        defer {
            try? FileManager.default.removeItem(atPath: state)
            try? FileManager.default.removeItem(atPath: log)
        }
        let environment = [
            "BACKEND_URL": backend.baseURL, "BOT_TOKEN": bot.token, "STATE_DIRECTORY": state, "JOBS_REFRESH_INTERVAL": "60", "LOG_LEVEL": "info",
        ]
        let success = "entity.\(entity).ping.success"
        func successes() async -> [ReceivedValue] {
            await backend.receivedValues(account: account).filter { $0.path == success }.sorted { $0.time < $1.time }
        }

        let first = try ChildProcess.spawn(Self.executable, [], environment: environment, output: .file(log))
        defer { first.terminate() }
        _ = try await backend.waitForValues(count: 3, account: account, timeout: .seconds(30))
        try await backend.goDown()
        let down = Date()
        try await Task.sleep(for: .seconds(4))
        first.send(SIGKILL)
        _ = first.wait()
        let killed = Date()
        // What the killed bot had accepted but not delivered: read from its spool.
        let (spool, inventory) = try await ValueSpool.open(directory: state, sync: .normal, logger: Logger(label: "test"))
        let spooled = try await spool.load(account: account, after: 0, limit: 1_000_000).get().map(\.value)
        await spool.close()
        #expect(inventory.counts[account] == spooled.count)

        let second = try ChildProcess.spawn(Self.executable, [], environment: environment, output: .file(log))
        defer { second.terminate() }
        try await Task.sleep(for: .seconds(1))
        try await backend.comeBack()
        // Wait until the restarted bot has delivered the spool and fresh runs.
        let deadline = ContinuousClock.now + .seconds(40)
        while ContinuousClock.now < deadline, !(await successes().contains { $0.time > killed.timeIntervalSince1970 + 3 }) {
            try await Task.sleep(for: .milliseconds(200))
        }
        await second.terminate()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""

        // The runs of the outage (a few seconds of them) were in the spool (with, on a loaded machine,
        // whatever was still on its way when the backend went down), ...
        #expect(spooled.filter { $0.path == success && $0.time >= down }.count >= 2, "\(output)")
        // ... and every one of them arrived after the restart, exactly once, by PUT, at its measured time.
        let all = await backend.receivedValues(account: account)
        for value in spooled {
            let matches = all.filter { $0.path == value.path && abs($0.time - value.time.timeIntervalSince1970) < 0.000_001 }
            #expect(matches.count == 1, "\(value.path) measured at \(value.time): \(matches.count) arrivals")
            #expect(matches.allSatisfy { $0.method == "PUT" })
        }
        // Nothing arrived twice.
        #expect(Set(all.map { "\($0.path)@\($0.time)" }).count == all.count)
        #expect(output.contains("kept in the spool from before the restart"), "\(output)")
        #expect(!output.contains(bot.token))
        try await backend.shutdown()
    }
}
