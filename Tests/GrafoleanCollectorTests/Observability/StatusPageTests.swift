import AsyncHTTPClient
import Foundation
import GrafoleanCollectorTesting
import ProcessSupport
import Testing

@testable import GrafoleanCollector

/// A `ping` collector whose devices named "broken…" fail with an error naming the address.
struct FlakyCollector: Collector {
    let protocolName = "ping"

    struct NoAnswer: Error, CustomStringConvertible {
        var address: String
        var description: String { "no answer from \(address) within 1 s" }
    }

    func jobs(context: JobsContext) async throws -> [CollectorJob] {
        try await context.jobConfigurations().map { configuration in
            CollectorJob(
                id: "\(configuration.entityID)", intervals: configuration.intervals, entityID: configuration.entityID,
                entityName: configuration.name, parameters: configuration
            ) { run in
                let address = configuration.details["ipv4"]?.stringValue ?? "?"
                if configuration.name.hasPrefix("broken") { throw NoAnswer(address: address) }
                await run.send(["entity.\(configuration.entityID).test.up": 1], account: configuration.accountID)
            }
        }
    }
}

/// A running bot's status: `/status` as JSON and `/` as a page, problems first, no secrets.
@Suite("The status page of a running bot", .serialized, .timeLimit(.minutes(2)))
struct StatusPageTests {
    /// Credential details with secrets in them: neither page may show them.
    static let secrets = ["s3cret-community-1f2e", "auth-key-9c8b7a6d", "priv-key-5e4d3c2b"]

    /// Runs a bot (service mode, status on a free port) with three healthy devices and one that
    /// fails, waits until every device has run, and hands `body` the port and the fixture.
    func withRunningBot(_ body: (Int, BackendFixture) async throws -> Void) async throws {
        try await withBackend { fixture in
            let backend = fixture.backend
            let credential = await backend.addCredential(
                account: fixture.account, name: "secret", protocol: "ping",
                details: [
                    "n_packets": "1", "snmpv12_community": .string(Self.secrets[0]), "snmpv3_authKey": .string(Self.secrets[1]),
                    "snmpv3_privKey": .string(Self.secrets[2]),
                ])
            for (name, address) in [("alpha router", "10.0.0.1"), ("broken switch <b>", "10.0.0.9"), ("core & edge", "10.0.0.2"), ("zulu", "10.0.0.3")] {
                await backend.addEntity(
                    account: fixture.account, name: name, details: ["ipv4": .string(address)],
                    protocols: ["ping": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: fixture.sensor, interval: 600)], bot: nil)])
            }
            let port = try FreePort.tcp()
            var settings = CollectorSettings(backendURL: backend.baseURL, token: .value(BotToken(fixture.bot.token)), mode: .service)
            settings.metricsPort = port
            // Each device runs once, when added, and not again during the test: a loaded machine
            // cannot make a later run (or a skipped fire) replace the one the page shows.
            settings.scheduler.runsJobsWhenAdded = true
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [settings] in try await CollectorRuntime(settings: settings).run(FlakyCollector()) }
                try await eventually("every device has run") {
                    guard let status = try? await Self.status(port: port) else { return false }
                    return status.jobs.count == 4 && status.jobs.allSatisfy { $0.lastRun != nil }
                }
                try await body(port, fixture)
                group.cancelAll()
            }
        }
    }

    static func get(_ path: String, port: Int) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 22)))
    }

    static func status(port: Int) async throws -> CollectorStatus {
        try CollectorStatus.decode(Data(try await get("/status", port: port).1.utf8))
    }

    @Test func statusAndPageShowTheFailingDeviceFirstAndNoSecrets() async throws {
        try await withRunningBot { port, fixture in
            let status = try await Self.status(port: port)
            #expect(status.bot.protocol == "ping")
            #expect(status.bot.name == "Test ping bot")
            #expect(status.backend.reachable)
            let first = try #require(status.jobs.first)
            #expect(first.entityName == "broken switch <b>")
            #expect(first.lastRun?.outcome == .failed)
            #expect(first.lastRun?.message?.contains("no answer from 10.0.0.9") == true)
            #expect(first.problem?.contains("no answer from 10.0.0.9") == true)
            #expect(status.jobs.dropFirst().map(\.entityName) == ["alpha router", "core & edge", "zulu"])
            for job in status.jobs.dropFirst() {
                #expect(job.lastRun?.outcome == .ok)
                #expect(job.lastRun?.values == 1)
                #expect(job.problem == nil)
                #expect(job.nextRun != nil)
                #expect(job.intervals == [600])
            }
            try await eventually("values are delivered") { (try? await Self.status(port: port))?.delivery.sent ?? 0 >= 3 }

            let (code, page) = try await Self.get("/", port: port)
            #expect(code == 200)
            #expect(page.contains("<meta name=\"viewport\""))
            #expect(!page.contains("<b>"), "entity names are escaped")
            #expect(page.contains("broken switch &lt;b&gt;"))
            #expect(page.contains("core &amp; edge"))
            let rows = page.components(separatedBy: "<tr class=\"device").dropFirst()
            #expect(rows.count == 4)
            #expect(rows.first?.contains("broken switch") == true)
            #expect(rows.first?.contains("no answer from 10.0.0.9") == true)
            #expect(!page.contains("src=") && !page.contains("<link"), "no external assets")

            let (_, json) = try await Self.get("/status", port: port)
            for text in [page, json] {
                for secret in Self.secrets + [fixture.bot.token] {
                    #expect(!text.contains(secret), "a secret on the status page")
                }
            }
        }
    }

    @Test(.enabled(if: Chromium.path != nil, "chromium is not installed: apt-get install chromium"))
    func aBrowserShowsTheFailingDeviceFirst() async throws {
        try await withRunningBot { port, _ in
            let dom = try await Chromium.dumpDOM("http://127.0.0.1:\(port)/")
            let rows = dom.components(separatedBy: "<tr class=\"device").dropFirst()
            #expect(rows.count == 4, "\(dom.prefix(2_000))")
            let first = try #require(rows.first)
            #expect(first.contains("problem"))
            #expect(first.contains("broken switch &lt;b&gt;"))
            #expect(first.contains("failed: no answer from 10.0.0.9 within 1 s"))
            if let screenshot = ProcessInfo.processInfo.environment["STATUS_PAGE_SCREENSHOT"] {
                // Refreshes docs/status-page.png: STATUS_PAGE_SCREENSHOT=$PWD/docs/status-page.png swift test --filter …
                try await Chromium.screenshot("http://127.0.0.1:\(port)/", to: screenshot)
            }
        }
    }

    @Test func everythingIsEscaped() {
        let job = CollectorStatus.Job(
            id: "1", entityID: 1, entityName: "<script>alert('x')</script>", intervals: [60],
            lastRun: .init(time: Date(), durationSeconds: 0.1, outcome: .failed, message: "\"quoted\" & <tagged>", values: 0), nextRun: nil,
            problem: "failed: \"quoted\" & <tagged>")
        let status = CollectorStatus(
            generatedAt: Date(), bot: .init(name: "<bot>", id: 7, protocol: "ping", shard: .init(index: 1, count: 3), healthy: true, problems: []),
            backend: .init(url: "http://x/api", reachable: false, lastError: "<down>", lastRefresh: nil),
            delivery: .init(sent: 0, waiting: 0, rejected: 0, dropped: [:], failedRequests: 0), jobs: [job])
        let page = StatusPage.html(status)
        #expect(!page.contains("<script>"))
        #expect(!page.contains("<bot>") && !page.contains("<down>") && !page.contains("<tagged>"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(page.contains("&quot;quoted&quot; &amp; &lt;tagged&gt;"))
        #expect(page.contains("shard 1 of 3"))
    }

    @Test func theBackendURLLosesUserPasswordAndQuery() {
        #expect(StatusReporter.displayURL("https://user:pa55@grafolean.example.com/api?b=token") == "https://grafolean.example.com/api")
    }
}

/// Headless Chromium from Debian's `chromium` package.
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars"]

    /// The DOM after the page loaded.
    static func dumpDOM(_ url: String) async throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-dom-\(UUID().uuidString).html").path
        let errors = output + ".log"
        defer {
            try? FileManager.default.removeItem(atPath: output)
            try? FileManager.default.removeItem(atPath: errors)
        }
        try await run(flags + ["--dump-dom", url], output: output, errors: errors)
        return try String(contentsOfFile: output, encoding: .utf8)
    }

    /// A phone-sized screenshot of the page.
    static func screenshot(_ url: String, to path: String) async throws {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-shot-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: errors) }
        try await run(flags + ["--window-size=900,640", "--screenshot=\(path)", url], output: errors, errors: errors)
    }

    private static func run(_ arguments: [String], output: String, errors: String) async throws {
        let process = try ChildProcess.spawn(path!, arguments, environment: ["HOME": FileManager.default.temporaryDirectory.path, "PATH": "/usr/bin:/bin"], output: .file(output), error: .file(errors))
        defer { process.terminate() }
        // Chromium loads in a few seconds; give a loaded machine a minute before calling it stuck.
        let status = await process.termination(within: .seconds(60))
        try #require(status != nil, "chromium did not finish: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")
        #expect(status?.exitCode == 0, "\((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")
    }
}
