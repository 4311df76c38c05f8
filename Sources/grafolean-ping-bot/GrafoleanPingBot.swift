import ArgumentParser
import Foundation
import GrafoleanCollector
import ICMPEcho
import Logging
import PingBot

/// `grafolean-ping-bot`: a drop-in replacement for Grafolean's ICMP ping bot.
@main
struct GrafoleanPingBot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grafolean-ping-bot",
        abstract: "Grafolean's ICMP ping bot, in Swift: pings the devices assigned to it in Grafolean and posts the results.",
        discussion: """
            Configure it like Grafolean's own ping bot: BACKEND_URL, BOT_TOKEN or BOT_TOKEN_FROM_FILE, JOBS_REFRESH_INTERVAL.
            It needs raw ICMP sockets (root or CAP_NET_RAW) or unprivileged ICMP sockets (net.ipv4.ping_group_range).
            Try it without Grafolean: grafolean-ping-bot --demo
            """)

    @OptionGroup var collector: CollectorOptions

    @Flag(help: "Run against an embedded test backend seeded with a few loopback devices, printing what it receives. Changes nothing on the system.")
    var demo = false

    @Option(name: .customLong("icmp-socket"), help: "auto, raw or datagram (env: ICMP_SOCKET; default auto: raw when permitted, else unprivileged datagram).")
    var icmpSocket: String?

    @Flag(name: .customLong("extra-series"), help: "Also emit entity.<id>.ping.rtt.min/avg/max (env: PING_EXTRA_SERIES=1).")
    var extraSeries = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var engineConfiguration = ICMPEchoEngine.Configuration()
        switch (icmpSocket ?? environment["ICMP_SOCKET"] ?? "auto").lowercased() {
        case "auto", "automatic": engineConfiguration.socketMode = .automatic
        case "raw": engineConfiguration.socketMode = .raw
        case "datagram", "dgram": engineConfiguration.socketMode = .datagram
        case let other: throw ValidationError("--icmp-socket must be auto, raw or datagram, not '\(other)'")
        }
        let options = PingCollector.Options(extraSeries: extraSeries || environment["PING_EXTRA_SERIES"] == "1")
        if demo {
            CollectorRuntime.bootstrapLogging(level: .notice)
        } else {
            // Resolve settings first, so that a configuration error is reported before any socket is opened.
            let settings = try collector.settings()
            CollectorRuntime.bootstrapLogging(level: settings.logLevel)
        }
        let logger = Logger(label: "grafolean.ping")
        let engine: ICMPEchoEngine
        do {
            engine = try ICMPEchoEngine(configuration: engineConfiguration, logger: logger)
        } catch {
            logger.critical("cannot open ICMP sockets: \(error)")
            throw ExitCode.failure
        }
        // The collector runs the engine as its own service, under the bot's lifecycle.
        let collector = PingCollector(engine: engine, options: options)
        if demo {
            try await PingDemo(collector: collector).run()
        } else {
            // Thousands of devices added at once should not all be polled in the same second: spread
            // them over their interval by a stable hash of the entity id (same phase after a restart).
            try await self.collector.run(collector) { $0.scheduler.spreadsJobs = true }
        }
    }
}
