import ArgumentParser
import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import SNMP
import SNMPBot

/// `--demo`: the real bot against an embedded test backend and a local snmpd.
///
/// Nothing outside the process changes but a temporary directory: the backend listens on an
/// ephemeral loopback port, snmpd on a free one. The account gets Grafolean's default SNMP
/// credential and sensors; the device `localhost` points at snmpd through `details.snmp_port`.
struct SNMPDemo {
    let collector: SNMPCollector

    static let interval = 5

    func run() async throws {
        let agent: DemoAgent
        do {
            agent = try await DemoAgent.start()
        } catch let failure as DemoAgent.Failure {
            StandardOutput.line("Demo: \(failure)")
            throw ExitCode.failure
        }
        defer { agent.stop() }
        let backend = try await GrafoleanTestBackend.start()
        let defaults = await backend.addAccountWithDefaults(name: "Demo account")
        // A systemwide bot, as Grafolean installs its own: it may create the interface entities.
        let bot = await backend.addBot(name: "Swift SNMP bot", protocol: "snmp", account: nil, permissions: .systemwide)
        let sensors = [defaults.snmpTrafficInSensor, defaults.snmpTrafficOutSensor, defaults.snmpTemperatureSensor]
        let device = await backend.addEntity(
            account: defaults.account, name: "localhost", details: ["ipv4": "127.0.0.1", "snmp_port": .string("\(agent.port)")],
            protocols: [
                "snmp": EntityProtocolSettings(
                    credential: defaults.snmpCredential, sensors: sensors.map { .init(sensor: $0, interval: Self.interval) }, bot: bot.id)
            ])
        StandardOutput.line(
            """
            Demo: a test Grafolean backend at \(backend.baseURL) and snmpd at 127.0.0.1:\(agent.port).
            The device 'localhost' is polled every \(Self.interval) s with Grafolean's three default SNMP sensors
            (Traffic IN/OUT: rates in bytes per second, from the second run on; lm-sensors temperatures, made up).
            Each line is a value as the backend received it. Ctrl-C to stop.

            """)
        var settings = CollectorSettings(backendURL: backend.baseURL, token: .value(BotToken(bot.token)), jobsRefreshInterval: 30, logLevel: .notice)
        settings.scheduler.runsJobsWhenAdded = true
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Self.printArrivals(backend: backend, account: defaults.account, device: device) }
            try await CollectorRuntime(settings: settings).runAsCommand(collector)
            group.cancelAll()
        }
        try await backend.shutdown()
        StandardOutput.line("Demo stopped.")
    }

    /// Prints values as they arrive, and the interface entities once the bot has made them.
    static func printArrivals(backend: GrafoleanTestBackend, account: Int, device: Int) async throws {
        var seen = 0
        var interfacesShown = false
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(250))
            if !interfacesShown {
                let interfaces = await backend.entities(account: account).filter { $0.parent == device && $0.entityType == "interface" }
                    .sorted { Int($0.details["snmp_index"]?.stringValue ?? "") ?? 0 < Int($1.details["snmp_index"]?.stringValue ?? "") ?? 0 }
                if !interfaces.isEmpty {
                    interfacesShown = true
                    let names = interfaces.map { "\($0.name) (snmp_index \($0.details["snmp_index"]?.stringValue ?? "?"))" }
                    StandardOutput.line("\(formatter.string(from: Date()))  the bot created \(interfaces.count) interface entities: \(names.joined(separator: ", "))")
                }
            }
            let received = await backend.receivedValues(account: account)
            guard received.count > seen else { continue }
            let prefix = "entity.\(device).snmp."
            for value in received[seen...].sorted(by: { $0.path < $1.path }) {
                let path = value.path.hasPrefix(prefix) ? String(value.path.dropFirst(prefix.count)) : value.path
                StandardOutput.line("\(formatter.string(from: Date()))  \(path.padding(toLength: 40, withPad: " ", startingAt: 0))  \(String(format: "%12.2f", value.value))")
            }
            seen = received.count
        }
    }
}
