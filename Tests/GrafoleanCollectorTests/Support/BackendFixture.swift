import Foundation
import GrafoleanCollectorTesting
import Logging
import Testing

@testable import GrafoleanCollector

/// A test backend with one account, a ping bot and its credential and sensor, and a client for the bot
/// (with the library's default timeouts, so that a loaded machine does not fail a test's requests).
struct BackendFixture {
    let backend: GrafoleanTestBackend
    let account: Int
    let bot: TestBot
    let credential: Int
    let sensor: Int
    let client: GrafoleanClient

    static func start(requestTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(5), permissions: BotPermissions = .accountDefaults, logger: Logger? = nil) async throws -> BackendFixture {
        let backend = try await GrafoleanTestBackend.start()
        let account = await backend.addAccount(name: "Test account")
        let bot = await backend.addBot(name: "Test ping bot", protocol: "ping", account: account, permissions: permissions)
        let credential = await backend.addCredential(
            account: account, name: "Ping credential", protocol: "ping",
            details: ["n_packets": "3", "sleep_packets": "1.0", "timeout": "1.0", "retry": "0"])
        let sensor = await backend.addSensor(account: account, name: "Ping sensor", protocol: "ping", defaultInterval: 30, details: [:])
        let client = try GrafoleanClient(
            configuration: .init(backendURL: backend.baseURL, token: BotToken(bot.token), connectTimeout: connectTimeout, requestTimeout: requestTimeout),
            logger: logger ?? Logger(label: "test.client"))
        return BackendFixture(backend: backend, account: account, bot: bot, credential: credential, sensor: sensor, client: client)
    }

    /// Runs `body` with a client for another bot's token, shut down afterwards however `body` ends.
    func withClient<T>(token: String, logger: Logger = Logger(label: "test.client"), _ body: (GrafoleanClient) async throws -> T) async throws -> T {
        try await GrafoleanClient.withClient(configuration: .init(backendURL: backend.baseURL, token: BotToken(token)), logger: logger, body)
    }

    @discardableResult
    func addPingDevice(_ name: String, ipv4: String, interval: Int? = nil, bot: Int? = nil) async -> Int {
        await backend.addEntity(
            account: account, name: name, details: ["ipv4": .string(ipv4)],
            protocols: ["ping": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: sensor, interval: interval)], bot: bot)])
    }

    func stop() async throws {
        try await client.shutdown()
        try await backend.shutdown()
    }
}

/// Runs `body` with a started fixture and always stops it.
func withBackend<T>(
    requestTimeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(5), permissions: BotPermissions = .accountDefaults, logger: Logger? = nil,
    _ body: (BackendFixture) async throws -> T
) async throws -> T {
    let fixture = try await BackendFixture.start(requestTimeout: requestTimeout, connectTimeout: connectTimeout, permissions: permissions, logger: logger)
    do {
        let result = try await body(fixture)
        try await fixture.stop()
        return result
    } catch {
        try? await fixture.stop()
        throw error
    }
}

/// Waits until `condition` holds, checking every 10 ms, for at most `timeout`; records an issue if it never does.
func eventually(
    timeout: Duration = .seconds(60), _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
}
