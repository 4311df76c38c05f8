import ArgumentParser
import Foundation
import GrafoleanCollectorTesting
import Logging
import Testing

@testable import GrafoleanCollector

@Suite("Command-line options fall back to Grafolean's environment variables")
struct CollectorOptionsTests {
    func parse(_ arguments: [String] = [], environment: [String: String]) throws -> CollectorSettings {
        try CollectorOptions.parse(arguments).settings(environment: environment)
    }

    @Test func environmentAsGrafoleansBotsReadIt() throws {
        let settings = try parse(environment: [
            "BACKEND_URL": "http://grafolean/api", "BOT_TOKEN": " 5e1d0b07-0000-4000-8000-00000000b0a1\n", "JOBS_REFRESH_INTERVAL": "120",
            "LOG_LEVEL": "DEBUG", "METRICS_PORT": "9100",
        ])
        #expect(settings.backendURL == "http://grafolean/api")
        #expect(settings.token == .value(BotToken("5e1d0b07-0000-4000-8000-00000000b0a1")))
        #expect(settings.jobsRefreshInterval == 120)
        #expect(settings.logLevel == .debug)
        #expect(settings.metricsPort == 9100)
        #expect(settings.metricsHost == "127.0.0.1")
        #expect(settings.mode == .service)
        #expect(!settings.dryRun)
    }

    @Test func optionsWinOverTheEnvironment() throws {
        let settings = try parse(
            ["--backend-url", "http://other/api", "--bot-token-file", "/run/token", "--jobs-refresh-interval", "30", "--once", "--dry-run",
             "--max-concurrent-runs", "50"],
            environment: ["BACKEND_URL": "http://grafolean/api", "BOT_TOKEN_FROM_FILE": "/elsewhere"])
        #expect(settings.backendURL == "http://other/api")
        #expect(settings.token == .file("/run/token"))
        #expect(settings.jobsRefreshInterval == 30)
        #expect(settings.mode == .once)
        #expect(settings.dryRun)
        #expect(settings.scheduler.maximumConcurrentRuns == 50)
        #expect(try parse(["--list-jobs"], environment: ["BACKEND_URL": "http://g/api", "BOT_TOKEN": "t"]).mode == .listJobs)
        #expect(try parse(environment: ["BACKEND_URL": "http://g/api", "BOT_TOKEN": "t"]).jobsRefreshInterval == 60)
    }

    @Test(arguments: [
        ([String: String](), "BACKEND_URL"),
        (["BACKEND_URL": "http://g/api"], "BOT_TOKEN"),
        (["BACKEND_URL": "http://g/api", "BOT_TOKEN": "t", "JOBS_REFRESH_INTERVAL": "soon"], "JOBS_REFRESH_INTERVAL"),
        (["BACKEND_URL": "http://g/api", "BOT_TOKEN": "t", "JOBS_REFRESH_INTERVAL": "0"], "JOBS_REFRESH_INTERVAL"),
        (["BACKEND_URL": "http://g/api", "BOT_TOKEN": "t", "LOG_LEVEL": "loud"], "loud"),
        (["BACKEND_URL": "http://g/api", "BOT_TOKEN": "t", "METRICS_PORT": "99999"], "METRICS_PORT"),
    ])
    func missingOrBadValuesNameTheVariable(environment: [String: String], named: String) throws {
        let error = try #require(throws: ValidationError.self) { try parse(environment: environment) }
        #expect(error.message.contains(named))
    }

    @Test func helpNamesTheEnvironmentVariables() {
        let help = CollectorOptions.helpMessage()
        for variable in ["BACKEND_URL", "BOT_TOKEN", "BOT_TOKEN_FROM_FILE", "JOBS_REFRESH_INTERVAL", "LOG_LEVEL", "METRICS_PORT"] {
            #expect(help.contains(variable), "\(variable)")
        }
    }
}

@Suite("The bot token may come from a file that appears later")
struct BotTokenSourceTests {
    @Test func waitsForTheFileThenStripsWhiteSpace() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_700_000_000))
        let logs = LogCapture()
        async let token = BotTokenSource.file(path).load(clock: clock, pollInterval: .seconds(5), logger: logs.logger)
        await clock.waitForSleepers(count: 1)
        #expect(logs.lines(.notice).contains { $0.contains("waiting for the bot token file") && $0.contains(path) })
        FileManager.default.createFile(atPath: path, contents: Data("  5e1d0b07-0000-4000-8000-00000000b0a1 \n".utf8))
        await clock.advance(by: 5)
        let loaded = try await token
        #expect(loaded.secret == "5e1d0b07-0000-4000-8000-00000000b0a1")
        #expect(logs.lines().count == 1)
    }

    @Test func emptyFileIsAClearError() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: path, contents: Data("\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = await #expect(throws: GrafoleanError.self) {
            try await BotTokenSource.file(path).load(logger: Logger(label: "t"))
        }
        #expect(error?.message.contains("empty") == true)
    }
}
