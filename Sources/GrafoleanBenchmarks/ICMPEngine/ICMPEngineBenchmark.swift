import ArgumentParser
import Foundation
import GrafoleanCollector
import ICMPEcho

/// Part `icmp-engine`: the ICMP echo engine alone (no bot, no backend) under the ping bot's load:
/// every one of `--devices` loopback addresses (127.x.y.z) runs `ping(count:spacing:timeout:retries:)`
/// once per `--interval`, staggered evenly over it (or all at once with `--burst`), for the timed
/// case's length. Every loss is a false loss: loopback always answers.
///
/// Needs raw ICMP sockets (root or CAP_NET_RAW) or unprivileged ICMP sockets allowed by
/// `net.ipv4.ping_group_range`; without them the part is skipped and says so. Not part of `all`.
struct ICMPEngineBenchmark: BenchmarkPart {
    /// The part's own options.
    struct Settings: ParsableArguments {
        @Option(help: "How many loopback addresses are pinged.")
        var devices = 1_000
        @Option(help: "Seconds between two pings of one address.")
        var interval = 60.0
        @Option(help: "Echo requests per ping.")
        var packets = 3
        @Option(help: "Seconds between the requests of one ping.")
        var spacing = 1.0
        @Option(help: "Seconds to wait for a reply.")
        var timeout = 1.0
        @Option(help: "Retries of a request that timed out.")
        var retries = 0
        @Flag(help: "Every address at once rather than staggered over the interval.")
        var burst = false
        @Option(help: "Socket kind: automatic, raw or datagram.")
        var mode: Mode = .automatic

        /// `--mode`.
        enum Mode: String, ExpressibleByArgument, Sendable {
            case automatic, raw, datagram

            var socketMode: ICMPEchoEngine.SocketMode {
                switch self {
                case .automatic: .automatic
                case .raw: .raw
                case .datagram: .datagram
                }
            }
        }

        func validate() throws {
            guard devices > 0, devices < 1 << 22 else { throw ValidationError("--devices must be between 1 and 4194303") }
            guard interval > 0, packets > 0, spacing >= 0, timeout > 0, retries >= 0 else {
                throw ValidationError("--interval, --packets and --timeout must be positive, --spacing and --retries not negative")
            }
        }
    }

    /// What a task of the load ends with.
    private enum Outcome: Sendable {
        case engineStopped
        case device(DeviceReport)
        case peakPending(Int)
    }

    /// One address's probes.
    private struct DeviceReport: Sendable {
        var probes = 0
        var replied = 0
        var sendErrors = 0
        var roundTripTimes = LatencyHistogram()
    }

    static let name = "icmp-engine"
    let settings: Settings

    /// Device `index` → 127.x.y.z from 127.1.0.1 on (127.0.0.x is left to the host).
    static func loopbackAddress(_ index: Int) -> ICMPEchoAddress {
        let value = index + 1 + (1 << 16)
        return ICMPEchoAddress(ipv4: 127, UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
    }

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        let engine: ICMPEchoEngine
        do {
            engine = try ICMPEchoEngine(configuration: .init(socketMode: settings.mode.socketMode, enableIPv6: false), logger: options.logger)
        } catch {
            let reason = "skipped: needs root (raw ICMP sockets, or CAP_NET_RAW, or net.ipv4.ping_group_range covering this group): \(error)"
            options.say("\(Self.name): \(reason)")
            return [ResultRow(part: Self.name, scenario: "all", metric: "not run", value: reason)]
        }
        let duration = options.timedSeconds
        let label =
            "\(Format.count(settings.devices)) loopback addresses × \(settings.packets) packets / \(Format.number(settings.interval, 0)) s\(settings.burst ? " (burst)" : ""), \(engine.socketKind) socket, \(Format.number(duration, 0)) s"
        options.say("\(Self.name): \(label) …")

        let cpuBefore = CPUTime.now()
        let stopwatch = Stopwatch()
        let (reports, peakPending) = try await load(engine: engine, duration: duration)
        let elapsed = stopwatch.elapsed
        let cpu = CPUTime.now() - cpuBefore

        var total = DeviceReport()
        for report in reports {
            total.probes += report.probes
            total.replied += report.replied
            total.sendErrors += report.sendErrors
            total.roundTripTimes.merge(report.roundTripTimes)
        }
        let statistics = engine.statistics
        let lost = total.probes - total.replied
        let rtt = total.roundTripTimes
        options.say(
            "\(Self.name): \(Format.rate(Double(statistics.requestsSent) / elapsed, unit: " requests/s")), \(total.probes) probes, \(lost) lost, CPU \(Format.number(100 * cpu.total / elapsed, 1)) %"
        )
        return [
            ResultRow(
                part: Self.name, scenario: label, metric: "echo requests per second (due: addresses × packets / interval)",
                value: "\(Format.rate(Double(statistics.requestsSent) / elapsed)) (due \(Format.rate(Double(settings.devices * settings.packets) / settings.interval)))"),
            .checked(
                Self.name, label, "probes lost / probes; send errors", "\(Format.count(lost)) / \(Format.count(total.probes)); \(total.sendErrors)",
                target: "0 lost", isMet: lost == 0),
            ResultRow(
                part: Self.name, scenario: label, metric: "engine: sent, matched, timeouts, late, ignored packets",
                value: "\(Format.count(statistics.requestsSent)), \(Format.count(statistics.repliesMatched)), \(statistics.timeouts), \(statistics.lateReplies), \(statistics.ignoredPackets)"),
            ResultRow(
                part: Self.name, scenario: label, metric: "round-trip time p50 / p90 / p99 / max",
                value: [0.5, 0.9, 0.99].map { Format.milliseconds(rtt.quantile($0)) }.joined(separator: " / ") + " / \(Format.milliseconds(rtt.count > 0 ? rtt.maximum : 0))"),
            ResultRow(part: Self.name, scenario: label, metric: "peak pending probes", value: Format.count(peakPending)),
            ResultRow(
                part: Self.name, scenario: label, metric: "CPU: share of one core (user + system); per echo request",
                value: "\(Format.number(100 * cpu.total / elapsed, 1)) % (\(Format.number(cpu.user, 2)) s + \(Format.number(cpu.system, 2)) s); \(Format.microseconds(cpu.total / Double(max(1, statistics.requestsSent))))"),
            ResultRow(
                part: Self.name, scenario: label, metric: "peak resident memory (VmHWM)", value: Format.mebibytes(kibibytes: MemoryStatus.now().peakResidentKiB)),
        ]
    }

    /// Runs the engine and every address's pings for `duration` seconds; returns each address's
    /// report and the largest number of probes pending at once (sampled every 20 ms).
    private func load(engine: ICMPEchoEngine, duration: Double) async throws -> ([DeviceReport], Int) {
        let settings = settings
        let clock = ContinuousClock()
        let start = clock.now
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                try await engine.run()
                return .engineStopped
            }
            for index in 0..<settings.devices {
                let offset = settings.burst ? 0 : settings.interval * Double(index) / Double(settings.devices)
                group.addTask {
                    var report = DeviceReport()
                    var round = 0.0
                    while offset + round * settings.interval < duration {
                        try await clock.sleep(until: start.advanced(by: .seconds(double: offset + round * settings.interval)))
                        let results = try await engine.ping(
                            Self.loopbackAddress(index), count: settings.packets, spacing: .seconds(double: settings.spacing),
                            timeout: .seconds(double: settings.timeout), retries: settings.retries)
                        for result in results {
                            report.probes += 1
                            if let rtt = result.roundTripTime {
                                report.replied += 1
                                report.roundTripTimes.record(rtt.inSeconds)
                            }
                            if result.sendError != nil { report.sendErrors += 1 }
                        }
                        round += 1
                    }
                    return .device(report)
                }
            }
            // The pending count, sampled until the addresses are done.
            group.addTask {
                var peak = 0
                while !Task.isCancelled {
                    peak = max(peak, engine.statistics.pendingProbes)
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return .peakPending(peak)
            }
            var reports: [DeviceReport] = []
            var peakPending = 0
            while let next = try await group.next() {
                switch next {
                case .engineStopped: break
                case .peakPending(let peak): peakPending = peak
                case .device(let report):
                    reports.append(report)
                    if reports.count == settings.devices { group.cancelAll() }
                }
            }
            return (reports, peakPending)
        }
    }
}
