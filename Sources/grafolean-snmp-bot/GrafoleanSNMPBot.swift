import ArgumentParser
import Foundation
import GrafoleanCollector
import Logging
import SNMP
import SNMPBot

/// `grafolean-snmp-bot`: a drop-in replacement for Grafolean's SNMP bot.
@main
struct GrafoleanSNMPBot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grafolean-snmp-bot",
        abstract: "Grafolean's SNMP bot, in Swift: polls the devices assigned to it in Grafolean with their SNMP sensors and posts the values.",
        discussion: """
            Configure it like Grafolean's own SNMP bot: BACKEND_URL, BOT_TOKEN or BOT_TOKEN_FROM_FILE, JOBS_REFRESH_INTERVAL.
            Agents are polled on UDP port 161 unless --snmp-port or an entity's details.snmp_port says otherwise.
            To let the bot keep interface entities up to date, grant it POST, PUT and DELETE on accounts/<id>/entities.
            Try it without Grafolean: grafolean-snmp-bot --demo (needs net-snmp's snmpd installed)
            """)

    @OptionGroup var collector: CollectorOptions

    @Flag(help: "Run against an embedded test backend and a local snmpd started on a free loopback port, printing what the backend receives. Changes nothing on the system.")
    var demo = false

    @Option(name: .customLong("snmp-port"), help: "The agents' UDP port unless an entity sets details.snmp_port (env: SNMP_PORT; default 161).")
    var snmpPort: Int?

    @Option(name: .customLong("snmp-timeout"), help: "Seconds to wait for each SNMP answer (env: SNMP_TIMEOUT; default 2).")
    var snmpTimeout: Double?

    @Option(name: .customLong("snmp-retries"), help: "Extra tries after an SNMP timeout (env: SNMP_RETRIES; default 1).")
    var snmpRetries: Int?

    @Flag(name: .customLong("no-interfaces"), help: "Do not create, update or delete interface entities (env: SNMP_MANAGE_INTERFACES=0).")
    var noInterfaces = false

    func run() async throws {
        let options = try snmpOptions(environment: ProcessInfo.processInfo.environment)
        if demo {
            CollectorRuntime.bootstrapLogging(level: .notice)
        } else {
            // Resolve settings first, so that a configuration error is reported before any socket is opened.
            let settings = try collector.settings()
            CollectorRuntime.bootstrapLogging(level: settings.logLevel)
        }
        let logger = Logger(label: "grafolean.snmp")
        try await SNMPClient.withClient(logger: logger) { client in
            let bot = SNMPCollector(client: client, options: options)
            if demo {
                try await SNMPDemo(collector: bot).run()
            } else {
                // Thousands of devices added at once should not all be polled in the same second: spread
                // them over their interval by a stable hash of the entity id (same phase after a restart).
                try await self.collector.run(bot) { $0.scheduler.spreadsJobs = true }
            }
        }
    }

    /// The collector's options from the command line and the environment.
    func snmpOptions(environment: [String: String]) throws -> SNMPCollector.Options {
        func value(_ option: String?, _ variable: String) -> String? {
            if let option { return option }
            guard let text = environment[variable]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        var options = SNMPCollector.Options()
        if let text = value(snmpPort.map(String.init), "SNMP_PORT") {
            guard let port = Int(text), (1...65_535).contains(port) else { throw ValidationError("SNMP port must be 1 to 65535, not '\(text)'") }
            options.defaultPort = port
        }
        if let text = value(snmpTimeout.map { String($0) }, "SNMP_TIMEOUT") {
            guard let seconds = Double(text), seconds > 0, seconds <= 60 else { throw ValidationError("SNMP timeout must be above 0 and at most 60 seconds, not '\(text)'") }
            options.timeout = .milliseconds(Int64(seconds * 1000))
        }
        if let text = value(snmpRetries.map(String.init), "SNMP_RETRIES") {
            guard let retries = Int(text), (0...10).contains(retries) else { throw ValidationError("SNMP retries must be 0 to 10, not '\(text)'") }
            options.retries = retries
        }
        if noInterfaces || ["0", "false", "no", "off"].contains(environment["SNMP_MANAGE_INTERFACES"]?.lowercased() ?? "") {
            options.managesInterfaces = false
        }
        return options
    }
}
