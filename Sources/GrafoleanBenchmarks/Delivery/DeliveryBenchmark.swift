import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting

/// Part 3: values per second through `ValueSender` to the test backend on loopback, and the time
/// to drain a 100,000-value buffer after an outage.
struct DeliveryBenchmark: BenchmarkPart {
    static let name = "delivery"

    /// Values per `send` call, as one job run of a bot with a big interface table would hand over.
    static let valuesPerSend = 100
    static let accounts = 10
    /// The producer waits while more than this many values are buffered, as jobs would if the
    /// backend were slower than them; otherwise it would only measure how fast it fills the buffer.
    static let producerBacklog = 50_000

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        let total = options.quick ? 200_000 : 1_000_000
        var rows: [ResultRow] = []
        rows += try await throughput(values: total, options: options)
        rows += try await drain(values: 100_000, outageSeconds: 2, repetitions: options.quick ? 1 : 3, options: options)
        if !options.quick {
            // A longer outage: the client's connection backoff and the sender's retry delay have grown.
            rows += try await drain(values: 100_000, outageSeconds: 30, repetitions: 1, options: options)
        }
        return rows
    }

    /// Runs a sender on a client of `backend` for the duration of `body`.
    private func withSender<Result: Sendable>(
        backend: GrafoleanTestBackend, token: String, configuration: ValueSender.Configuration, options: BenchmarkOptions,
        _ body: @Sendable (ValueSender) async throws -> Result
    ) async throws -> Result {
        let client = try GrafoleanClient(configuration: .init(backendURL: backend.baseURL, token: BotToken(token)), logger: options.logger)
        let sender = ValueSender(transport: client, configuration: configuration, logger: options.logger)
        do {
            let result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await sender.run() }
                let result = try await body(sender)
                group.cancelAll()
                try await group.waitForAll()
                return result
            }
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Hands `count` values to the sender in calls of ``valuesPerSend``, round-robin over the
    /// accounts, keeping at most ``producerBacklog`` buffered.
    private static func produce(_ count: Int, accounts: [Int], sender: ValueSender, backlog: Int?) async {
        let time = Date()
        var produced = 0
        var call = 0
        while produced < count {
            if let backlog {
                while await sender.statistics.buffered > backlog {
                    try? await Task.sleep(for: .milliseconds(1))
                }
            }
            let entity = call
            let size = min(valuesPerSend, count - produced)
            let values = (0..<size).map { index in
                MeasuredValue(path: "entity.\(entity).bench.if.\(index).in-octets", value: Double(index), time: time)
            }
            await sender.send(values, account: accounts[call % accounts.count])
            produced += size
            call += 1
        }
    }

    private func throughput(values total: Int, options: BenchmarkOptions) async throws -> [ResultRow] {
        try await GrafoleanTestBackend.withRunning { backend in
            let fleet = await SeededFleet.seed(backend, devices: 0, accounts: Self.accounts, sensorsPerDevice: 0)
            await backend.setRecordsValues(false)
            let accounts = fleet.accounts
            let label = "\(Format.count(total)) values, \(Self.valuesPerSend) per send, \(Self.accounts) accounts, batches of 500"
            options.say("delivery: \(label) …")
            let (elapsed, cpu, statistics) = try await withSender(
                backend: backend, token: fleet.bot.token, configuration: ValueSender.Configuration(), options: options
            ) { sender in
                let cpuBefore = CPUTime.now()
                let stopwatch = Stopwatch()
                await Self.produce(total, accounts: accounts, sender: sender, backlog: Self.producerBacklog)
                let left = await sender.flush(timeout: .seconds(300))
                let elapsed = stopwatch.elapsed
                precondition(left == 0, "the sender kept \(left) values")
                return (elapsed, CPUTime.now() - cpuBefore, await sender.statistics)
            }
            let received = await backend.valueCount()
            let requests = await backend.requests().filter { $0.method == "POST" || $0.method == "PUT" }.count
            let rate = Double(received) / elapsed
            options.say("delivery: \(label): \(Format.rate(rate)) values/s")
            return [
                .checked(Self.name, label, "values per second (delivered ÷ wall time)", Format.rate(rate), target: "> 100,000/s", isMet: rate > 100_000),
                ResultRow(part: Self.name, scenario: label, metric: "wall time", value: Format.duration(elapsed)),
                ResultRow(
                    part: Self.name, scenario: label, metric: "values received by the backend / sent",
                    value: "\(Format.count(received)) / \(Format.count(total))"),
                ResultRow(
                    part: Self.name, scenario: label, metric: "requests (values per request)",
                    value: "\(Format.count(requests)) (\(Format.number(Double(received) / Double(max(1, requests)), 0)))"),
                ResultRow(
                    part: Self.name, scenario: label, metric: "dropped / rejected / failed requests",
                    value: "\(statistics.dropped) / \(statistics.rejected) / \(statistics.failedRequests)"),
                ResultRow(
                    part: Self.name, scenario: label, metric: "CPU per value (bot + in-process backend)",
                    value: Format.microseconds(cpu.total / Double(total))),
                ResultRow(
                    part: Self.name, scenario: label, metric: "CPU (share of one core)",
                    value: Format.number(100 * cpu.total / elapsed, 0) + " %"),
            ]
        }
    }

    /// Backend down; `count` values handed over; backend back: how long until the first value
    /// arrives (the client's reconnection and the sender's retry delay) and until `flush` returns 0.
    private func drain(values count: Int, outageSeconds: Int, repetitions: Int, options: BenchmarkOptions) async throws -> [ResultRow] {
        var waits: [Double] = []
        var totals: [Double] = []
        var received = 0
        var dropped = 0
        var failures = 0
        var puts = 0
        let label = "drain \(Format.count(count)) values buffered during a \(outageSeconds) s outage (\(Self.accounts) accounts, default retry settings)"
        options.say("delivery: \(label), \(repetitions)× …")
        for _ in 0..<repetitions {
            try await GrafoleanTestBackend.withRunning { backend in
                let fleet = await SeededFleet.seed(backend, devices: 0, accounts: Self.accounts, sensorsPerDevice: 0)
                await backend.setRecordsValues(false)
                let accounts = fleet.accounts
                // The sender warns at every failed attempt; expected here.
                var quiet = options
                quiet.logger.logLevel = .error
                let (wait, total, statistics) = try await withSender(
                    backend: backend, token: fleet.bot.token, configuration: ValueSender.Configuration(), options: quiet
                ) { sender in
                    try await backend.goDown()
                    await Self.produce(count, accounts: accounts, sender: sender, backlog: nil)
                    // Every account has tried and failed, so the values wait for a retry.
                    while await sender.statistics.failedRequests < accounts.count {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    try await Task.sleep(for: .seconds(outageSeconds))
                    try await backend.comeBack()
                    let stopwatch = Stopwatch()
                    while await backend.valueCount() == 0 {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                    let wait = stopwatch.elapsed
                    let left = await sender.flush(timeout: .seconds(300))
                    precondition(left == 0, "the sender kept \(left) values")
                    return (wait, stopwatch.elapsed, await sender.statistics)
                }
                waits.append(wait)
                totals.append(total)
                received = await backend.valueCount()
                dropped = statistics.dropped
                failures = statistics.failedRequests
                puts = await backend.requests().filter { $0.method == "PUT" }.count
            }
        }
        let transfers = zip(totals, waits).map { $0 - $1 }.sorted()
        waits.sort()
        totals.sort()
        let median = { (values: [Double]) in values[values.count / 2] }
        options.say("delivery: \(label): \(Format.duration(median(totals))) (first value after \(Format.duration(median(waits))))")
        return [
            ResultRow(
                part: Self.name, scenario: label, metric: "time from comeBack() until flush returns 0 (median; max)",
                value: "\(Format.duration(median(totals))) (\(Format.duration(totals.last!)))"),
            ResultRow(
                part: Self.name, scenario: label, metric: "of which: until the first value arrives (median; max)",
                value: "\(Format.duration(median(waits))) (\(Format.duration(waits.last!)))"),
            ResultRow(
                part: Self.name, scenario: label, metric: "of which: transfer, first to last value (median)",
                value: "\(Format.duration(median(transfers))) = \(Format.rate(Double(count) / median(transfers), unit: " values/s"))"),
            ResultRow(
                part: Self.name, scenario: label, metric: "last run: values received / buffered, dropped, failed attempts, PUT requests",
                value: "\(Format.count(received)) / \(Format.count(count)), \(dropped), \(failures), \(puts)"),
        ]
    }
}
