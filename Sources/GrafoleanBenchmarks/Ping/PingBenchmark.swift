import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import ICMPEcho

/// Part 5: the real ping bot (`PingCollector` on `CollectorRuntime`, its configuration fetched from
/// and its values posted to the test backend) pinging 1,000 and 10,000 loopback addresses
/// (127.x.y.z), 3 packets each every 60 s. Every loss is a false loss: loopback always answers.
///
/// The bot runs in a child process (``BotProcess``), the backend here, so that CPU and memory
/// are the bot's alone. Needs raw ICMP sockets (root or CAP_NET_RAW) or unprivileged ICMP sockets
/// allowed by `net.ipv4.ping_group_range`; without them the part is skipped and says so.
struct PingBenchmark: BenchmarkPart {
    static let name = "ping"
    static let interval = 60
    static let packets = 3

    /// Device `index` → 127.x.y.z from 127.1.0.1 on (127.0.0.x is left to the host).
    static func loopbackAddress(_ index: Int) -> String {
        let value = index + 1 + (1 << 16)
        return "127.\((value >> 16) & 255).\((value >> 8) & 255).\(value & 255)"
    }

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        do {
            _ = try ICMPEchoEngine(logger: options.logger)
        } catch {
            let reason = "skipped: needs root (raw ICMP sockets, or CAP_NET_RAW, or net.ipv4.ping_group_range covering this group): \(error)"
            options.say("ping: \(reason)")
            return [ResultRow(part: Self.name, scenario: "all", metric: "not run", value: reason)]
        }
        var rows: [ResultRow] = []
        for devices in [1_000, 10_000] {
            rows += try await measure(devices: devices, options: options)
        }
        return rows
    }

    private func measure(devices: Int, options: BenchmarkOptions) async throws -> [ResultRow] {
        let window = options.timedSeconds
        let label = "\(Format.count(devices)) loopback devices × \(Self.packets) packets / \(Self.interval) s, \(Int(window)) s measured"
        options.say("ping: \(label) …")
        return try await GrafoleanTestBackend.withRunning { backend in
            let fleet = await SeededFleet.seed(backend, devices: devices, accounts: 1, sensorsPerDevice: 1, address: Self.loopbackAddress)
            let (report, status) = try await BotProcess.spawn(kind: .ping, backendURL: backend.baseURL, token: fleet.bot.token, options: options)
            guard let report else {
                return [ResultRow(part: Self.name, scenario: label, metric: "failed", value: "the bot process ended with \(status)")]
            }
            return Self.rows(label: label, devices: devices, window: window, report: report, received: await backend.receivedValues(), options: options)
        }
    }

    private static func rows(
        label: String, devices: Int, window: Double, report: [BotProcess.Key: Double], received: [ReceivedValue], options: BenchmarkOptions
    ) -> [ResultRow] {
        var runs = 0
        var runsWithLoss = 0
        var devicesPinged = Set<Int>()
        var roundTripTimes = LatencyHistogram()
        for value in received {
            let parts = value.path.split(separator: ".")
            guard parts.count >= 4, let entity = Int(parts[1]) else { continue }
            if parts.last == "success" {
                runs += 1
                devicesPinged.insert(entity)
                if value.value < 1 { runsWithLoss += 1 }
            } else if parts.last == "rtt" {
                roundTripTimes.record(value.value)
            }
        }
        func figure(_ key: BotProcess.Key) -> Double { report[key] ?? 0 }
        let elapsed = figure(.elapsed)
        let sent = figure(.sent)
        let cpu = figure(.cpuUser) + figure(.cpuSystem)
        let rate = sent / elapsed
        let due = Double(devices * packets) / Double(interval)
        options.say(
            "ping: \(label): \(Format.rate(rate)) packets/s (due \(Format.rate(due))), \(runs) runs, \(runsWithLoss) with loss, bot CPU \(Format.number(100 * cpu / elapsed, 1)) %"
        )
        var rows = [
            ResultRow(
                part: name, scenario: label, metric: "echo requests per second in the window (due: devices × 3 / 60 s)",
                value: "\(Format.rate(rate)) (due \(Format.rate(due)))"),
            .checked(
                name, label, "false losses: runs with success < 1 / runs delivered", "\(runsWithLoss) / \(Format.count(runs))",
                target: "0", isMet: runsWithLoss == 0),
            ResultRow(
                part: name, scenario: label, metric: "probes in the window: sent, replied, timed out, late, send failures",
                value: "\(Format.count(Int(sent))), \(Format.count(Int(figure(.matched)))), \(Int(figure(.timeouts))), \(Int(figure(.lateReplies))), \(Int(figure(.sendFailures)))"),
            ResultRow(
                part: name, scenario: label, metric: "round-trip time p50 / p99 / max (as posted)",
                value: "\(Format.milliseconds(roundTripTimes.quantile(0.5))) / \(Format.milliseconds(roundTripTimes.quantile(0.99))) / \(Format.milliseconds(roundTripTimes.maximum))"),
        ]
        rows += BotProcess.resourceRows(part: name, label: label, report: report, work: (sent, "echo request"))
        if window >= Double(interval) {
            rows.append(.checked(
                name, label, "devices pinged at least once", "\(Format.count(devicesPinged.count)) / \(Format.count(devices))",
                target: "all", isMet: devicesPinged.count == devices))
        }
        return rows
    }
}
