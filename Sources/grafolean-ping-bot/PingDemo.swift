import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Logging
import PingBot

/// `--demo`: the real bot against an embedded test backend with a few loopback devices.
///
/// Nothing outside the process changes: the backend listens on an ephemeral loopback port and the
/// devices are 127.0.0.x addresses, which every Linux host answers.
struct PingDemo {
    let collector: PingCollector

    static let devices = [("localhost", "127.0.0.1"), ("loopback-2", "127.0.0.2"), ("loopback-3", "127.0.0.3"), ("loopback-4", "127.0.0.4")]

    func run() async throws {
        let backend = try await GrafoleanTestBackend.start()
        let account = await backend.addAccount(name: "Demo account")
        let bot = await backend.addBot(name: "Swift ping bot", protocol: "ping", account: account)
        let credential = await backend.addCredential(
            account: account, name: "3 packets", protocol: "ping",
            details: ["n_packets": "3", "sleep_packets": "0.2", "timeout": "1.0", "retry": "0"])
        let sensor = await backend.addSensor(account: account, name: "Ping every 5 s", protocol: "ping", defaultInterval: 5, details: [:])
        var names: [Int: String] = [:]
        for (name, address) in Self.devices {
            let entity = await backend.addEntity(
                account: account, name: name, details: ["ipv4": .string(address)],
                protocols: ["ping": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: sensor, interval: nil)], bot: bot.id)])
            names[entity] = "\(name) (\(address))"
        }
        StandardOutput.line("""
            Demo: a test Grafolean backend at \(backend.baseURL) with \(Self.devices.count) loopback devices,
            pinged every 5 s (3 packets each). Each line is one run as the backend received it. Ctrl-C to stop.

            """)
        let deviceNames = names
        var settings = CollectorSettings(backendURL: backend.baseURL, token: .value(BotToken(bot.token)), jobsRefreshInterval: 30, logLevel: .notice)
        settings.scheduler.runsJobsWhenAdded = true  // show the first run at once
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Self.printArrivals(backend: backend, account: account, names: deviceNames) }
            try await CollectorRuntime(settings: settings).runAsCommand(collector)
            group.cancelAll()
        }
        try await backend.shutdown()
        StandardOutput.line("Demo stopped.")
    }

    /// Prints one line per entity and run as values arrive.
    static func printArrivals(backend: GrafoleanTestBackend, account: Int, names: [Int: String]) async throws {
        var seen = 0
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(250))
            let received = await backend.receivedValues(account: account)
            guard received.count > seen else { continue }
            let new = received[seen...]
            seen = received.count
            var byEntity: [Int: [String: Double]] = [:]
            var order: [Int] = []
            for value in new {
                let parts = value.path.split(separator: ".")
                guard parts.count >= 4, parts[0] == "entity", let entity = Int(parts[1]) else { continue }
                if byEntity[entity] == nil { order.append(entity) }
                byEntity[entity, default: [:]][parts.dropFirst(3).joined(separator: ".")] = value.value
            }
            for entity in order {
                StandardOutput.line(line(name: names[entity] ?? "entity \(entity)", series: byEntity[entity]!))
            }
        }
    }

    static func line(name: String, series: [String: Double]) -> String {
        let packets = series.keys.filter { $0.hasSuffix(".ok") }.count
        let replies = series.filter { $0.key.hasSuffix(".ok") && $0.value == 1 }.count
        let rtts = series.filter { $0.key.hasSuffix(".rtt") }.map { $0.value * 1000 }.sorted()
        let rttText = rtts.isEmpty ? "no replies" : "rtt " + rtts.map { String(format: "%.3f", $0) }.joined(separator: " / ") + " ms"
        let success = series["success"].map { String(format: "%3.0f%%", $0 * 100) } ?? "  ?"
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        let time = formatter.string(from: Date())
        return "\(time)  \(name.padding(toLength: 26, withPad: " ", startingAt: 0))  \(replies)/\(packets) replies  success \(success)  \(rttText)"
    }
}
