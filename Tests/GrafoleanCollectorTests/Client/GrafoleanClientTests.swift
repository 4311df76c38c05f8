import Foundation
import GrafoleanCollectorTesting
import Testing

@testable import GrafoleanCollector

@Suite("The client talks to the backend and explains its failures")
struct GrafoleanClientTests {
    @Test func readinessStates() async throws {
        try await withBackend { fixture in
            #expect(try await fixture.client.status().isReady)
            await fixture.backend.setReadiness(.migrationNeeded)
            let status = try await fixture.client.status()
            #expect(!status.isReady && status.alive)
            await fixture.backend.setReadiness(.databaseDown)
            let error = try await #require(throws: GrafoleanError.self) { try await fixture.client.status() }
            #expect(error.code == .backendNotReady)
            #expect(error.isRetryable)
        }
    }

    /// A request cut short by shutdown is a cancellation, not a backend failure to log and count.
    @Test func aCancelledRequestIsACancellationNotABackendError() async throws {
        try await withBackend { fixture in
            await fixture.backend.setLatency(.seconds(30))
            let request = Task { try await fixture.client.profile() }
            try await Task.sleep(for: .milliseconds(200))
            request.cancel()
            await #expect(throws: CancellationError.self) { try await request.value }
            await fixture.backend.setLatency(.zero)
        }
    }

    @Test func unreachableBackendIsRetryable() async throws {
        try await withBackend { fixture in
            try await fixture.backend.goDown()
            let error = try await #require(throws: GrafoleanError.self) { try await fixture.client.profile() }
            #expect(error.code == .backendUnreachable)
            #expect(error.isRetryable)
            #expect(!"\(error)".contains(fixture.bot.token))
            try await fixture.backend.comeBack()
            #expect(try await fixture.client.profile().userID == fixture.bot.id)
        }
    }

    @Test func waitUntilReadyPollsUntilMigrated() async throws {
        try await withBackend { fixture in
            await fixture.backend.setReadiness(.migrationNeeded)
            let clock = ManualClock(now: Date(timeIntervalSince1970: 1_700_000_000))
            async let ready = fixture.client.waitUntilReady(initialDelay: .seconds(1), maximumDelay: .seconds(4), clock: clock)
            // Two polls that find it not ready: the second wait is twice the first.
            await clock.waitForSleepers(count: 1)
            #expect(clock.nextDeadline == clock.now.addingTimeInterval(1))
            await clock.advance(by: 1)
            await clock.waitForSleepers(count: 1)
            #expect(clock.nextDeadline == clock.now.addingTimeInterval(2))
            await fixture.backend.setReadiness(.ready)
            await clock.advance(by: 2)
            let status = try await ready
            #expect(status.isReady)
        }
    }

    @Test func profilesOfTheThreeKindsOfBot() async throws {
        try await withBackend { fixture in
            let profile = try await fixture.client.profile()
            #expect(profile.userID == fixture.bot.id)
            #expect(profile.protocol == "ping")
            #expect(profile.tiedToAccount == fixture.account)
            #expect(!profile.isSystemwide)
            let systemwide = await fixture.backend.addBot(name: "sw", protocol: "snmp", account: nil, permissions: .systemwide)
            try await fixture.withClient(token: systemwide.token) { systemwideClient in
                let systemwideProfile = try await systemwideClient.profile()
                #expect(systemwideProfile.isSystemwide)
                #expect(try await systemwideClient.accounts().map(\.id) == [fixture.account])
            }
            let bare = await fixture.backend.addBot(name: "bare", protocol: "ping", account: fixture.account, permissions: .none)
            try await fixture.withClient(token: bare.token) { bareClient async throws in
                #expect(try await bareClient.accounts().isEmpty)
                #expect(try await bareClient.permissions().isEmpty)
            }
        }
    }

    @Test func permissionsOfAUIMadeBot() async throws {
        try await withBackend { fixture in
            let permissions = try await fixture.client.permissions()
            let account = fixture.account
            #expect(permissions.count == 4)
            #expect(permissions.contains { $0.allows("GET", on: "accounts/\(account)/entities") })
            #expect(permissions.contains { $0.allows("PUT", on: "accounts/\(account)/values") })
            #expect(!permissions.contains { $0.allows("POST", on: "accounts/\(account)/entities") })
        }
    }

    @Test func invalidTokenIsPermanentAndNeverShown() async throws {
        try await withBackend { fixture in
            let token = "00000000-0000-4000-8000-000000000000"
            let error = try await fixture.withClient(token: token) { client in
                try await #require(throws: GrafoleanError.self) { try await client.profile() }
            }
            #expect(error.code == .invalidToken)
            #expect(error.status == 401)
            #expect(!error.isRetryable)
            #expect(!error.description.contains(token))
            #expect(error.message.contains("BOT_TOKEN"))
        }
    }

    @Test func missingPermissionNamesResourceAndMethod() async throws {
        try await withBackend { fixture in
            let error = try await #require(throws: GrafoleanError.self) {
                try await fixture.client.createEntity(account: fixture.account, NewEntity(name: "x", entityType: "device", details: [:]))
            }
            #expect(error.code == .permissionDenied)
            #expect(error.message.contains("POST accounts/\(fixture.account)/entities"))
            #expect(error.endpoint == "POST /api/accounts/\(fixture.account)/entities/")
            #expect(!error.isRetryable)
        }
    }

    @Test func notFoundAndItems() async throws {
        try await withBackend { fixture in
            let entity = await fixture.addPingDevice("localhost", ipv4: "127.0.0.1")
            let fetched = try await fixture.client.entity(account: fixture.account, id: entity)
            #expect(fetched.details["ipv4"] == "127.0.0.1")
            #expect(fetched.protocols["ping"]?.credential == fixture.credential)
            #expect(try await fixture.client.credential(account: fixture.account, id: fixture.credential).details["n_packets"] == "3")
            #expect(try await fixture.client.sensor(account: fixture.account, id: fixture.sensor).defaultInterval == 30)
            let error = try await #require(throws: GrafoleanError.self) { try await fixture.client.entity(account: fixture.account, id: 1) }
            #expect(error.code == .notFound)
            #expect(error.message.contains("No such entity"))
        }
    }

    @Test func inputRejectedCarriesTheBackendsMessage() async throws {
        try await withBackend { fixture in
            // The client's transport does not validate (the sender does): the backend's 400 comes back.
            let error = try await #require(throws: GrafoleanError.self) {
                try await fixture.client.post([MeasuredValue(path: "a.b c", value: 1, time: Date())], account: fixture.account)
            }
            #expect(error.code == .inputRejected)
            #expect(error.message.contains("Invalid PathInputValue format: a.b c"))
        }
    }

    @Test func slowBackendTimesOut() async throws {
        try await withBackend(requestTimeout: .milliseconds(300)) { fixture in
            await fixture.backend.setLatency(.seconds(2))
            let error = try await #require(throws: GrafoleanError.self) { try await fixture.client.accounts() }
            #expect(error.code == .timeout)
            #expect(error.isRetryable)
        }
    }

    @Test func serverErrorsAreRetryable() async throws {
        try await withBackend { fixture in
            await fixture.backend.failNextRequests(1, status: 503)
            let error = try await #require(throws: GrafoleanError.self) { try await fixture.client.accounts() }
            #expect(error.code == .serverError)
            #expect(error.status == 503)
            #expect(error.isRetryable)
            #expect(try await fixture.client.accounts().count == 1)
        }
    }

    @Test func undecodableAnswerNamesEndpointAndExpectation() async throws {
        try await withBackend { fixture in
            let error = try await #require(throws: GrafoleanError.self) {
                _ = try await fixture.client.get("/accounts/", as: [Int].self)
            }
            #expect(error.code == .undecodableResponse)
            #expect(error.endpoint == "GET /api/accounts/")
            #expect(error.message.contains("Array<Int>"))
        }
    }

    @Test(arguments: ["ftp://h/api", "http://h/", "http://h/api?b=x", "h/api"])
    func badBackendURLs(url: String) throws {
        let error = try #require(throws: GrafoleanError.self) {
            try GrafoleanClient(configuration: .init(backendURL: url, token: BotToken("t")))
        }
        #expect(error.code == .invalidConfiguration)
    }

    @Test func trailingSlashIsAccepted() throws {
        let client = try GrafoleanClient(configuration: .init(backendURL: "http://h/api/", token: BotToken("t")))
        #expect(client.baseURL == "http://h/api")
        try client.httpClient.syncShutdown()
    }

    @Test func missingCAFileIsAClearError() throws {
        let error = try #require(throws: GrafoleanError.self) {
            try GrafoleanClient(configuration: .init(backendURL: "https://h/api", token: BotToken("t"), caCertificatesFile: "/nonexistent/ca.pem"))
        }
        #expect(error.message.contains("/nonexistent/ca.pem"))
    }
}
