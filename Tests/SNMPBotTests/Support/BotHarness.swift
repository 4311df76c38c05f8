import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Logging
import SNMP
import SNMPTestSupport
import Synchronization
import Testing

@testable import SNMPBot

/// A real snmpd, the test backend and an SNMP client, with an account (its defaults), a bot and
/// one device polled with the three default SNMP sensors.
struct BotHarness {
    /// snmpd serves two made-up lm-sensors temperatures, so that the default temperature sensor has data.
    static let lmSensors = """
        override 1.3.6.1.4.1.2021.13.16.2.1.2.1 octet_str "Core 0"
        override 1.3.6.1.4.1.2021.13.16.2.1.3.1 unsigned 45000
        override 1.3.6.1.4.1.2021.13.16.2.1.2.2 octet_str "Core 1"
        override 1.3.6.1.4.1.2021.13.16.2.1.3.2 unsigned 47500
        """

    let daemon: SNMPDaemon
    let backend: GrafoleanTestBackend
    let snmp: SNMPClient
    /// A client for the bot (shut down by ``with(permissions:interval:address:credential:_:)``).
    let client: GrafoleanClient
    let defaults: AccountDefaults
    let bot: TestBot
    let device: Int
    let log = LogCapture()

    var account: Int { defaults.account }
    var options: SNMPCollector.Options { SNMPCollector.Options(defaultPort: daemon.port, timeout: .seconds(1)) }

    /// Starts everything, runs `body`, stops everything.
    ///
    /// - Parameters:
    ///   - permissions: The bot's permissions; a systemwide bot is tied to no account.
    ///   - interval: The device's interval override for its sensors (nil: the sensors' 60 s).
    ///   - address: The device's `details.ipv4`, given snmpd's port.
    ///   - credential: The `details` of the device's credential (nil: the account's default v2c one).
    static func with(
        permissions: BotPermissions = .accountDefaults, interval: Int? = nil, address: (Int) -> String = { _ in "127.0.0.1" },
        credential: JSONValue? = nil, _ body: (BotHarness) async throws -> Void
    ) async throws {
        try await SNMPDaemon.with(extraConfiguration: lmSensors) { daemon in
            try await GrafoleanTestBackend.withRunning { backend in
                let defaults = await backend.addAccountWithDefaults(name: "SNMP account")
                let systemwide = permissions == .systemwide
                let bot = await backend.addBot(
                    name: "snmp bot", protocol: "snmp", account: systemwide ? nil : defaults.account, permissions: permissions)
                let sensors = [defaults.snmpTrafficInSensor, defaults.snmpTrafficOutSensor, defaults.snmpTemperatureSensor]
                var credentialID = defaults.snmpCredential
                if let credential {
                    credentialID = await backend.addCredential(account: defaults.account, name: "custom", protocol: "snmp", details: credential)
                }
                let device = await backend.addEntity(
                    account: defaults.account, name: "localhost", details: ["ipv4": .string(address(daemon.port))],
                    protocols: [
                        "snmp": EntityProtocolSettings(
                            credential: credentialID, sensors: sensors.map { .init(sensor: $0, interval: interval) }, bot: bot.id)
                    ])
                try await SNMPClient.withClient { snmp in
                    try await GrafoleanClient.withClient(configuration: .init(backendURL: backend.baseURL, token: BotToken(bot.token))) { client in
                        try await body(BotHarness(daemon: daemon, backend: backend, snmp: snmp, client: client, defaults: defaults, bot: bot, device: device))
                    }
                }
            }
        }
    }

    /// The collector's jobs, as one configuration refresh makes them.
    func jobs(_ collector: SNMPCollector, client: GrafoleanClient) async throws -> [CollectorJob] {
        let profile = try await client.profile()
        return try await collector.jobs(context: JobsContext(client: client, profile: profile, protocolName: "snmp", logger: log.logger))
    }

    /// Runs `body` with a sender delivering to the backend through `client`; flushes it afterwards.
    func withSender(_ client: GrafoleanClient, _ body: (ValueSender) async throws -> Void) async throws {
        let sender = ValueSender(transport: client, logger: log.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sender.run() }
            try await body(sender)
            #expect(await sender.flush(timeout: .seconds(60)) == 0)
            group.cancelAll()
        }
    }

    /// A hand-made run of `job` with every interval fired, measured at `clock`'s time.
    func run(_ job: CollectorJob, sender: ValueSender, clock: ManualClock) async throws {
        let run = JobRun(jobID: job.id, firedIntervals: job.intervals, scheduledTime: clock.now, deadline: clock.now.addingTimeInterval(60), logger: log.logger, sink: sender, clock: clock)
        try await job.work(run)
    }

    /// ifDescr as the agent serves it, by index.
    func interfaceNames() async throws -> [String: String] {
        let rows = try await snmp.walk("1.3.6.1.2.1.2.2.1.2", on: daemon.v2c)
        return Dictionary(uniqueKeysWithValues: rows.map { ("\($0.oid.arcs.last!)", $0.value.stringValue ?? "") })
    }

    /// The values the backend received for the device.
    func values() async -> [ReceivedValue] {
        await backend.receivedValues(account: account).filter { $0.path.hasPrefix("entity.\(device).snmp.") }
    }
}
