import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting

/// Part 1: fetching the job configurations of 1,000 and 10,000 devices (3 sensors each) over 1
/// and 10 accounts, from the test backend with 2 ms added to every answer; and the reference's
/// sequential N+1 fetch of the same, for comparison.
struct FetchBenchmark: BenchmarkPart {
    static let name = "fetch"

    struct Scenario {
        var devices: Int
        var accounts: Int
        var latencyMilliseconds: Int
        var referenceStyle: Bool

        var label: String {
            "\(Format.count(devices)) devices / \(accounts) account\(accounts == 1 ? "" : "s") / \(latencyMilliseconds) ms latency"
        }
    }

    struct Outcome {
        var medianSeconds: Double
        var bestSeconds: Double
        var requestsPerFetch: Double
        var configurations: Int
        var cpuSecondsPerFetch: Double
    }

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        var rows: [ResultRow] = []
        var ours: [String: Outcome] = [:]
        var references: [String: Outcome] = [:]
        let repetitions = options.quick ? 3 : 7
        for devices in [1_000, 10_000] {
            for accounts in [1, 10] {
                let scenario = Scenario(devices: devices, accounts: accounts, latencyMilliseconds: 2, referenceStyle: false)
                let outcome = try await measure(scenario, repetitions: repetitions, options: options)
                ours["\(devices)/\(accounts)"] = outcome
                rows += report(scenario, outcome)
            }
            let unloaded = Scenario(devices: devices, accounts: 1, latencyMilliseconds: 0, referenceStyle: false)
            rows += report(unloaded, try await measure(unloaded, repetitions: repetitions, options: options))
        }
        // The reference's N+1 fetch: measured for 1,000 devices (about 10 s each), computed for 10,000.
        for accounts in options.quick ? [1] : [1, 10] {
            let scenario = Scenario(devices: 1_000, accounts: accounts, latencyMilliseconds: 2, referenceStyle: true)
            let outcome = try await measure(scenario, repetitions: 1, options: options)
            references["1000/\(accounts)"] = outcome
            rows += report(scenario, outcome)
            if let mine = ours["1000/\(accounts)"] {
                rows.append(ResultRow(
                    part: Self.name, scenario: scenario.label, metric: "reference ÷ ours (wall time)",
                    value: Format.number(outcome.medianSeconds / mine.medianSeconds, 0) + "×"))
            }
        }
        if let reference = references["1000/1"] {
            // Same requests per device, same time per request: 5 requests per device plus 1 + 1 per account.
            let perRequest = reference.medianSeconds / reference.requestsPerFetch
            for accounts in [1, 10] {
                let requests = 1 + accounts + 5 * 10_000
                let estimate = Double(requests) * perRequest
                let label = "10,000 devices / \(accounts) account\(accounts == 1 ? "" : "s") / 2 ms latency (reference-style, computed)"
                rows.append(ResultRow(part: Self.name, scenario: label, metric: "requests per fetch", value: Format.count(requests)))
                rows.append(ResultRow(
                    part: Self.name, scenario: label, metric: "wall time (computed: requests × measured time per request)",
                    value: Format.duration(estimate)))
                if let mine = ours["10000/\(accounts)"] {
                    rows.append(ResultRow(
                        part: Self.name, scenario: label, metric: "reference ÷ ours (wall time)",
                        value: Format.number(estimate / mine.medianSeconds, 0) + "×"))
                }
            }
        }
        return rows
    }

    private func report(_ scenario: Scenario, _ outcome: Outcome) -> [ResultRow] {
        let label = scenario.referenceStyle ? scenario.label + " (reference-style N+1)" : scenario.label
        var rows = [
            ResultRow(
                part: Self.name, scenario: label, metric: "requests per fetch (configurations fetched)",
                value: "\(Format.count(Int(outcome.requestsPerFetch.rounded()))) (\(Format.count(outcome.configurations)))"),
        ]
        let wall = "wall time (median; best \(Format.milliseconds(outcome.bestSeconds)))"
        if scenario.devices == 1_000, scenario.latencyMilliseconds == 2, !scenario.referenceStyle {
            rows.append(.checked(Self.name, label, wall, Format.milliseconds(outcome.medianSeconds), target: "< 100 ms", isMet: outcome.medianSeconds < 0.1))
        } else {
            rows.append(ResultRow(part: Self.name, scenario: label, metric: wall, value: Format.duration(outcome.medianSeconds)))
        }
        rows.append(ResultRow(
            part: Self.name, scenario: label, metric: "CPU per fetch (bot + in-process backend)",
            value: Format.duration(outcome.cpuSecondsPerFetch)))
        return rows
    }

    private func measure(_ scenario: Scenario, repetitions: Int, options: BenchmarkOptions) async throws -> Outcome {
        try await GrafoleanTestBackend.withRunning { backend in
            let fleet = await SeededFleet.seed(backend, devices: scenario.devices, accounts: scenario.accounts)
            let client = try GrafoleanClient(
                configuration: .init(backendURL: backend.baseURL, token: BotToken(fleet.bot.token)), logger: options.logger)
            do {
                let profile = try await client.profile()  // also opens the connection, as a running bot has
                await backend.setLatency(.milliseconds(scenario.latencyMilliseconds))
                await backend.resetRecords()
                var times: [Double] = []
                var configurations = 0
                let cpuBefore = CPUTime.now()
                for _ in 0..<repetitions {
                    let stopwatch = Stopwatch()
                    if scenario.referenceStyle {
                        configurations = try await ReferenceStyleFetch.fetch(client: client, protocol: "ping", botUserID: profile.userID)
                    } else {
                        configurations = try await client.fetchJobConfigurations(protocol: "ping", botUserID: profile.userID).count
                    }
                    times.append(stopwatch.elapsed)
                }
                let cpu = (CPUTime.now() - cpuBefore).total / Double(repetitions)
                let requests = await backend.requests().count
                try await client.shutdown()
                times.sort()
                let outcome = Outcome(
                    medianSeconds: times[times.count / 2], bestSeconds: times[0],
                    requestsPerFetch: Double(requests) / Double(repetitions), configurations: configurations, cpuSecondsPerFetch: cpu)
                options.say(
                    "fetch: \(scenario.label)\(scenario.referenceStyle ? " reference-style" : ""): median \(Format.milliseconds(outcome.medianSeconds)), \(Int(outcome.requestsPerFetch)) requests, \(configurations) configurations"
                )
                return outcome
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }
}
