import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Logging
import SNMP
import SNMPTestSupport
import Synchronization
import ProcessSupport
import Testing

@testable import SNMPBot

/// The bot against a real net-snmp snmpd on a free loopback port and the test backend over real HTTP.
@Suite("The SNMP bot end to end", .serialized, .enabled(if: SNMPDaemon.isInstalled, "snmpd not installed: apt-get install snmpd snmp"))
struct SNMPBotEndToEndTests {
    @Test func defaultSensorsGiveTheReferencePathsWithRatesAfterTwoRuns() async throws {
        try await BotHarness.with { harness in
            let client = harness.client
            let collector = SNMPCollector(client: harness.snmp, options: harness.options)
            let jobs = try await harness.jobs(collector, client: client)
            // A bot made in the web UI may not write entities: no interfaces job, one clear advice.
            #expect(jobs.map(\.id) == ["\(harness.device)"])
            #expect(jobs.first?.intervals == [60])
            let advice = harness.log.messages(.warning, containing: "POST, PUT and DELETE on 'accounts/\(harness.account)/entities'")
            #expect(advice.count == 1)

            let job = try #require(jobs.first)
            let clock = ManualClock(now: Date())
            try await harness.withSender(client) { sender in
                try await harness.run(job, sender: sender, clock: clock)
                await clock.advance(by: 60)
                try await harness.run(job, sender: sender, clock: clock)
            }

            let names = try await harness.interfaceNames()
            #expect(names.values.contains("lo"))
            let values = await harness.values()
            let prefix = "entity.\(harness.device).snmp."
            let paths = values.map { String($0.path.dropFirst(prefix.count)) }
            // Gauges (the temperatures) come from both runs, counters (traffic) only from the second.
            #expect(paths.filter { $0.hasPrefix("lmsensors.temp.") }.sorted() == ["lmsensors.temp.1.Core-0", "lmsensors.temp.1.Core-0", "lmsensors.temp.2.Core-1", "lmsensors.temp.2.Core-1"])
            #expect(values.first { $0.path.hasSuffix("lmsensors.temp.1.Core-0") }?.value == 45.0)
            #expect(values.first { $0.path.hasSuffix("lmsensors.temp.2.Core-1") }?.value == 47.5)
            for direction in ["in", "out"] {
                let expected = names.map { "if.\(direction)-octets.\($0.key).\(OutputPathTemplate.pathSafe($0.value))" }.sorted()
                let traffic = values.filter { $0.path.hasPrefix("\(prefix)if.\(direction)-octets.") }
                // Other tests may add or remove (veth) interfaces on this host between the two runs: a rate
                // exists for every interface seen in both samples, always including lo.
                let got = Set(traffic.map { String($0.path.dropFirst(prefix.count)) })
                #expect(got.isSubset(of: Set(expected)))
                #expect(got.contains { $0.hasPrefix("if.\(direction)-octets.") && $0.hasSuffix(".lo") })
                #expect(got.count >= expected.count - 4)
                // Rates over exactly 60 s of measurement time: whole octets per minute.
                for value in traffic {
                    #expect(value.value >= 0)
                    #expect(abs(value.value * 60 - (value.value * 60).rounded()) < 1e-6, "\(value.path) = \(value.value)")
                }
            }

            // Both runs fetched everything in one GETBULK each (5 columns side by side, no GET needed);
            // a second request only if the ifTable grew meanwhile (other tests add veth interfaces).
            let polls = harness.log.all.filter { $0.message == "polled" }
            #expect(polls.count == 2)
            #expect(polls.first?.metadata["requests"] == "1", "\(polls.map(\.metadata))")
            #expect(polls.allSatisfy { (Int($0.metadata["requests"] ?? "") ?? 99) <= 2 }, "\(polls.map(\.metadata))")
        }
    }

    @Test func systemwideBotCreatesUpdatesAndDeletesInterfaceEntities() async throws {
        try await BotHarness.with(permissions: .systemwide) { harness in
            let backend = harness.backend
            let stale = await backend.addEntity(
                account: harness.account, name: "gone", type: "interface", parent: harness.device, details: ["snmp_index": "99"])
            let renamed = await backend.addEntity(
                account: harness.account, name: "old name", type: "interface", parent: harness.device,
                details: ["snmp_index": "1", "speed_bps": "1"])
            let client = harness.client
            let collector = SNMPCollector(client: harness.snmp, options: harness.options)
            let jobs = try await harness.jobs(collector, client: client)
            #expect(jobs.map(\.id).sorted() == ["\(harness.device)", "\(harness.device)-interfaces"])
            let job = try #require(jobs.first { $0.id.hasSuffix("-interfaces") })
            #expect(job.intervals == [300])
            #expect(harness.log.messages(.warning).isEmpty)

            let clock = ManualClock(now: Date())
            try await harness.withSender(client) { sender in
                try await harness.run(job, sender: sender, clock: clock)
            }
            let names = try await harness.interfaceNames()
            let speeds = try await harness.snmp.walk("1.3.6.1.2.1.2.2.1.5", on: harness.daemon.v2c)
            let highSpeeds = try await harness.snmp.walk("1.3.6.1.2.1.31.1.1.1.15", on: harness.daemon.v2c)
            let children = await backend.entities(account: harness.account).filter { $0.parent == harness.device }
            #expect(children.allSatisfy { $0.entityType == "interface" })
            #expect(Set(children.map { $0.details["snmp_index"]?.stringValue ?? "?" }) == Set(names.keys))
            for child in children {
                let index = try #require(child.details["snmp_index"]?.stringValue)
                #expect(child.name == names[index])
                // ifSpeed, or ifHighSpeed (Mbit/s) where ifSpeed is saturated (above 4.29 Gbit/s). Only the
                // loopback's speed is stable; snmpd reads the others' from the driver, which may change between walks.
                let speed = try #require(speeds.first { "\($0.oid.arcs.last!)" == index }?.value.int64Value)
                let highSpeed = highSpeeds.first { "\($0.oid.arcs.last!)" == index }?.value.int64Value
                let expected = speed == Int64(UInt32.max) ? (highSpeed ?? 0) * 1_000_000 : speed
                let stored = try #require(child.details["speed_bps"]?.stringValue)
                #expect(Int64(stored) != nil)
                if child.name == "lo" { #expect(stored == "\(expected)") }
            }
            #expect(!children.contains { $0.id == stale })
            #expect(children.first { $0.id == renamed }?.name == "lo")

            // Nothing changed on the agent: the next run writes nothing.
            await backend.resetRecords()
            try await harness.withSender(client) { sender in
                try await harness.run(job, sender: sender, clock: clock)
            }
            let writes = await backend.requests().filter { $0.method != "GET" }
            #expect(writes.isEmpty, "\(writes)")
            #expect(harness.log.messages(.info, containing: "updated the interface entities").count == 1)
        }
    }

    @Test func uiDefaultBotUnderTheRuntimeAdvisesOnceAndDeliversRates() async throws {
        try await BotHarness.with(interval: 1) { harness in
            var settings = CollectorSettings(
                backendURL: harness.backend.baseURL, token: .value(BotToken(harness.bot.token)), jobsRefreshInterval: 1, logLevel: .trace)
            settings.scheduler.runsJobsWhenAdded = true
            let runtime = CollectorRuntime(settings: settings, logger: harness.log.logger)
            let collector = SNMPCollector(client: harness.snmp, options: harness.options)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await runtime.run(collector) }
                let deadline = ContinuousClock.now + .seconds(20)
                var refreshes = 0
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    refreshes = await harness.backend.requests().filter { $0.path.hasSuffix("/profile/permissions") }.count
                    let rates = await harness.values().filter { $0.path.contains(".if.in-octets.") }
                    if refreshes >= 3, !rates.isEmpty { break }
                }
                group.cancelAll()
                try? await group.waitForAll()
                #expect(refreshes >= 3)
            }
            let values = await harness.values()
            #expect(values.contains { $0.path == "entity.\(harness.device).snmp.if.in-octets.1.lo" })
            #expect(values.contains { $0.path == "entity.\(harness.device).snmp.if.out-octets.1.lo" })
            #expect(harness.log.messages(.warning, containing: "accounts/\(harness.account)/entities").count == 1)
            #expect(await harness.backend.requests().filter { $0.path.contains("/entities") && $0.method != "GET" }.isEmpty)
        }
    }

    @Test func onceWithDryRunPrintsWhatOneRunMeasures() async throws {
        try await BotHarness.with { harness in
            let mtu = await harness.backend.addSensor(
                account: harness.account, name: "MTU", protocol: "snmp", defaultInterval: 60,
                details: [
                    "oids": [["oid": "1.3.6.1.2.1.2.2.1.2", "fetch_method": "walk"], ["oid": "1.3.6.1.2.1.2.2.1.4", "fetch_method": "walk"]],
                    "expression": "$2", "output_path": "if.mtu.{$index}.{$1}",
                ])
            let uptime = await harness.backend.addSensor(
                account: harness.account, name: "Uptime", protocol: "snmp", defaultInterval: 30,
                details: [
                    "oids": [["oid": "1.3.6.1.2.1.1.3.0", "fetch_method": "get"], ["oid": "1.3.6.1.2.1.1.5.0", "fetch_method": "get"]],
                    "expression": "$1 / 100", "output_path": "uptime",
                ])
            await harness.backend.updateEntity(
                account: harness.account, id: harness.device,
                protocols: [
                    "snmp": EntityProtocolSettings(
                        credential: harness.defaults.snmpCredential,
                        sensors: [harness.defaults.snmpTrafficInSensor, mtu, uptime].map { .init(sensor: $0) }, bot: harness.bot.id)
                ])
            var settings = CollectorSettings(backendURL: harness.backend.baseURL, token: .value(BotToken(harness.bot.token)), mode: .once, dryRun: true)
            settings.logLevel = .warning
            let lines = Mutex<[String]>([])
            let runtime = CollectorRuntime(settings: settings, logger: harness.log.logger, output: { line in lines.withLock { $0.append(line) } })
            #expect(try await runtime.run(SNMPCollector(client: harness.snmp, options: harness.options)))

            struct Line: Decodable {
                var account: Int
                var p: String
                var v: Double
            }
            let printed = try lines.withLock { $0 }.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
            let byPath = Dictionary(printed.map { ($0.p, $0.v) }, uniquingKeysWith: { first, _ in first })
            let prefix = "entity.\(harness.device).snmp."
            #expect(byPath["\(prefix)if.mtu.1.lo"] == 65536)
            #expect((byPath["\(prefix)uptime"] ?? 0) > 0)
            // One run of a counter sensor has nothing to send yet (no previous sample).
            #expect(!printed.contains { $0.p.contains("in-octets") })
            #expect(printed.allSatisfy { $0.account == harness.account })
            #expect(await harness.backend.valueCount(account: harness.account) == 0)
        }
    }

    @Test func aRunFetchesOnlyTheSensorsWhoseIntervalFired() async throws {
        try await BotHarness.with { harness in
            let uptime = await harness.backend.addSensor(
                account: harness.account, name: "Uptime", protocol: "snmp", defaultInterval: 30,
                details: [
                    "oids": [["oid": "1.3.6.1.2.1.1.3.0", "fetch_method": "get"], ["oid": "1.3.6.1.2.1.1.1.0", "fetch_method": "get"]],
                    "expression": "$1 / 100", "output_path": "uptime",
                ])
            await harness.backend.updateEntity(
                account: harness.account, id: harness.device,
                protocols: [
                    "snmp": EntityProtocolSettings(
                        credential: harness.defaults.snmpCredential,
                        sensors: [harness.defaults.snmpTrafficInSensor, harness.defaults.snmpTemperatureSensor, uptime].map { .init(sensor: $0) },
                        bot: harness.bot.id)
                ])
            let client = harness.client
            let collector = SNMPCollector(client: harness.snmp, options: harness.options)
            let job = try #require(try await harness.jobs(collector, client: client).first)
            #expect(job.intervals == [30, 60])
            let clock = ManualClock(now: Date())
            try await harness.withSender(client) { sender in
                let run = JobRun(jobID: job.id, firedIntervals: [30], scheduledTime: clock.now, deadline: clock.now.addingTimeInterval(60), logger: harness.log.logger, sink: sender, clock: clock)
                try await job.work(run)
            }
            #expect(await harness.values().map(\.path) == ["entity.\(harness.device).snmp.uptime"])
            let poll = try #require(harness.log.all.first { $0.message == "polled" })
            #expect(poll.metadata["sensors"] == "1")
            #expect(poll.metadata["walks"] == "0")
            #expect(poll.metadata["gets"] == "2")
            #expect(poll.metadata["requests"] == "1")
        }
    }

    @Test func badCredentialsAreSkippedAndTheOtherDevicesGoOn() async throws {
        try await BotHarness.with { harness in
            let backend = harness.backend
            let unknownPriv = await backend.addCredential(
                account: harness.account, name: "3DES", protocol: "snmp",
                details: [
                    "version": "snmpv3", "snmpv3_securityName": "shaaes", "snmpv3_securityLevel": "authPriv", "snmpv3_authProtocol": "SHA",
                    "snmpv3_authKey": "authpassword1", "snmpv3_privProtocol": "3DES", "snmpv3_privKey": "privpassword1",
                ])
            let v3 = await backend.addCredential(
                account: harness.account, name: "v3", protocol: "snmp",
                details: [
                    "version": "snmpv3", "snmpv3_securityName": "shaaes", "snmpv3_securityLevel": "authPriv", "snmpv3_authProtocol": "SHA",
                    "snmpv3_authKey": "authpassword1", "snmpv3_privProtocol": "AES", "snmpv3_privKey": "privpassword1",
                    "snmpv12_community": "stale",
                ])
            let noCommunity = await backend.addCredential(account: harness.account, name: "broken", protocol: "snmp", details: ["version": "snmpv2c"])
            func add(_ name: String, credential: Int) async -> Int {
                await backend.addEntity(
                    account: harness.account, name: name, details: ["ipv4": "127.0.0.1"],
                    protocols: [
                        "snmp": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: harness.defaults.snmpTemperatureSensor)], bot: harness.bot.id)
                    ])
            }
            let unknownPrivDevice = await add("3des-router", credential: unknownPriv)
            let v3Device = await add("v3-router", credential: v3)
            let brokenDevice = await add("broken-router", credential: noCommunity)

            let client = harness.client
            let collector = SNMPCollector(client: harness.snmp, options: harness.options)
            let jobs = try await harness.jobs(collector, client: client)
            #expect(Set(jobs.map(\.id)) == ["\(harness.device)", "\(v3Device)"])
            let warnings = harness.log.messages(.warning)
            #expect(warnings.contains { $0.contains("'3des-router' (\(unknownPrivDevice))") && $0.contains("snmpv3_privProtocol") && $0.contains("'3DES'") })
            #expect(!warnings.contains { $0.contains("privpassword1") || $0.contains("authpassword1") })
            #expect(warnings.contains { $0.contains("'broken-router' (\(brokenDevice))") && $0.contains("snmpv12_community") })

            // Logged once while they last, not at every refresh.
            _ = try await harness.jobs(collector, client: client)
            #expect(harness.log.messages(.warning).count == warnings.count)

            // SNMPv3 authPriv (SHA/AES) against snmpd works as v2c does.
            let clock = ManualClock(now: Date())
            try await harness.withSender(client) { sender in
                try await harness.run(try #require(jobs.first { $0.id == "\(v3Device)" }), sender: sender, clock: clock)
            }
            let values = await backend.receivedValues(account: harness.account).map(\.path).sorted()
            #expect(values == ["entity.\(v3Device).snmp.lmsensors.temp.1.Core-0", "entity.\(v3Device).snmp.lmsensors.temp.2.Core-1"])
        }
    }

    @Test func anUnreachableAgentFailsTheRunNamingTheDevice() async throws {
        try await BotHarness.with { harness in
            let client = harness.client
            var options = harness.options
            options.timeout = .milliseconds(200)
            options.retries = 0
            options.defaultPort = harness.daemon.port == 9 ? 10 : 9  // discard: nothing answers
            let collector = SNMPCollector(client: harness.snmp, options: options)
            let job = try #require(try await harness.jobs(collector, client: client).first)
            let clock = ManualClock(now: Date())
            try await harness.withSender(client) { sender in
                do {
                    try await harness.run(job, sender: sender, clock: clock)
                    Issue.record("the run must fail")
                } catch let error as SNMPBotError {
                    #expect(error.code == .pollFailed)
                    #expect(error.message.contains("'localhost' (\(harness.device))"))
                    #expect(error.message.contains("timeout"))
                }
            }
            #expect(await harness.values().isEmpty)
        }
    }

    /// A v3 credential exactly as the web UI stores it (all strings, stale v1/v2c keys) for one of snmpd's users.
    static func uiCredential(user: String, auth: String, priv: String) -> JSONValue {
        [
            "version": "snmpv3", "snmpv12_community": "stale", "snmpv3_securityName": .string(user), "snmpv3_securityLevel": "authPriv",
            "snmpv3_authProtocol": .string(auth), "snmpv3_authKey": .string(SNMPDaemon.authPassword), "snmpv3_privProtocol": .string(priv),
            "snmpv3_privKey": .string(SNMPDaemon.privPassword), "snmp_retries": "1", "snmp_timeout": "1.5",
        ]
    }

    /// The agent addressed with its port in `ipv4` (the bot's default port is wrong on purpose),
    /// by IPv4 and host name, with DES and AES-256-C credentials.
    @Test(arguments: [("127.0.0.1:PORT", "shades", "SHA", "DES"), ("localhost:PORT", "sha512aes256c", "SHA-512", "AES-256-C")])
    func agentAddressFormsWithV3Credentials(address: String, user: String, auth: String, priv: String) async throws {
        try await pollOnce(address: address, user: user, auth: auth, priv: priv)
    }

    @Test(.enabled(if: IPv6Loopback.isUsable, "no IPv6 loopback (::1) on this host"))
    func agentAddressedByIPv6LiteralAndPort() async throws {
        try await pollOnce(address: "[::1]:PORT", user: "md5aes192", auth: "MD5", priv: "AES192")
    }

    /// One run of the device job against `address` (PORT: snmpd's), which must give the temperature values.
    func pollOnce(address: String, user: String, auth: String, priv: String) async throws {
        let credential = Self.uiCredential(user: user, auth: auth, priv: priv)
        try await BotHarness.with(address: { address.replacingOccurrences(of: "PORT", with: "\($0)") }, credential: credential) { harness in
            let client = harness.client
            let collector = SNMPCollector(client: harness.snmp, options: SNMPCollector.Options(defaultPort: 9, timeout: .seconds(1)))
            let jobs = try await harness.jobs(collector, client: client)
            let job = try #require(jobs.first { $0.id == "\(harness.device)" })
            try await harness.withSender(client) { sender in
                try await harness.run(job, sender: sender, clock: ManualClock(now: Date()))
            }
            let values = await harness.values()
            #expect(values.contains { $0.path.hasSuffix("lmsensors.temp.1.Core-0") && $0.value == 45.0 })
            #expect(harness.log.messages(.warning, containing: "uses DES privacy").count == (priv == "DES" ? 1 : 0))
            for secret in [SNMPDaemon.authPassword, SNMPDaemon.privPassword] {
                #expect(harness.log.messages(containing: secret).isEmpty)
            }
        }
    }

    @Test func anUnresolvableHostNameFailsOnlyThatRunAndSaysWhy() async throws {
        try await BotHarness.with(address: { "no-such-agent.invalid:\($0)" }) { harness in
            let client = harness.client
            let collector = SNMPCollector(client: harness.snmp, options: harness.options)
            let jobs = try await harness.jobs(collector, client: client)
            let job = try #require(jobs.first { $0.id == "\(harness.device)" })
            try await harness.withSender(client) { sender in
                do {
                    try await harness.run(job, sender: sender, clock: ManualClock(now: Date()))
                    Issue.record("the run must fail")
                } catch let error as SNMPBotError {
                    #expect(error.code == .invalidEntity)
                    #expect(error.field == "ipv4")
                    #expect(error.description.contains("'no-such-agent.invalid'"))
                    #expect(error.description.contains("'localhost' (\(harness.device))"))
                }
            }
            #expect(await harness.values().isEmpty)
        }
    }
}
