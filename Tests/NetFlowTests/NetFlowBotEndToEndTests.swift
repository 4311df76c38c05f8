import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import NetFlow
import Synchronization
import Testing

@testable import NetFlowBot

#if canImport(Glibc)
import Glibc
#endif

/// softflowd → the bot (runtime, listener service, window jobs, sender) → the test backend over
/// real HTTP. Windows are 2 or 6 seconds long so that a test sees several of them; every check
/// is on bytes, paths and timestamps, none on durations.
@Suite(
    "The NetFlow bot end to end", .serialized,
    .enabled(if: FlowTools.softflowd != nil, "softflowd not installed: apt-get install -y softflowd"))
struct NetFlowBotEndToEndTests {
    struct Setup {
        let backend: GrafoleanTestBackend
        let account: Int
        let bot: TestBot
        let exporter: Int
        let silent: Int

        static func start(mayCreateEntities: Bool) async throws -> Setup {
            let backend = try await GrafoleanTestBackend.start()
            let account = await backend.addAccount(name: "NetFlow test")
            let bot = await backend.addBot(name: "netflow bot", protocol: "netflow", account: account)
            if mayCreateEntities {
                await backend.grantPermission(bot: bot.id, .init(resourcePrefix: "accounts/\(account)/entities", methods: ["POST"]))
            }
            // Grafolean's per-account defaults: an empty credential and a sensor without interval.
            let credential = await backend.addCredential(account: account, name: "Default NetFlow credential", protocol: "netflow", details: [:])
            let sensor = await backend.addSensor(account: account, name: "Default NetFlow sensor", protocol: "netflow", defaultInterval: nil, details: [:])
            let settings = EntityProtocolSettings(credential: credential, sensors: [.init(sensor: sensor)], bot: nil)
            let exporter = await backend.addEntity(account: account, name: "softflowd", details: ["ipv4": "127.0.0.1"], protocols: ["netflow": settings])
            let silent = await backend.addEntity(account: account, name: "silent", details: ["ipv4": "192.0.2.99"], protocols: ["netflow": settings])
            return Setup(backend: backend, account: account, bot: bot, exporter: exporter, silent: silent)
        }
    }

    static let known = KnownFlow.all
    static var expectedBytes: UInt64 { known.reduce(0) { $0 + $1.bytes } }

    /// Runs the bot until `body` returns; `body` gets the collector and the port it listens on once
    /// its first refresh mapped the exporter. Port 0 lets the kernel pick one, so no other test can
    /// take it between a look for a free port and the bind.
    func withBot<T>(
        _ setup: Setup, window: FlowWindow, port: Int = 0, stateDirectory: String? = nil, _ body: (NetFlowCollector, Int) async throws -> T
    ) async throws -> T {
        var settings = CollectorSettings(backendURL: setup.backend.baseURL, token: .value(BotToken(setup.bot.token)), jobsRefreshInterval: 1, logLevel: .warning)
        settings.stateDirectory = stateDirectory
        let listening = Mutex<Int?>(nil)
        let collector = NetFlowCollector(
            options: .init(
                host: "127.0.0.1", port: port, windows: [window], grace: 1, checkpointInterval: .milliseconds(200), proposalInterval: 1,
                onListening: { port in listening.withLock { $0 = port } }))
        let runtime = CollectorRuntime(settings: settings)
        let stopped = StopReason()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await runtime.run(collector)
                    stopped.reason.withLock { $0 = "the bot stopped" }
                } catch {
                    stopped.reason.withLock { $0 = "the bot failed: \(error)" }
                    throw error
                }
            }
            func isReady() -> Bool {
                listening.withLock { $0 } != nil && collector.state.exporters.withLock { $0.contains(FlowAddress("127.0.0.1")!) }
            }
            for _ in 0..<1_000 where !isReady() && stopped.reason.withLock({ $0 }) == nil {
                try await Task.sleep(for: .milliseconds(20))
            }
            // A bot that failed to start says why here, instead of as missing values later.
            try #require(isReady(), "the bot was not listening with its exporter mapped within 20 s: \(stopped.reason.withLock { $0 } ?? "still starting")")
            let result = try await body(collector, listening.withLock { $0 }!)
            group.cancelAll()
            try? await group.waitForAll()
            return result
        }
    }

    /// Waits until the tile holding `coverageStart` has ended, so that flows sent now fall in a full window.
    func waitForFullWindow(_ collector: NetFlowCollector, window: FlowWindow) async throws {
        let start = collector.state.aggregator.withLock { $0.coverageStart } ?? Int64(Date().timeIntervalSince1970)
        let firstFull = window.tileEnd(containing: start - 1)
        while Date().timeIntervalSince1970 < Double(firstFull) + 0.1 {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func softflowd(port: Int, in directory: URL) async throws {
        let pcap = directory.appendingPathComponent("traffic.pcap")
        try Data(KnownFlow.pcap(Self.known)).write(to: pcap)
        try await FlowTools.run(
            FlowTools.softflowd ?? "softflowd",
            ["-r", pcap.path, "-n", "127.0.0.1:\(port)", "-v", "9", "-6", "-p", directory.appendingPathComponent("softflowd.pid").path], in: directory)
    }

    /// Waits until the entity's posted totals add up to `bytes` (or 30 s pass).
    func waitForTotal(_ setup: Setup, _ collector: NetFlowCollector, window: FlowWindow, bytes: UInt64) async throws -> [ReceivedValue] {
        let path = "netflow.\(window.label).ingress.entity.\(setup.exporter)"
        for _ in 0..<600 {
            let values = await setup.backend.receivedValues(account: setup.account)
            if values.filter({ $0.path == path }).reduce(0, { $0 + $1.value }) >= Double(bytes) { return values }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Enough to tell flows never counted from a window never posted.
        let (statistics, held) = collector.state.aggregator.withLock { ($0.statistics, $0.tiles.keys.map { "\($0.seconds)s@\($0.end)" }) }
        let values = await setup.backend.receivedValues(account: setup.account)
        let postedAt = Set(values.filter { $0.path == path }.map(\.time)).sorted()
        Issue.record("the posted totals of \(path) did not reach \(bytes); the aggregator counted \(statistics), holds tiles \(held), posted windows ending \(postedAt)")
        return values
    }

    @Test func softflowdTrafficIsPostedPerWindowWithOneTimestamp() async throws {
        let setup = try await Setup.start(mayCreateEntities: true)
        let directory = try FlowTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let window = FlowWindow(label: "2s", seconds: 2)
        let values = try await withBot(setup, window: window) { collector, port in
            try await waitForFullWindow(collector, window: window)
            try await softflowd(port: port, in: directory)
            try Self.sendV5(from: "127.0.0.2", to: port)
            let values = try await waitForTotal(setup, collector, window: window, bytes: Self.expectedBytes)
            // The unknown exporter is proposed in the account (the bot may POST entities there).
            var waited = 0
            while waited < 200, !(await setup.backend.entities(account: setup.account)).contains(where: { $0.details["ipv4"]?.stringValue == "127.0.0.2" }) {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
            return values
        }
        let base = "netflow.2s.ingress.entity.\(setup.exporter)"
        func sum(_ path: String) -> Double { values.filter { $0.path == path }.reduce(0) { $0 + $1.value } }
        #expect(sum(base) == Double(Self.expectedBytes))
        #expect(sum("netflow.2s.ingress") == Double(Self.expectedBytes))
        #expect(sum("\(base).if.0") == Double(Self.expectedBytes))  // softflowd exports interface 0
        for flow in Self.known {
            let address = PathSegment.address(FlowAddress(flow.source)!)
            #expect(sum("\(base).topip.\(address)") == Double(flow.bytes), "\(flow.source)")
        }
        #expect(sum("\(base).topprotocol.TCP") == 20_000)
        #expect(sum("\(base).topprotocol.UDP") == 8_000)
        #expect(sum("\(base).topprotocol.ICMP") == 840)
        #expect(sum("\(base).topdstports.443") == 20_000)
        // Every window: one timestamp (its end), stored by PUT, and the silent entity's zero.
        let windows = Dictionary(grouping: values, by: \.time)
        #expect(windows.count >= 1)
        for (time, batch) in windows {
            #expect(time.truncatingRemainder(dividingBy: 2) == 0, "window end \(time)")
            #expect(batch.allSatisfy { $0.method == "PUT" }, "\(Set(batch.map(\.method)))")
            #expect(batch.contains { $0.path == "netflow.2s.ingress.entity.\(setup.silent)" && $0.value == 0 })
            #expect(batch.contains { $0.path == "netflow.2s.egress.entity.\(setup.exporter)" })
        }
        let proposed = await setup.backend.entities(account: setup.account).filter { $0.details["ipv4"]?.stringValue == "127.0.0.2" }
        #expect(proposed.map(\.name) == ["127.0.0.2 (NetFlow exporter)"])
        #expect(proposed.first?.entityType == "device")
        try await setup.backend.shutdown()
    }

    @Test func withoutPermissionNoExporterIsProposed() async throws {
        let setup = try await Setup.start(mayCreateEntities: false)
        let window = FlowWindow(label: "2s", seconds: 2)
        try await withBot(setup, window: window) { _, port in
            try Self.sendV5(from: "127.0.0.2", to: port)
            // Two proposal periods pass (each job fires every second) …
            let before = await setup.backend.requests().count
            var waited = 0
            while waited < 400, await setup.backend.requests().count < before + 8 {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
        }
        #expect(await setup.backend.entities(account: setup.account).count == 2)
        #expect(await setup.backend.requests().allSatisfy { $0.method != "POST" || !$0.path.contains("/entities") })
        try await setup.backend.shutdown()
    }

    @Test func aRestartMidWindowKeepsTheWindowsFlows() async throws {
        let setup = try await Setup.start(mayCreateEntities: false)
        let directory = try FlowTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = directory.appendingPathComponent("state").path
        let window = FlowWindow(label: "6s", seconds: 6)
        let (tileEnd, port) = try await withBot(setup, window: window, stateDirectory: state) { collector, port in
            try await waitForFullWindow(collector, window: window)
            let tileEnd = window.tileEnd(containing: Int64(Date().timeIntervalSince1970))
            try await softflowd(port: port, in: directory)
            // The periodic checkpoint (every 200 ms) holds the flows before any shutdown: a crash
            // now would lose nothing older than the interval.
            var saved: UInt64 = 0
            for _ in 0..<200 where saved < Self.expectedBytes {
                try await Task.sleep(for: .milliseconds(50))
                let loaded = NetFlowState.load(
                    from: state, windows: [window], directionRule: .inferEgressFromOutputInterface, now: Date(), maximumGap: 60, logger: NetFlowCollectorTests.quiet)
                var map = ExporterMap()
                map.assign(FlowAddress("127.0.0.1")!, account: setup.account, entity: setup.exporter)
                let values = loaded.aggregator.withLock { $0.values(account: setup.account, window: window, endingAt: tileEnd, exporters: map) }
                saved = UInt64(values.first { $0.path == "netflow.6s.ingress.entity.\(setup.exporter)" }?.value ?? 0)
            }
            #expect(saved == Self.expectedBytes)
            return (tileEnd, port)
        }
        // Nothing of that window was posted by the first process.
        #expect(await setup.backend.receivedValues(account: setup.account).allSatisfy { $0.time < Double(tileEnd) })
        // The same port: the exporter keeps sending where it did.
        let values = try await withBot(setup, window: window, port: port, stateDirectory: state) { collector, _ in
            try await waitForTotal(setup, collector, window: window, bytes: Self.expectedBytes)
        }
        let posted = values.filter { $0.path == "netflow.6s.ingress.entity.\(setup.exporter)" && $0.time == Double(tileEnd) }
        #expect(posted.map(\.value) == [Double(Self.expectedBytes)])
        try await setup.backend.shutdown()
    }

    /// One NetFlow v5 datagram with one flow, sent from a given loopback address.
    static func sendV5(from source: String, to port: Int) throws {
        var bytes: [UInt8] = []
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.bigEndian) { bytes += $0 } }
        put(UInt16(5)); put(UInt16(1)); put(UInt32(1_000)); put(UInt32(Date().timeIntervalSince1970)); put(UInt32(0)); put(UInt32(0))
        put(UInt8(0)); put(UInt8(0)); put(UInt16(0))
        put(UInt32(0x0A00_0001)); put(UInt32(0x0A00_0002)); put(UInt32(0)); put(UInt16(1)); put(UInt16(2))
        put(UInt32(1)); put(UInt32(100)); put(UInt32(900)); put(UInt32(990)); put(UInt16(1234)); put(UInt16(80))
        put(UInt8(0)); put(UInt8(0)); put(UInt8(6)); put(UInt8(0)); put(UInt16(0)); put(UInt16(0)); put(UInt8(0)); put(UInt8(0)); put(UInt16(0))
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = UInt16(port).bigEndian
        let sent = withUnsafePointer(to: &local) { localPointer in
            withUnsafePointer(to: &remote) { remotePointer in
                localPointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { localAddress in
                    remotePointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { remoteAddress in
                        guard bind(fd, localAddress, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 else { return -1 }
                        return bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, remoteAddress, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                    }
                }
            }
        }
        guard sent == bytes.count else { throw FlowTools.ToolError(description: "sending from \(source) failed: errno \(errno)") }
    }
}

/// Why a bot under test stopped before it should have, shared with the task that runs it.
final class StopReason: Sendable {
    let reason = Mutex<String?>(nil)
}
