import ArgumentParser
import Foundation
import GrafoleanCollector
import Logging
import ProcessSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `grafolean-benchmarks`: measures the speed, scale and memory of the collector library and the
/// bots, and prints the figures as a Markdown table (see BENCHMARKS.md).
@main
struct GrafoleanBenchmarksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grafolean-benchmarks",
        abstract: "Measures the collector library and the bots: configuration fetch, scheduler, delivery, memory, ping bot, SNMP; and the ICMP engine and SNMP client alone.",
        discussion: """
            Build in release mode: swift run -c release grafolean-benchmarks [part] [--quick]. \
            'all' runs every part in a fresh child process (so that memory figures are not inflated by earlier parts) \
            and prints one table. The ping part needs root (raw ICMP); the SNMP part needs net-snmp's snmpd \
            (and root and iproute2 for its 102-interface agent in a network namespace). \
            What cannot run is skipped, saying why. \
            'icmp-engine' (the ICMP echo engine under load, without a bot) and 'snmp-client' (GET rates and walks \
            against any agent) are not part of 'all'; their options are listed under their names.
            """)

    enum Part: String, ExpressibleByArgument, CaseIterable, Sendable {
        case all, fetch, scheduler, delivery, spool, memory, ping, snmp, netflow, shard
        case icmpEngine = "icmp-engine"
        case snmpClient = "snmp-client"

        /// Whether `all` runs it: the engine and client parts take their own options and repeat
        /// what the ping and snmp parts measure through the bots.
        var isInAll: Bool { self != .all && self != .icmpEngine && self != .snmpClient }
    }

    @Argument(help: "What to run: \(Part.allCases.map(\.rawValue).joined(separator: ", ")).")
    var part: Part = .all

    @Flag(help: "Shorter runs (timed cases about 10 s instead of 60 s, fewer repetitions).")
    var quick = false

    @Option(
        help: "Length of the timed cases (scheduler, ping bot, SNMP bot, icmp-engine) in seconds, instead of 60 (10 with --quick); snmp-client: of each GET-rate case, instead of 3 (2).")
    var seconds: Double?

    @OptionGroup(title: "icmp-engine")
    var icmpEngine: ICMPEngineBenchmark.Settings

    @OptionGroup(title: "snmp-client")
    var snmpClient: SNMPClientBenchmark.Settings

    @Option(name: .customLong("results-file"), help: .hidden)
    var resultsFile: String?

    /// Internal: run as the bot process of the ping or snmp part (token in BOT_TOKEN).
    @Flag(name: .customLong("bot-process"), help: .hidden)
    var botProcess = false

    @Option(name: .customLong("backend-url"), help: .hidden)
    var backendURL: String?

    /// Internal: run as the sender of the netflow part's socket trials (see `FlowReplay`).
    @Option(name: .customLong("replay-file"), help: .hidden)
    var replayFile: String?

    @Option(name: .customLong("replay-port"), help: .hidden)
    var replayPort: Int?

    @Option(name: .customLong("replay-rate"), help: .hidden)
    var replayRate: Double?

    func run() async throws {
        CollectorRuntime.bootstrapLogging(level: .warning)
        var logger = Logger(label: "grafolean.benchmarks")
        logger.logLevel = .warning
        if let seconds, !(seconds >= 1 && seconds <= 3_600) {
            throw ValidationError("--seconds must be between 1 and 3600, not \(seconds)")
        }
        let options = BenchmarkOptions(quick: quick, secondsOverride: seconds, logger: logger)
        if let replayFile {
            guard let replayPort, let replayRate, let resultsFile else {
                throw ValidationError("--replay-file needs --replay-port, --replay-rate and --results-file")
            }
            let datagrams = try FlowReplay.read(from: replayFile)
            let clock = Stopwatch()
            let sent = try FlowReplay.send(datagrams, port: replayPort, rate: replayRate, seconds: options.timedSeconds)
            try "\(sent) \(clock.elapsed)".write(toFile: resultsFile, atomically: true, encoding: .utf8)
            return
        }
        if botProcess {
            guard let backendURL, let token = ProcessInfo.processInfo.environment["BOT_TOKEN"], let resultsFile else {
                throw ValidationError("--bot-process needs --backend-url, --results-file and BOT_TOKEN")
            }
            guard let kind = BotProcess.Kind(rawValue: part.rawValue) else {
                throw ValidationError("--bot-process runs the ping or the snmp bot, not '\(part.rawValue)'")
            }
            let report = try await BotProcess.run(kind: kind, backendURL: backendURL, token: token, window: options.timedSeconds, options: options)
            try BotProcess.encode(report).write(toFile: resultsFile, atomically: true, encoding: .utf8)
            return
        }
        if resultsFile == nil {
            options.say("grafolean-benchmarks \(part.rawValue)\(quick ? " --quick" : "")")
            for line in MachineDescription.lines() { options.say("  " + line) }
            #if DEBUG
            options.say("  WARNING: a debug build; measure with -c release")
            #endif
            options.say("")
        }
        let rows: [ResultRow]
        if let benchmark {
            do {
                rows = try await benchmark.run(options: options)
            } catch {
                rows = [ResultRow(part: part.rawValue, scenario: "all", metric: "failed", value: "\(error)")]
            }
        } else {
            rows = try await runAllInChildProcesses(options: options)
        }
        if let resultsFile {
            let text = rows.map(\.line).joined(separator: "\n") + "\n"
            try text.write(toFile: resultsFile, atomically: true, encoding: .utf8)
        } else {
            options.say("\n" + ResultTable.render(rows))
        }
    }

    /// The chosen part; `nil` for `all`.
    private var benchmark: (any BenchmarkPart)? {
        switch part {
        case .all: nil
        case .fetch: FetchBenchmark()
        case .scheduler: SchedulerBenchmark()
        case .delivery: DeliveryBenchmark()
        case .spool: SpoolBenchmark()
        case .memory: MemoryBenchmark()
        case .ping: PingBenchmark()
        case .snmp: SNMPAgentBenchmark()
        case .netflow: NetFlowBenchmark()
        case .shard: ShardBenchmark()
        case .icmpEngine: ICMPEngineBenchmark(settings: icmpEngine)
        case .snmpClient: SNMPClientBenchmark(settings: snmpClient)
        }
    }

    /// Runs every part in a fresh child process of this executable and gathers their rows.
    private func runAllInChildProcesses(options: BenchmarkOptions) async throws -> [ResultRow] {
        let executable = ChildProcess.currentExecutable
        var rows: [ResultRow] = []
        for part in Part.allCases where part.isInAll {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("grafolean-benchmarks-\(getpid())-\(part.rawValue).tsv").path
            var arguments = [part.rawValue, "--results-file", file]
            if quick { arguments.append("--quick") }
            if let seconds { arguments += ["--seconds", "\(seconds)"] }
            let child = try ChildProcess.spawn(executable, arguments)
            let status = await child.waitForExit()
            if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                rows += text.split(separator: "\n").compactMap(ResultRow.init(line:))
                try? FileManager.default.removeItem(atPath: file)
            }
            if !status.isSuccess {
                rows.append(ResultRow(part: part.rawValue, scenario: "all", metric: "failed", value: "the child process ended with \(status)"))
            }
        }
        return rows
    }
}
