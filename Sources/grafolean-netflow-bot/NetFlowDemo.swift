import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Logging
import NetFlowBot
import Synchronization

/// `--demo`: the real bot against an embedded test backend, with a built-in exporter sending
/// hand-built NetFlow v9 datagrams on loopback.
///
/// Nothing outside the process changes: the backend and the listener use ephemeral loopback
/// ports. So that values show within seconds, the demo posts a 5-second window (`netflow.5s.…`)
/// instead of the five real ones, and proposes unknown exporters every 10 s instead of 120 s.
struct NetFlowDemo {
    var options: NetFlowCollector.Options

    static let window = FlowWindow(label: "5s", seconds: 5)

    /// The listener's port, once bound.
    final class BoundPort: Sendable {
        let value = Mutex<Int?>(nil)
    }

    func run() async throws {
        let backend = try await GrafoleanTestBackend.start()
        let account = await backend.addAccount(name: "Demo account")
        // Systemwide permissions, like Grafolean's "Systemwide NetFlow bot": it may propose exporters.
        let bot = await backend.addBot(name: "Swift NetFlow bot", protocol: "netflow", account: nil, permissions: .systemwide)
        let credential = await backend.addCredential(account: account, name: "Default NetFlow credential", protocol: "netflow", details: [:])
        let sensor = await backend.addSensor(account: account, name: "Default NetFlow sensor", protocol: "netflow", defaultInterval: nil, details: [:])
        let router = await backend.addEntity(
            account: account, name: "router", details: ["ipv4": "127.0.0.1"],
            protocols: ["netflow": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: sensor)], bot: nil)])

        let port = BoundPort()
        var options = self.options
        options.host = "127.0.0.1"
        options.port = 0
        options.windows = [Self.window]
        options.grace = 1
        options.proposalInterval = 10
        options.onListening = { bound in port.value.withLock { $0 = bound } }
        StandardOutput.line("""
            Demo: a test Grafolean backend at \(backend.baseURL) with one device, 'router' (127.0.0.1), and a built-in
            exporter sending NetFlow v9 from 127.0.0.1 (the router) and 127.0.0.2 (unknown: the bot proposes it as a device).
            The bot posts \(Self.window.seconds)-second windows (the real bot: 1min, 15min, 1h, 4h, 24h); it skips the first,
            partial one. Each line is one window as the backend received it. Ctrl-C to stop.

            """)
        var settings = CollectorSettings(backendURL: backend.baseURL, token: .value(BotToken(bot.token)), jobsRefreshInterval: 5, logLevel: .notice)
        settings.scheduler.runsJobsWhenAdded = false
        let collector = NetFlowCollector(options: options)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await DemoExporter.run(port: { port.value.withLock { $0 } }) }
            group.addTask { try await Self.printArrivals(backend: backend, account: account, router: router) }
            try await CollectorRuntime(settings: settings).runAsCommand(collector)
            group.cancelAll()
        }
        try await backend.shutdown()
        StandardOutput.line("Demo stopped.")
    }

    /// Prints one line per window as values arrive, and each proposed exporter once.
    static func printArrivals(backend: GrafoleanTestBackend, account: Int, router: Int) async throws {
        var seen = 0
        var proposed: Set<Int> = []
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(250))
            for entity in await backend.entities(account: account) where entity.name.hasSuffix("(NetFlow exporter)") && proposed.insert(entity.id).inserted {
                StandardOutput.line("\(clock())  the bot proposed a device: '\(entity.name)' (entity \(entity.id))")
            }
            let received = await backend.receivedValues(account: account)
            guard received.count > seen else { continue }
            let new = received[seen...]
            seen = received.count
            var byTime: [Double: [String: Double]] = [:]
            for value in new { byTime[value.time, default: [:]][value.path] = value.value }
            for time in byTime.keys.sorted() {
                StandardOutput.line(line(end: time, series: byTime[time]!, entity: router, method: new.first { $0.time == time }?.method ?? ""))
            }
        }
    }

    static func line(end: Double, series: [String: Double], entity: Int, method: String) -> String {
        let base = "netflow.\(window.label)"
        func bytes(_ value: Double?) -> String {
            guard let value else { return "-" }
            return value >= 10_000 ? String(format: "%.1f kB", value / 1000) : "\(Int(value)) B"
        }
        func top(_ kind: String) -> String {
            let prefix = "\(base).ingress.entity.\(entity).\(kind)."
            guard let best = series.filter({ $0.key.hasPrefix(prefix) }).max(by: { $0.value < $1.value }) else { return "-" }
            return String(best.key.dropFirst(prefix.count)).replacingOccurrences(of: "%2e", with: ".")
        }
        let interfaces = series.keys.filter { $0.hasPrefix("\(base).ingress.entity.\(entity).if.") && $0.split(separator: ".").count == 7 }.sorted()
            .map { "if \($0.split(separator: ".").last!): \(bytes(series[$0]))" }.joined(separator: ", ")
        return "\(clock())  window ending \(clock(Date(timeIntervalSince1970: end)))  router: in \(bytes(series["\(base).ingress.entity.\(entity)"])) (\(interfaces)), "
            + "out \(bytes(series["\(base).egress.entity.\(entity)"])), top protocol \(top("topprotocol")), top source \(top("topip"))  "
            + "[\(series.count) values, one timestamp, \(method)]"
    }

    static func clock(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }
}
