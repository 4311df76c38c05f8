import AsyncHTTPClient
import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Testing

@Suite("Fault injection")
struct FaultInjectionTests {
    @Test("goDown refuses connections, comeBack listens again on the same port with the state kept")
    func outage() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let port = backend.port
            #expect(try await http.get(backend, "/status/info", token: nil).status == 200)
            #expect(await backend.isListening)

            try await backend.goDown()
            #expect(await !backend.isListening)
            #expect(isConnectionRefused(port: port))
            // AsyncHTTPClient retries refused connections until the deadline: keep it short.
            await #expect(throws: (any Error).self) {
                _ = try await http.send("GET", backend.baseURL + "/status/info", deadline: .milliseconds(300))
            }

            try await backend.comeBack()
            #expect(backend.port == port)
            #expect(!isConnectionRefused(port: port))
            let entities = try await http.get(backend, "/accounts/\(setup.account)/entities/", token: setup.bot.token)
            #expect(entities.status == 200)
            #expect(try entities.json()["list"]?.arrayValue?.count == 1)
        }
    }

    @Test("goDown drops a keep-alive connection that was already open")
    func outageDropsOpenConnections() async throws {
        try await withBackend { (backend, http) async throws in
            // The first request leaves a pooled keep-alive connection behind.
            #expect(try await http.get(backend, "/status/info", token: nil).status == 200)
            try await backend.goDown()
            await #expect(throws: (any Error).self) {
                _ = try await http.send("GET", backend.baseURL + "/status/info", deadline: .milliseconds(300))
            }
            try await backend.comeBack()
            #expect(try await http.get(backend, "/status/info", token: nil).status == 200)
        }
    }

    @Test("a backend can start on a given port, and a taken port is reported")
    func givenPort() async throws {
        try await withBackend { (first, http) async throws in
            await #expect {
                _ = try await GrafoleanTestBackend.start(port: first.port)
            } throws: { error in
                (error as? GrafoleanTestBackendError)?.code == .listenFailed
            }
            try await first.goDown()
            let second = try await GrafoleanTestBackend.start(port: first.port)
            #expect(second.port == first.port)
            #expect(try await http.get(second, "/status/info", token: nil).status == 200)
            try await second.shutdown()
            await #expect {
                try await second.comeBack()
            } throws: { error in
                (error as? GrafoleanTestBackendError)?.code == .notRunning
            }
        }
    }

    @Test("failNextRequests answers exactly the next N requests with the status", arguments: [500, 503, 401])
    func failNext(status: Int) async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            await backend.failNextRequests(2, status: status)
            let first = try await http.get(backend, "/profile/", token: setup.bot.token)
            let second = try await http.write("POST", backend, "/accounts/\(setup.account)/values/", token: setup.bot.token, json: #"[{"p":"a.b","v":1}]"#)
            let third = try await http.get(backend, "/profile/", token: setup.bot.token)
            #expect(first.status == status)
            #expect(second.status == status)
            #expect(third.status == 200)
            if status == 500 {
                #expect(first.body == "Internal Server Error")
                #expect(first.contentType == "text/plain; charset=utf-8")
            }
            if status == 401 {
                #expect(first.body == "Access denied")
                #expect(first.contentType == nil)
            }
            // The failed POST stored nothing and the failed requests did not log the bot in.
            #expect(await backend.receivedValues().isEmpty)
            let recorded = await backend.requests().map(\.status)
            #expect(recorded == [status, status, 200])
        }
    }

    @Test("latency delays every answer; values are stored before the delayed answer")
    func latency() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            await backend.setLatency(.milliseconds(300))
            let clock = ContinuousClock()
            let start = clock.now
            let delayed = try await http.get(backend, "/status/info", token: nil)
            #expect(delayed.status == 200)
            #expect(clock.now - start >= .milliseconds(300))

            // A client that gives up before the answer: the values were stored anyway.
            await #expect(throws: (any Error).self) {
                _ = try await http.send(
                    "POST", TestHTTP.url(backend, "/accounts/\(setup.account)/values/", token: setup.bot.token),
                    headers: [("Content-Type", "application/json")], body: #"[{"p":"late","v":1}]"#,
                    deadline: .milliseconds(100)
                )
            }
            let stored = try await backend.waitForValues(count: 1, timeout: .seconds(30))
            #expect(stored.map(\.path) == ["late"])

            // Removing a long latency takes effect at once: a request answers long before the old latency.
            await backend.setLatency(.seconds(600))
            await backend.setLatency(.zero)
            let undelayed = try await http.get(backend, "/status/info", token: nil)
            #expect(undelayed.status == 200)
        }
    }

    @Test("readiness: migration needed and database down")
    func readiness() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            await backend.setReadiness(.migrationNeeded)
            let info = try await http.get(backend, "/status/info", token: nil)
            #expect(info.status == 200)
            #expect(info.body == #"{"alive":true,"db_migration_needed":true,"db_version":0,"user_exists":null,"cors_domains":[],"mqtt_ws_hostname":"","mqtt_ws_port":"","enable_signup":false}"#)
            let profileDuringMigration = try await http.get(backend, "/profile/", token: setup.bot.token)
            #expect(profileDuringMigration.status == 500)
            #expect(profileDuringMigration.body == "Could not validate access")

            await backend.setReadiness(.databaseDown)
            let down = try await http.get(backend, "/status/info", token: nil)
            #expect(down.status == 500)
            #expect(down.body == "Internal Server Error")
            #expect(down.contentType == "text/plain; charset=utf-8")
            let post = try await http.write("POST", backend, "/accounts/\(setup.account)/values/", token: setup.bot.token, json: #"[{"p":"a","v":1}]"#)
            #expect(post.status == 500)
            #expect(post.body == "Could not validate access")
            #expect(post.contentType == nil)
            // Without a well-formed token the database is never asked.
            #expect(try await http.get(backend, "/profile/", token: "nope").status == 401)
            #expect(try await http.get(backend, "/profile/", token: nil).status == 401)
            #expect(await backend.receivedValues().isEmpty)

            await backend.setReadiness(.ready)
            #expect(try await http.get(backend, "/status/info", token: nil).body.contains(#""db_migration_needed":false"#))
            #expect(try await http.get(backend, "/profile/", token: setup.bot.token).status == 200)
        }
    }
}
