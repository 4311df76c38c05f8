import ArgumentParser
import Foundation
import ProcessSupport
import SNMP

/// Part `snmp-client`: the SNMP client's GETs per second (one in flight, then `--concurrency` in
/// flight) and its full ifTable walk time against one agent: by default a local snmpd started on
/// a free loopback port, or the agent at `--host` (only an agent you run: the benchmark sends as
/// fast as it is answered). Not part of `all`; the `snmp` part measures the same and more.
struct SNMPClientBenchmark: BenchmarkPart {
    /// The part's own options.
    struct Settings: ParsableArguments {
        @Option(help: "The agent's address; without it a local snmpd is started.")
        var host: String?
        @Option(help: "The agent's UDP port (with --host).")
        var port = 161
        @Option(help: "The agent's v1/v2c community (with --host).")
        var community = "public"
        @Option(help: "GETs in flight in the concurrent case.")
        var concurrency = 64
        @Option(name: .customLong("v3-user"), help: "Also measure SNMPv3 as this user (with --host).")
        var v3User: String?
        @Option(help: "The v3 user's authentication, PROTOCOL:password (SHA-256:secret).")
        var auth: String?
        @Option(help: "The v3 user's privacy, PROTOCOL:password (AES:secret).")
        var priv: String?

        func validate() throws {
            guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
            _ = try authentication
            _ = try privacy
        }

        /// `--auth` parsed.
        var authentication: SNMPv3User.Authentication? {
            get throws {
                try Self.parse(auth, option: "--auth", SNMPAuthProtocol.init(name:)).map { .init(protocol: $0, password: $1) }
            }
        }

        /// `--priv` parsed.
        var privacy: SNMPv3User.Privacy? {
            get throws {
                try Self.parse(priv, option: "--priv", SNMPPrivProtocol.init(name:)).map { .init(protocol: $0, password: $1) }
            }
        }

        /// `PROTOCOL:password` → the protocol and the password; `nil` for no option.
        private static func parse<Protocol>(_ text: String?, option: String, _ named: (String) -> Protocol?) throws -> (Protocol, String)? {
            guard let text else { return nil }
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("\(option) PROTOCOL:password") }
            guard let proto = named(parts[0]) else { throw ValidationError("\(option): unknown protocol \(parts[0])") }
            return (proto, parts[1])
        }
    }

    static let name = "snmp-client"
    static let walks = 10
    let settings: Settings

    func run(options: BenchmarkOptions) async throws -> [ResultRow] {
        let seconds = options.secondsOverride ?? (options.quick ? 2 : 3)
        guard let host = settings.host else {
            guard NetSNMPAgent.executable != nil else {
                let reason = "skipped: no --host, and \(NetSNMPAgent.notInstalled)"
                options.say("\(Self.name): \(reason)")
                return [ResultRow(part: Self.name, scenario: "all", metric: "not run", value: reason)]
            }
            let agent = try await BenchmarkAgent.start()
            defer { agent.stop() }
            let targets = [
                ("v2c", agent.target(.v2c(community: BenchmarkAgent.community))),
                ("v1", agent.target(.v1(community: BenchmarkAgent.community))),
                ("v3 authPriv SHA/AES", agent.target(.v3(BenchmarkAgent.v3User))),
            ]
            return try await measure(targets, agent: "local snmpd 127.0.0.1:\(agent.port)", seconds: seconds, options: options)
        }
        var targets = [
            ("v2c", SNMPTarget(host: host, port: settings.port, credentials: .v2c(community: settings.community))),
            ("v1", SNMPTarget(host: host, port: settings.port, credentials: .v1(community: settings.community))),
        ]
        if let user = settings.v3User {
            let v3 = SNMPv3User(userName: user, authentication: try settings.authentication, privacy: try settings.privacy)
            targets.append(("v3 \(v3.securityLevel)", SNMPTarget(host: host, port: settings.port, credentials: .v3(v3))))
        }
        return try await measure(targets, agent: "\(host):\(settings.port)", seconds: seconds, options: options)
    }

    private func measure(_ targets: [(String, SNMPTarget)], agent: String, seconds: Double, options: BenchmarkOptions) async throws -> [ResultRow] {
        try await SNMPClient.withClient(configuration: .init(ipv6BindAddress: nil), logger: options.logger) { client in
            var rows: [ResultRow] = []
            for (name, target) in targets {
                let label = "\(agent), \(name)"
                _ = try await client.get(SNMPAgentBenchmark.sysUpTime, from: target)  // warm up: v3 discovery and key localisation
                let (sequential, _) = try await SNMPAgentBenchmark.getRate(client, target, seconds: seconds, inFlight: 1)
                let (concurrent, _) = try await SNMPAgentBenchmark.getRate(client, target, seconds: seconds, inFlight: settings.concurrency)
                let (walkSeconds, varbinds) = try await walkTime(client, target)
                let method = if case .v1 = target.credentials { "GETNEXT" } else { "GETBULK" }
                options.say(
                    "\(Self.name): \(label): GET \(Format.rate(sequential)) sequential, \(Format.rate(concurrent)) with \(settings.concurrency) in flight; ifTable walk (\(varbinds) varbinds, \(method)) \(Format.milliseconds(walkSeconds))"
                )
                rows += [
                    ResultRow(
                        part: Self.name, scenario: label, metric: "GETs per second: 1 / \(settings.concurrency) in flight",
                        value: "\(Format.rate(sequential)) / \(Format.rate(concurrent))"),
                    ResultRow(
                        part: Self.name, scenario: label, metric: "ifTable walk (\(method)): varbinds; mean time of \(Self.walks)",
                        value: "\(Format.count(varbinds)); \(Format.milliseconds(walkSeconds))"),
                ]
            }
            return rows
        }
    }

    /// Mean seconds for a full ifTable walk, and its varbind count.
    private func walkTime(_ client: SNMPClient, _ target: SNMPTarget) async throws -> (Double, Int) {
        var varbinds = 0
        let elapsed = try await ContinuousClock().measure {
            for _ in 0..<Self.walks {
                varbinds = try await client.walk(SNMPAgentBenchmark.ifTable, on: target).count
            }
        }
        return (elapsed.inSeconds / Double(Self.walks), varbinds)
    }
}
