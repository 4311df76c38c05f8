import Foundation
import GrafoleanCollectorTesting
import ProcessSupport
import SNMP

/// Part 6: the SNMP client against a local net-snmp `snmpd`: GETs per second, one at a time (as
/// the reference bot does) and many in flight, and full ifTable walks by GETBULK (v2c, v3) and by
/// GETNEXT (v1, the reference's way), on the host's small ifTable and, as root, on an agent in a
/// network namespace of our own with 100 more interfaces.
struct SNMPAgentBenchmark: BenchmarkPart {
    static let name = "snmp"
    static let sysUpTime: OID = "1.3.6.1.2.1.1.3.0"
    static let ifTable: OID = "1.3.6.1.2.1.2.2.1"
    static let concurrency = 64
    static let namespaceInterfaces = 100
    static let botDevices = 1_000

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        guard NetSNMPAgent.executable != nil else {
            let reason = "skipped: \(NetSNMPAgent.notInstalled)"
            options.say("snmp: \(reason)")
            return [ResultRow(part: Self.name, scenario: "all", metric: "not run", value: reason)]
        }
        var rows: [ResultRow] = []
        let agent = try await BenchmarkAgent.start()
        do {
            rows += try await SNMPClient.withClient(configuration: .init(ipv6BindAddress: nil), logger: options.logger) { client in
                var rows = try await measureGets(client: client, agent: agent, options: options)
                rows += try await measureWalks(client: client, agent: agent, where: "host ifTable", options: options)
                return rows
            }
            agent.stop()
        } catch {
            agent.stop()
            throw error
        }
        // A big ifTable: an agent in a namespace of our own with 100 more interfaces.
        let namespace: NetworkNamespace
        do {
            namespace = try BenchmarkAgent.makeNamespace(interfaces: Self.namespaceInterfaces)
        } catch {
            options.say("snmp: big ifTable skipped: \(error)")
            rows.append(ResultRow(part: Self.name, scenario: "ifTable of \(Self.namespaceInterfaces) interfaces", metric: "not run", value: "skipped: \(error)"))
            // The bot then polls the host's agent and its small ifTable.
            let agent = try await BenchmarkAgent.start()
            do {
                rows += try await measureBot(agent: agent, devices: Self.botDevices, table: "host ifTable", options: options)
                agent.stop()
            } catch {
                agent.stop()
                throw error
            }
            return rows
        }
        do {
            let bigAgent = try await BenchmarkAgent.start(in: namespace)
            do {
                let table = "ifTable of \(Self.namespaceInterfaces + 2) interfaces (netns + veth)"
                rows += try await SNMPClient.withClient(configuration: .init(ipv6BindAddress: nil), logger: options.logger) { client in
                    try await measureWalks(client: client, agent: bigAgent, where: table, options: options)
                }
                rows += try await measureBot(agent: bigAgent, devices: Self.botDevices, table: table, options: options)
                bigAgent.stop()
            } catch {
                bigAgent.stop()
                throw error
            }
            namespace.remove()
        } catch {
            namespace.remove()
            throw error
        }
        return rows
    }

    private func targets(_ agent: NetSNMPAgent) -> [(String, SNMPTarget)] {
        [
            ("v2c", agent.target(.v2c(community: BenchmarkAgent.community))),
            ("v1", agent.target(.v1(community: BenchmarkAgent.community))),
            ("v3 authPriv SHA/AES", agent.target(.v3(BenchmarkAgent.v3User))),
        ]
    }

    private func measureGets(client: SNMPClient, agent: NetSNMPAgent, options: BenchmarkOptions) async throws -> [ResultRow] {
        let seconds = options.quick ? 2.0 : 5.0
        var rows: [ResultRow] = []
        for (name, target) in targets(agent) {
            _ = try await client.get(Self.sysUpTime, from: target)  // warm up: v3 discovery and key localisation
            for inFlight in [1, Self.concurrency] {
                let label = "\(name) GET sysUpTime, \(inFlight) in flight"
                let (rate, cpu, agentCPU) = try await getRate(client, target, agent: agent, seconds: seconds, inFlight: inFlight)
                options.say("snmp: \(label): \(Format.rate(rate)) GETs/s")
                rows.append(ResultRow(
                    part: Self.name, scenario: label, metric: "GETs per second; CPU per GET: client (snmpd)",
                    value: "\(Format.rate(rate)); \(Format.microseconds(cpu)) (\(Format.microseconds(agentCPU)))"))
            }
        }
        return rows
    }

    private func measureWalks(client: SNMPClient, agent: NetSNMPAgent, where place: String, options: BenchmarkOptions) async throws -> [ResultRow] {
        let walks = options.quick ? 5 : 25
        var rows: [ResultRow] = []
        for (name, target) in targets(agent) {
            _ = try await client.walk(Self.ifTable, on: target)  // warm up, and the agent's interface cache
            let method = if case .v1 = target.credentials { "GETNEXT, 1 varbind per request" } else { "GETBULK, 25 per request" }
            let label = "\(place): \(name) walk (\(method))"
            var times: [Double] = []
            var varbinds = 0
            for _ in 0..<walks {
                let stopwatch = Stopwatch()
                varbinds = try await client.walk(Self.ifTable, on: target).count
                times.append(stopwatch.elapsed)
            }
            times.sort()
            options.say("snmp: \(label): \(varbinds) varbinds, median \(Format.milliseconds(times[times.count / 2]))")
            rows.append(ResultRow(
                part: Self.name, scenario: label, metric: "varbinds; time per walk, median of \(walks) (best)",
                value: "\(Format.count(varbinds)); \(Format.milliseconds(times[times.count / 2])) (\(Format.milliseconds(times[0])))"))
        }
        return rows
    }

    /// The real SNMP bot (`SNMPCollector` on `CollectorRuntime`, in a process of its own) polling
    /// `devices` devices with Grafolean's three default sensors every 60 s, all answered by `agent`.
    ///
    /// All devices are the one local agent, which a burst of 1,000 simultaneous walks would
    /// overflow (its socket drops them; 1,000 real devices would not), so jobs are spread and
    /// never all started at once. A device's first run only takes counter samples (rates need
    /// two), so the interval is shortened to let every device post values within the window:
    /// 30 s (5 s and 200 devices with `--quick`).
    private func measureBot(agent: NetSNMPAgent, devices requested: Int, table: String, options: BenchmarkOptions) async throws -> [ResultRow] {
        let window = options.timedSeconds
        let devices = options.quick ? min(requested, 200) : requested
        let interval = options.quick ? 5 : 30
        let label =
            "SNMP bot: \(Format.count(devices)) devices × Grafolean's 3 default sensors every \(interval) s, one snmpd with the \(table), \(Int(window)) s measured"
        options.say("snmp: \(label) …")
        return try await GrafoleanTestBackend.withRunning { backend in
            let defaults = await backend.addAccountWithDefaults(name: "SNMP account")
            let bot = await backend.addBot(name: "Benchmark SNMP bot", protocol: "snmp", account: nil, permissions: .systemwide)
            let sensors = [defaults.snmpTrafficInSensor, defaults.snmpTrafficOutSensor, defaults.snmpTemperatureSensor]
            for index in 0..<devices {
                await backend.addEntity(
                    account: defaults.account, name: "switch-\(index)",
                    details: ["ipv4": .string(agent.host), "snmp_port": .string("\(agent.port)")],
                    protocols: ["snmp": EntityProtocolSettings(credential: defaults.snmpCredential, sensors: sensors.map { .init(sensor: $0, interval: interval) }, bot: bot.id)])
            }
            let agentCPUBefore = agent.process.cpuSeconds
            let stopwatch = Stopwatch()
            let (report, status) = try await BotProcess.spawn(kind: .snmp, backendURL: backend.baseURL, token: bot.token, options: options)
            let agentShare = (agent.process.cpuSeconds - agentCPUBefore) / stopwatch.elapsed
            guard let report else {
                return [ResultRow(part: Self.name, scenario: label, metric: "failed", value: "the bot process ended with \(status)")]
            }
            let received = await backend.receivedValues()
            var polled = Set<Substring>()
            for value in received {
                let parts = value.path.split(separator: ".", maxSplits: 2)
                if parts.count == 3 { polled.insert(parts[1]) }
            }
            let elapsed = report[.elapsed] ?? 1
            options.say("snmp: \(label): \(received.count) values from \(polled.count) devices")
            var rows = [
                ResultRow(
                    part: Self.name, scenario: label, metric: "values posted, devices that posted (a device's first run only takes counter samples)",
                    value: "\(Format.count(received.count)), \(Format.count(polled.count))"),
                ResultRow(
                    part: Self.name, scenario: label, metric: "snmpd CPU over the bot's life (share of one core)",
                    value: Format.number(100 * agentShare, 1) + " %"),
            ]
            // The values of the window, roughly: the bot also ran 3 s before and 4 s after it.
            rows += BotProcess.resourceRows(
                part: Self.name, label: label, report: report, work: (Double(received.count) * elapsed / (elapsed + 7), "value posted (approx.)"))
            return rows
        }
    }

    /// GETs per second with `inFlight` requests outstanding, and CPU seconds per GET (ours, snmpd's).
    private func getRate(
        _ client: SNMPClient, _ target: SNMPTarget, agent: NetSNMPAgent, seconds: Double, inFlight: Int
    ) async throws -> (Double, Double, Double) {
        let cpuBefore = CPUTime.now()
        let agentBefore = agent.process.cpuSeconds
        let (rate, completed) = try await Self.getRate(client, target, seconds: seconds, inFlight: inFlight)
        let cpu = (CPUTime.now() - cpuBefore).total / Double(completed)
        let agentCPU = (agent.process.cpuSeconds - agentBefore) / Double(completed)
        return (rate, cpu, agentCPU)
    }

    /// GETs of sysUpTime.0 per second with `inFlight` requests outstanding for `seconds`, and how many completed.
    static func getRate(_ client: SNMPClient, _ target: SNMPTarget, seconds: Double, inFlight: Int) async throws -> (Double, Int) {
        let stopwatch = Stopwatch()
        let completed = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<inFlight {
                group.addTask {
                    var count = 0
                    while stopwatch.elapsed < seconds {
                        _ = try await client.get(sysUpTime, from: target)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        return (Double(completed) / stopwatch.elapsed, completed)
    }
}
