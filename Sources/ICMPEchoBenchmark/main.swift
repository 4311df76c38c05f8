// Load test of the ICMP echo engine against distinct loopback addresses (127.x.y.z).
//
//   swift run -c release ICMPEchoBenchmark --devices 10000 --duration 60
//
// Simulates the ping bot: every device runs `ping(count:spacing:timeout:retries:)` once per
// interval, devices staggered evenly over the interval (or all at once with --burst), for
// --duration seconds. Reports probes/s, losses, RTT percentiles, peak pending probes, CPU time
// (getrusage) and peak RSS. Needs root, CAP_NET_RAW or a permissive net.ipv4.ping_group_range.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ICMPEcho
import Logging

struct Options {
    var devices = 1000
    var duration = 60.0
    var interval = 60.0
    var packets = 3
    var spacing = 1.0
    var timeout = 1.0
    var retries = 0
    var burst = false
    var mode = ICMPEchoEngine.SocketMode.automatic

    static let usage = """
    usage: ICMPEchoBenchmark [--devices N] [--duration SECONDS] [--interval SECONDS] [--packets N]
                             [--spacing SECONDS] [--timeout SECONDS] [--retries N] [--burst]
                             [--mode automatic|raw|datagram]
    """

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        func value(_ name: String) throws -> String {
            guard let value = iterator.next() else { throw UsageError(message: "\(name) needs a value") }
            return value
        }
        func number(_ name: String) throws -> Double {
            let text = try value(name)
            guard let number = Double(text), number >= 0 else { throw UsageError(message: "\(name): '\(text)' is not a non-negative number") }
            return number
        }
        while let argument = iterator.next() {
            switch argument {
            case "--devices": devices = Int(try number(argument))
            case "--duration": duration = try number(argument)
            case "--interval": interval = try number(argument)
            case "--packets": packets = Int(try number(argument))
            case "--spacing": spacing = try number(argument)
            case "--timeout": timeout = try number(argument)
            case "--retries": retries = Int(try number(argument))
            case "--burst": burst = true
            case "--mode":
                switch try value(argument) {
                case "automatic", "auto": mode = .automatic
                case "raw": mode = .raw
                case "datagram", "dgram": mode = .datagram
                case let other: throw UsageError(message: "--mode: unknown mode '\(other)'")
                }
            case "--help", "-h": throw UsageError(message: "")
            default: throw UsageError(message: "unknown argument '\(argument)'")
            }
        }
        guard devices > 0, devices < 1 << 22, interval > 0 else { throw UsageError(message: "need 0 < devices < 4194304 and interval > 0") }
    }
}

struct UsageError: Error { var message: String }

struct DeviceReport: Sendable {
    var probes = 0
    var replied = 0
    var roundTripTimes: [Int64] = []
    var sendErrors = 0
}

/// Device `index` → 127.x.y.z, never 127.0.0.0 nor 127.255.255.255.
func loopbackAddress(_ index: Int) -> ICMPEchoAddress {
    let value = index + 1 + (1 << 16)
    return ICMPEchoAddress(ipv4: 127, UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value))
}

func seconds(_ value: Double) -> Duration { .nanoseconds(Int64(value * 1e9)) }

func usage() -> (user: Double, system: Double, maxRSSKiB: Int) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return (value(usage.ru_utime), value(usage.ru_stime), usage.ru_maxrss)
}

func format(_ value: Double, _ digits: Int = 1) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.\(digits)f", $0) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
    if !error.message.isEmpty { print("error: \(error.message)") }
    print(Options.usage)
    exit(error.message.isEmpty ? 0 : 2)
}

var logger = Logger(label: "ICMPEchoBenchmark")
logger.logLevel = .warning
let engine: ICMPEchoEngine
do {
    engine = try ICMPEchoEngine(configuration: .init(socketMode: options.mode, enableIPv6: false), logger: logger)
} catch {
    print("error: \(error)")
    exit(1)
}

print("devices=\(options.devices) duration=\(options.duration)s interval=\(options.interval)s packets=\(options.packets) spacing=\(options.spacing)s timeout=\(options.timeout)s retries=\(options.retries) burst=\(options.burst) socket=\(engine.socketKind)")

let clock = ContinuousClock()
let usageBefore = usage()
let start = clock.now
var peakPending = 0
var reports: [DeviceReport] = []

try await withThrowingTaskGroup(of: DeviceReport?.self) { group in
    group.addTask {
        try await engine.run()
        return nil
    }
    for index in 0 ..< options.devices {
        let offset = options.burst ? 0 : options.interval * Double(index) / Double(options.devices)
        group.addTask {
            var report = DeviceReport()
            let target = loopbackAddress(index)
            var round = 0.0
            while offset + round * options.interval < options.duration {
                try await clock.sleep(until: start.advanced(by: seconds(offset + round * options.interval)))
                let results = try await engine.ping(
                    target, count: options.packets, spacing: seconds(options.spacing),
                    timeout: seconds(options.timeout), retries: options.retries
                )
                for result in results {
                    report.probes += 1
                    if let rtt = result.roundTripTime {
                        report.replied += 1
                        report.roundTripTimes.append(rtt.components.attoseconds / 1_000_000_000 + rtt.components.seconds * 1_000_000_000)
                    }
                    if result.sendError != nil { report.sendErrors += 1 }
                }
                round += 1
            }
            return report
        }
    }
    // Sample the pending count until the devices are done.
    group.addTask {
        var peak = 0
        while !Task.isCancelled {
            peak = max(peak, engine.statistics.pendingProbes)
            try? await Task.sleep(for: .milliseconds(20))
        }
        return DeviceReport(probes: -peak)
    }
    var finishedDevices = 0
    while let next = try await group.next() {
        guard let report = next else { continue }
        if report.probes < 0 {
            peakPending = -report.probes
            continue
        }
        reports.append(report)
        finishedDevices += 1
        if finishedDevices == options.devices { group.cancelAll() }
    }
}

let elapsed = clock.now - start
let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let usageAfter = usage()
let probes = reports.reduce(0) { $0 + $1.probes }
let replied = reports.reduce(0) { $0 + $1.replied }
let sendErrors = reports.reduce(0) { $0 + $1.sendErrors }
let rtts = reports.flatMap(\.roundTripTimes).sorted()
func percentile(_ p: Double, _ rtts: [Int64]) -> String {
    guard !rtts.isEmpty else { return "-" }
    let index = min(rtts.count - 1, Int(Double(rtts.count - 1) * p))
    return format(Double(rtts[index]) / 1000, 1) + "us"
}
let statistics = engine.statistics
let cpuUser = usageAfter.user - usageBefore.user
let cpuSystem = usageAfter.system - usageBefore.system
print("elapsed:        \(format(elapsedSeconds, 2)) s")
print("probes:         \(probes) (\(format(Double(statistics.requestsSent) / elapsedSeconds)) requests/s), replied \(replied), lost \(probes - replied), send errors \(sendErrors)")
print("engine:         sent \(statistics.requestsSent), matched \(statistics.repliesMatched), timeouts \(statistics.timeouts), late \(statistics.lateReplies), ignored \(statistics.ignoredPackets)")
print("rtt:            p50 \(percentile(0.5, rtts)), p90 \(percentile(0.9, rtts)), p99 \(percentile(0.99, rtts)), max \(percentile(1.0, rtts))")
print("peak pending:   \(peakPending) probes")
print("cpu:            user \(format(cpuUser, 2)) s + system \(format(cpuSystem, 2)) s = \(format(100 * (cpuUser + cpuSystem) / elapsedSeconds, 1))% of one core")
print("peak rss:       \(format(Double(usageAfter.maxRSSKiB) / 1024, 1)) MiB")
exit(probes == replied ? 0 : 1)
