import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Testing

/// One recorded exchange with the real backend.
struct FixtureExchange: Decodable, Sendable {
    let section: String
    let title: String
    let method: String
    let url: String
    let requestHeaders: [String: String]
    let requestBody: String?
    let status: Int
    let responseContentType: String?
    let responseBody: String?

    enum CodingKeys: String, CodingKey {
        case section, title, method, url, status
        case requestHeaders = "request_headers"
        case requestBody = "request_body"
        case responseContentType = "response_content_type"
        case responseBody = "response_body"
    }

    /// Made with a person's JWT (`Authorization: Bearer <jwt>`): an admin call, not a bot's.
    var isAdminCall: Bool { requestHeaders["Authorization"] == "Bearer <jwt>" }

    /// Loads the recorded exchanges, copied into the test target's resources from
    /// the project's recordings of a real backend (kept in the repository, so nothing outside it is read).
    static func load() throws -> [FixtureExchange] {
        guard let url = Bundle.module.url(forResource: "grafolean-backend-exchanges", withExtension: "json") else {
            throw FixtureMissing()
        }
        return try JSONDecoder().decode([FixtureExchange].self, from: Data(contentsOf: url))
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        var description: String { "grafolean-backend-exchanges.json is missing from the test target's resources" }
    }
}

@Suite("Contract: the recorded exchanges with the real backend")
struct FixtureContractTests {
    /// Replays every bot-facing exchange of the fixtures, in order, against ``seedFixtureState``
    /// and expects the same status, content type and body.
    ///
    /// Skipped: the exchanges made with a person's JWT (`Authorization: Bearer <jwt>`): admin
    /// creations and the "read back (JWT)" section. The fake backend models bots only (a bot never
    /// holds a JWT; any Authorization header is answered 401, which the bot-facing exchanges check).
    /// What the admin calls change is applied through the seeding API at the same point of the
    /// history, because later bot exchanges depend on it (the grant in #122 shows in #123). What
    /// the read-back exchanges look at is checked through the Swift API in other tests.
    ///
    /// The backend's clock is injected (the fixtures' own times), so `last_login` and
    /// `insert_time` are compared like every other field: nothing is ignored. JSON bodies are
    /// compared semantically and, in addition, byte for byte (member order, number formatting).
    @Test("every bot-facing exchange is answered as the real backend answered it")
    func replay() async throws {
        let exchanges = try FixtureExchange.load()
        #expect(exchanges.count == 124)
        let clock = BackendTestClock(1_795_533_317.25)
        try await withBackend(now: clock.function) { (backend, http) async throws in
            await backend.seedFixtureState(stage: .seedAccount)
            var replayed = 0
            for (index, exchange) in exchanges.enumerated() {
                if exchange.isAdminCall {
                    try await applyAdminCall(index, exchange, backend: backend, http: http, clock: clock)
                    continue
                }
                let url = exchange.url.replacingOccurrences(of: "http://127.0.0.1:13000/api", with: backend.baseURL)
                let answer = try await http.send(
                    exchange.method, url,
                    headers: exchange.requestHeaders.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                    body: exchange.requestBody
                )
                try expectSame(answer, exchange, "#\(index) \(exchange.title)")
                replayed += 1
            }
            // 124 exchanges minus the 23 made with a JWT.
            #expect(replayed == 101)
        }
    }

    private func expectSame(_ answer: HTTPAnswer, _ exchange: FixtureExchange, _ label: String) throws {
        #expect(answer.status == exchange.status, "\(label): status")
        #expect(answer.contentType == exchange.responseContentType, "\(label): content type")
        let expected = exchange.responseBody ?? ""
        if exchange.responseContentType == "application/json" {
            let expectedJSON = try JSONDecoder().decode(JSONValue.self, from: Data(expected.utf8))
            #expect(try answer.json() == expectedJSON, "\(label): JSON body")
        }
        #expect(answer.body == expected, "\(label): body bytes")
    }

    /// What the admin calls of the fixtures change, done through the seeding API. Where an admin
    /// call's answer is decided by the same validation a bot with permission meets (#116, #117:
    /// entity creation), it is replayed as such a bot and its answer compared too.
    private func applyAdminCall(
        _ index: Int, _ exchange: FixtureExchange, backend: GrafoleanTestBackend, http: TestHTTP, clock: BackendTestClock
    ) async throws {
        let later = Date(timeIntervalSince1970: 1_795_533_319)
        switch index {
        case 106:
            #expect(exchange.title == "admin creates 2nd account")
            clock.set(1_795_533_319.5)
            await backend.addAccount(name: "Other account", id: 2_018_329_566)
        case 109:
            #expect(exchange.title.hasPrefix("account bot without permissions"))
            await backend.addBot(
                name: "Bare bot", protocol: "ping", account: 404_273_002, permissions: .none,
                token: "5e1d0b07-0000-4000-8000-00000000b0a2", id: 1_803_062_902, insertTime: later
            )
        case 115:
            #expect(exchange.title.hasPrefix("bare bot with a bogus protocol"))
            await backend.addBot(
                name: "Odd bot", protocol: "no-such-protocol", account: 404_273_002, permissions: .none,
                id: 2_009_620_031, insertTime: later
            )
        case 116, 117:
            let writer = await backend.addBot(
                name: "Entity writer", protocol: "ping", account: 404_273_002,
                permissions: .custom([.init(resourcePrefix: "accounts/404273002/entities", methods: ["POST"])])
            )
            let url = exchange.url.replacingOccurrences(of: "http://127.0.0.1:13000/api", with: backend.baseURL) + "?b=" + writer.token
            let answer = try await http.send(
                exchange.method, url, headers: [("Content-Type", "application/json")], body: exchange.requestBody
            )
            try expectSame(answer, exchange, "#\(index) \(exchange.title) (as a bot with permission)")
            await backend.removeBot(id: writer.id)
        case 118:
            #expect(exchange.title.hasPrefix("systemwide bot: create"))
            await backend.addBot(
                name: "Systemwide ping", protocol: "ping", account: nil, permissions: .none,
                token: "5e1d0b07-0000-4000-8000-00000000b0a3", id: 2_088_359_666, insertTime: later
            )
        case 122:
            #expect(exchange.title.hasPrefix("grant systemwide bot"))
            await backend.grantPermission(bot: 2_088_359_666, .init(id: 129_472_429, resourcePrefix: "accounts", methods: nil))
        default:
            // Reading back with a JWT (#92-#105) and reading bot tokens (#110, #119): no effect on state.
            #expect(exchange.section == "read back (JWT)" || exchange.url.hasSuffix("/token"), "unexpected admin call #\(index)")
        }
    }

    @Test("the complete fixture state answers the later exchanges directly")
    func completeState() async throws {
        let clock = BackendTestClock(1_795_533_320)
        try await withBackend(now: clock.function) { (backend, http) async throws in
            let seed = await backend.seedFixtureState()
            #expect(seed.account == 404_273_002)
            #expect(seed.pingBot == TestBot(id: 1_262_271_313, token: "5e1d0b07-0000-4000-8000-00000000b0a1"))
            let systemwide = try #require(seed.systemwideBot)
            let accounts = try await http.get(backend, "/accounts/", token: systemwide.token)
            #expect(accounts.body == #"{"list":[{"id":2018329566,"name":"Other account"},{"id":404273002,"name":"Seed account"}]}"#)
            let bare = try #require(seed.bareBot)
            #expect(try await http.get(backend, "/accounts/", token: bare.token).body == #"{"list":[]}"#)
            let profile = try await http.get(backend, "/profile/", token: bare.token)
            #expect(profile.body == #"{"user_id":1803062902,"user_type":"bot","record":{"id":1803062902,"name":"Bare bot","protocol":"ping","tied_to_account":404273002,"config":null,"insert_time":1795533319,"last_login":1795533320}}"#)
            let bots = try await http.get(backend, "/bots", token: seed.pingBot.token)
            #expect(bots.body == #"{"list":[{"id":2088359666,"name":"Systemwide ping","protocol":"ping","tied_to_account":null,"insert_time":1795533319,"last_login":1795533320}]}"#)
        }
    }
}
