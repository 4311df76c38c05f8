import Foundation
import NetFlow
import ProcessSupport

/// Over the socket, side by side with nfdump's nfcapd: the same nfreplay stream at rising rates;
/// for each collector the highest rate it takes without losing a flow (kernel drops included)
/// and its CPU time per flow.
///
/// The stream: generated traffic stored by nfcapd, replayed by nfreplay once (slowly, checked
/// complete) and recorded; a child process sends the recording at each rate (see ``FlowReplay``).
/// The two collectors get the same receive buffer. nfcapd stores every flow to a file; the bot
/// decodes and aggregates it into its five windows.
struct NetFlowSocketBenchmark: Sendable {
    static let receiveBufferSize = 8 << 20
    /// Offered rates, in flows per second.
    static let ladder = [100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 700_000, 800_000, 900_000, 1_000_000, 1_100_000, 1_200_000, 1_500_000, 2_000_000]

    struct Stream {
        var file: String
        var datagrams: Int
        var flowsBefore: [Int]  // flows in datagrams 0..<i, for i in 0...datagrams
        var flows: Int { flowsBefore[datagrams] }

        func flows(inFirst sent: Int) -> Int {
            (sent / datagrams) * flows + flowsBefore[sent % datagrams]
        }
    }

    struct Trial {
        var receiver: String
        var rate: Int
        var sentFlows: Int
        var sendSeconds: Double
        var receivedFlows: Int
        var kernelDrops: Int
        var cpuSeconds: Double

        var lost: Int { sentFlows - receivedFlows }
        var isLossFree: Bool { lost == 0 }
        var achievedRate: Double { Double(sentFlows) / max(sendSeconds, 1e-9) }
        var microsecondsPerFlow: Double { cpuSeconds * 1e6 / Double(max(1, receivedFlows)) }
    }

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        let part = NetFlowBenchmark.name
        guard let nfcapd = ChildProcess.findExecutable("nfcapd"), let nfreplay = ChildProcess.findExecutable("nfreplay"),
            let nfdump = ChildProcess.findExecutable("nfdump")
        else {
            return [ResultRow(part: part, scenario: "over the socket, against nfcapd", metric: "skipped", value: "nfdump is not installed: apt-get install -y nfdump")]
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grafolean-netflow-socket-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stream = try await Self.recordStream(nfcapd: nfcapd, nfreplay: nfreplay, nfdump: nfdump, flows: options.quick ? 60_000 : 150_000, in: directory)
        let meanFlows = Double(stream.flows) / Double(stream.datagrams)
        options.say("netflow socket: nfreplay stream of \(Format.count(stream.flows)) flows in \(Format.count(stream.datagrams)) datagrams (\(Format.number(meanFlows)) flows each)")
        let seconds = options.quick ? 2.0 : 5.0
        var trials: [Trial] = []
        var lossyInARow: [String: Int] = [:]
        for rate in Self.ladder {
            for kind in ["nfcapd", "grafolean-netflow-bot"] where lossyInARow[kind, default: 0] < 2 {
                let port = try FreePort.udp()
                let receiver: any FlowReceiver =
                    kind == "nfcapd"
                    ? try await NfcapdReceiver.start(
                        nfcapd: nfcapd, nfdump: nfdump, port: port, receiveBufferSize: Self.receiveBufferSize, in: directory.appendingPathComponent("trial-\(port)"))
                    : try await BotListenerReceiver.start(port: port, receiveBufferSize: Self.receiveBufferSize, logger: options.logger)
                let trial = try await Self.trial(receiver, stream: stream, rate: rate, datagramRate: Double(rate) / meanFlows, seconds: seconds, in: directory)
                trials.append(trial)
                lossyInARow[kind] = trial.isLossFree ? 0 : lossyInARow[kind, default: 0] + 1
                options.say(
                    "  \(Format.count(rate)) flows/s offered (\(Format.count(Int(trial.achievedRate))) sent): \(kind) took \(Format.count(trial.receivedFlows)) of \(Format.count(trial.sentFlows))"
                        + " (\(Format.count(trial.kernelDrops)) kernel drops), \(Format.number(trial.microsecondsPerFlow, 2)) µs CPU per flow")
            }
            if lossyInARow.values.filter({ $0 >= 2 }).count == 2 { break }
        }
        return Self.rows(trials, stream: stream, seconds: seconds)
    }

    static func rows(_ trials: [Trial], stream: Stream, seconds: Double) -> [ResultRow] {
        let part = NetFlowBenchmark.name
        var rows: [ResultRow] = []
        for rate in ladder {
            let atRate = trials.filter { $0.rate == rate }
            guard !atRate.isEmpty else { continue }
            let sent = atRate.map { Format.count(Int($0.achievedRate)) }.joined(separator: " / ")
            rows.append(
                ResultRow(
                    part: part, scenario: "socket: \(Format.count(rate)) flows/s offered (sent \(sent)) for \(Format.number(seconds, 0)) s",
                    metric: atRate.map(\.receiver).joined(separator: " / ") + ": lost, CPU per flow",
                    value: atRate.map { "\(Format.count($0.lost)) (\(Format.count($0.kernelDrops)) dgr. dropped by kernel), \(Format.number($0.microsecondsPerFlow, 2)) µs" }
                        .joined(separator: " / ")))
        }
        func highestLossFree(_ receiver: String) -> Trial? {
            var best: Trial?
            for trial in trials.filter({ $0.receiver == receiver }).sorted(by: { $0.rate < $1.rate }) {
                guard trial.isLossFree else { break }
                best = trial
            }
            return best
        }
        let reference = highestLossFree("nfcapd")
        let ours = highestLossFree("grafolean-netflow-bot")
        rows.append(
            ResultRow(
                part: part, scenario: "socket: nfreplay stream, \(Format.count(stream.flows)) flows looped", metric: "nfcapd: highest loss-free rate",
                value: reference.map { "\(Format.count($0.rate)) flows/s, \(Format.number($0.microsecondsPerFlow, 2)) µs CPU per flow" } ?? "none of the rates"))
        rows.append(
            .checked(
                part, "socket: nfreplay stream, \(Format.count(stream.flows)) flows looped", "grafolean-netflow-bot: highest loss-free rate",
                ours.map { "\(Format.count($0.rate)) flows/s, \(Format.number($0.microsecondsPerFlow, 2)) µs CPU per flow" } ?? "none of the rates",
                target: "≥ nfcapd's", isMet: (ours?.rate ?? 0) >= (reference?.rate ?? 0) && ours != nil))
        return rows
    }

    /// One receiver at one rate: send for `seconds`, wait until it has worked off its backlog, count.
    static func trial(_ receiver: any FlowReceiver, stream: Stream, rate: Int, datagramRate: Double, seconds: Double, in directory: URL) async throws -> Trial {
        let cpuBefore = receiver.cpuSeconds
        let results = directory.appendingPathComponent("sent-\(receiver.port).txt").path
        let sender = try ChildProcess.spawn(
            ChildProcess.currentExecutable,
            [NetFlowBenchmark.name, "--replay-file", stream.file, "--replay-port", "\(receiver.port)", "--replay-rate", "\(datagramRate)",
             "--seconds", "\(seconds)", "--results-file", results])
        let status = await sender.waitForExit()
        await receiver.drain()
        let cpu = receiver.cpuSeconds - cpuBefore
        let drops = UDPSocketTable.entry(port: receiver.port)?.drops ?? 0
        let received = try await receiver.stop()
        guard status.isSuccess, let report = try? String(contentsOfFile: results, encoding: .utf8) else {
            throw FlowReplay.ReplayError(description: "the replaying process ended with \(status)")
        }
        let fields = report.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard fields.count == 2 else { throw FlowReplay.ReplayError(description: "unreadable replay report: \(report)") }
        return Trial(
            receiver: receiver.name, rate: rate, sentFlows: stream.flows(inFirst: Int(fields[0])), sendSeconds: fields[1],
            receivedFlows: received, kernelDrops: drops, cpuSeconds: cpu)
    }

    /// Generated traffic → nfcapd (a capture file, checked complete) → nfreplay → recorded.
    static func recordStream(nfcapd: String, nfreplay: String, nfdump: String, flows: Int, in directory: URL) async throws -> Stream {
        let captureDirectory = directory.appendingPathComponent("capture")
        let capturePort = try FreePort.udp()
        let capture = try await NfcapdReceiver.start(nfcapd: nfcapd, nfdump: nfdump, port: capturePort, receiveBufferSize: 32 << 20, in: captureDirectory)
        var generated: [[UInt8]] = []
        for (index, datagram) in SyntheticExport.datagrams(flowCount: flows).enumerated() {
            if index % 100 == 0 { generated.append(contentsOf: SyntheticExport.setup()) }
            generated.append(datagram)
        }
        // 5,000 datagrams/s: slow enough for nfcapd to store every flow.
        _ = try FlowReplay.send(generated, port: capturePort, rate: 5_000, seconds: Double(generated.count) / 5_000)
        await capture.drain()
        let keepFiles = directory.appendingPathComponent("capture-files")
        try FileManager.default.createDirectory(at: keepFiles, withIntermediateDirectories: true)
        let stored = try await capture.stop(keeping: keepFiles)
        let files = try FileManager.default.contentsOfDirectory(atPath: keepFiles.path).filter { $0.hasPrefix("nfcapd.2") }
        guard stored == flows, files.count == 1, let file = files.first else {
            throw FlowReplay.ReplayError(description: "nfcapd stored \(stored) of \(flows) generated flows while making the capture")
        }

        // nfreplay's own stream, sent slowly enough to lose nothing, recorded as it arrives.
        let listener = try await NetFlowListener.bind(.init(host: "127.0.0.1", port: 0, receiveBufferSize: 64 << 20, bufferedDatagrams: 1_000_000))
        let port = listener.localAddress.port ?? 0
        var recorded: [[UInt8]] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run() }
            let replay = try ChildProcess.spawn(
                nfreplay, ["-r", keepFiles.appendingPathComponent(file).path, "-H", "127.0.0.1", "-p", "\(port)", "-v", "9", "-d", "20"], output: .discard)
            let status = await replay.waitForExit()
            guard status.isSuccess else { throw FlowReplay.ReplayError(description: "nfreplay ended with \(status)") }
            _ = try FlowReplay.send([[0xBE, 0xEF, 0, 0]], port: port, rate: 1, seconds: 1)
            for await datagram in listener.datagrams {
                let bytes = datagram.bytes.getBytes(at: datagram.bytes.readerIndex, length: datagram.bytes.readableBytes) ?? []
                if bytes == [0xBE, 0xEF, 0, 0] { break }
                recorded.append(bytes)
            }
            await listener.close()
            group.cancelAll()
        }
        var decoder = NetFlowDecoder()
        var decoded: [FlowRecord] = []
        var flowsBefore = [0]
        for datagram in recorded {
            decoded.removeAll(keepingCapacity: true)
            decoder.decode(datagram, from: FlowAddress(ipv4: 0x7F00_0001), receivedAtMilliseconds: 0, into: &decoded)
            flowsBefore.append(flowsBefore[flowsBefore.count - 1] + decoded.count)
        }
        guard flowsBefore.last == flows else {
            throw FlowReplay.ReplayError(description: "nfreplay's stream held \(flowsBefore.last ?? 0) of the capture's \(flows) flows")
        }
        let file2 = directory.appendingPathComponent("stream.bin").path
        try FlowReplay.write(recorded, to: file2)
        return Stream(file: file2, datagrams: recorded.count, flowsBefore: flowsBefore)
    }
}
