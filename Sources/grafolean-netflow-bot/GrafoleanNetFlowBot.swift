import ArgumentParser
import Foundation
import GrafoleanCollector
import Logging
import NetFlowBot

/// `grafolean-netflow-bot`: a drop-in replacement for Grafolean's NetFlow bot, in one process
/// and without a database.
@main
struct GrafoleanNetFlowBot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grafolean-netflow-bot",
        abstract: "Grafolean's NetFlow bot, in Swift: receives NetFlow v5/v9 and IPFIX and posts per-window traffic of the devices assigned to it.",
        discussion: """
            Configure it like Grafolean's own NetFlow bot: BACKEND_URL, BOT_TOKEN or BOT_TOKEN_FROM_FILE, JOBS_REFRESH_INTERVAL, NETFLOW_PORT.
            No database: set STATE_DIRECTORY to keep templates and the windows in progress across restarts.
            Run it with host networking (docker: network_mode: host) so that it sees the exporters' own addresses.
            Try it without Grafolean: grafolean-netflow-bot --demo
            """)

    @OptionGroup var collector: CollectorOptions

    @Flag(help: "Run against an embedded test backend with a built-in exporter sending NetFlow v9 on loopback, printing one line per window. Changes nothing on the system.")
    var demo = false

    @Option(name: .customLong("netflow-port"), help: "UDP port to receive NetFlow on (env: NETFLOW_PORT; default 2055).")
    var netflowPort: Int?

    @Option(name: .customLong("netflow-host"), help: "Address to bind (env: NETFLOW_HOST; default 0.0.0.0, :: for IPv4 and IPv6).")
    var netflowHost: String?

    @Option(name: .customLong("netflow-receive-buffer"), help: "UDP receive buffer to ask the kernel for, in bytes (env: NETFLOW_RECEIVE_BUFFER; default 8388608).")
    var receiveBuffer: Int?

    @Option(name: .customLong("direction-rule"), help: "infer-egress (default: flows without field 61 also count as egress on their output interface) or field61 (the reference's rule) (env: NETFLOW_DIRECTION_RULE).")
    var directionRule: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func text(_ option: String?, _ variable: String) -> String? {
            if let option, !option.isEmpty { return option }
            return environment[variable].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var options = NetFlowCollector.Options()
        if let port = text(netflowPort.map(String.init), "NETFLOW_PORT") {
            guard let number = Int(port), (0...65_535).contains(number) else {
                throw ValidationError("--netflow-port / NETFLOW_PORT must be a UDP port (0 to 65535), not '\(port)'")
            }
            options.port = number
        }
        if let host = text(netflowHost, "NETFLOW_HOST") { options.host = host }
        if let size = text(receiveBuffer.map(String.init), "NETFLOW_RECEIVE_BUFFER") {
            guard let number = Int(size), number >= 4_096 else {
                throw ValidationError("--netflow-receive-buffer / NETFLOW_RECEIVE_BUFFER must be a number of bytes (at least 4096), not '\(size)'")
            }
            options.receiveBufferSize = number
        }
        switch text(directionRule, "NETFLOW_DIRECTION_RULE")?.lowercased() {
        case nil, "infer-egress": options.directionRule = .inferEgressFromOutputInterface
        case "field61", "reference": options.directionRule = .field61
        case let other?: throw ValidationError("--direction-rule / NETFLOW_DIRECTION_RULE must be infer-egress or field61, not '\(other)'")
        }
        if demo {
            CollectorRuntime.bootstrapLogging(level: .notice)
            try await NetFlowDemo(options: options).run()
        } else {
            try await collector.run(NetFlowCollector(options: options))
        }
    }
}
