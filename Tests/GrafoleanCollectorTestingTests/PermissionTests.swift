import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Testing

@Suite("Authentication and permissions")
struct PermissionTests {
    @Test("an account bot made in the UI reaches its account's configuration and values only")
    func accountBot() async throws {
        try await withBackend { (backend, http) async throws in
            let mine = await backend.addAccountWithDefaults(name: "Mine")
            let other = await backend.addAccountWithDefaults(name: "Other")
            let bot = await backend.addBot(name: "Ping", protocol: "ping", account: mine.account)

            let permissions = try await http.get(backend, "/profile/permissions", token: bot.token).json()
            let prefixes = permissions["list"]?.arrayValue?.compactMap { $0["resource_prefix"]?.stringValue }
            #expect(prefixes == ["credentials", "entities", "sensors", "values"].map { "accounts/\(mine.account)/\($0)" })

            let accounts = try await http.get(backend, "/accounts", token: bot.token)
            #expect(accounts.body == #"{"list":[{"id":\#(mine.account),"name":"Mine"}]}"#)
            for path in ["entities", "credentials", "sensors"] {
                #expect(try await http.get(backend, "/accounts/\(mine.account)/\(path)", token: bot.token).status == 200)
                #expect(try await http.get(backend, "/accounts/\(other.account)/\(path)/", token: bot.token).status == 403)
            }
            #expect(try await http.get(backend, "/accounts/\(mine.account)", token: bot.token).status == 403)
            let post = try await http.write("POST", backend, "/accounts/\(mine.account)/values", token: bot.token, json: #"[{"p":"a","v":1}]"#)
            #expect(post.status == 204)
            let put = try await http.write("PUT", backend, "/accounts/\(mine.account)/values/", token: bot.token, json: #"[{"p":"a","v":1,"t":1700000000}]"#)
            #expect(put.status == 204)
            let foreign = try await http.write("POST", backend, "/accounts/\(other.account)/values/", token: bot.token, json: #"[{"p":"a","v":1}]"#)
            #expect(foreign.status == 403)
            #expect(foreign.body == "Access to resource denied, insufficient permissions")
            #expect(foreign.contentType == nil)
            let create = try await http.write("POST", backend, "/accounts/\(mine.account)/entities", token: bot.token, json: #"{"name":"x","entity_type":"device","details":{}}"#)
            #expect(create.status == 403)
            // A path that does not exist is refused before routing.
            #expect(try await http.get(backend, "/no/such/thing", token: bot.token).status == 403)
            #expect(await backend.receivedValues().count == 2)
        }
    }

    @Test("a bot without permissions sees an empty accounts list and nothing else")
    func bareBot() async throws {
        try await withBackend { (backend, http) async throws in
            let account = await backend.addAccount(name: "A")
            let bot = await backend.addBot(name: "Bare", protocol: nil, account: account, permissions: .none)
            #expect(try await http.get(backend, "/accounts/", token: bot.token).body == #"{"list":[]}"#)
            #expect(try await http.get(backend, "/profile/permissions", token: bot.token).body == #"{"list":[]}"#)
            let profile = try await http.get(backend, "/profile", token: bot.token).json()
            #expect(profile["record"]?["protocol"] == .null)
            #expect(try await http.get(backend, "/accounts/\(account)/entities/", token: bot.token).status == 403)
            #expect(try await http.write("POST", backend, "/accounts/\(account)/values/", token: bot.token, json: #"[{"p":"a","v":1}]"#).status == 403)
        }
    }

    @Test("a systemwide bot with 'accounts' reaches every account; resources outside need more")
    func systemwideBot() async throws {
        try await withBackend { (backend, http) async throws in
            let zed = await backend.addAccountWithDefaults(name: "zed")
            let alpha = await backend.addAccountWithDefaults(name: "Alpha")
            let bot = await backend.addBot(name: "Everywhere", protocol: "snmp", account: nil, permissions: .systemwide)
            let accounts = try await http.get(backend, "/accounts/", token: bot.token)
            #expect(accounts.body == #"{"list":[{"id":\#(alpha.account),"name":"Alpha"},{"id":\#(zed.account),"name":"zed"}]}"#)
            let account = try await http.get(backend, "/accounts/\(zed.account)/", token: bot.token)
            #expect(account.body == #"{"id":\#(zed.account),"name":"zed"}"#)
            #expect(try await http.get(backend, "/accounts/123", token: bot.token).body == #"{"detail":"No such account"}"#)
            #expect(try await http.get(backend, "/accounts/\(alpha.account)/sensors", token: bot.token).status == 200)
            // "accounts" does not cover status/info/ (only the exact public path is open).
            #expect(try await http.get(backend, "/status/info/", token: bot.token).status == 403)
            let profile = try await http.get(backend, "/profile/", token: bot.token).json()
            #expect(profile["record"]?["tied_to_account"] == .null)
        }
    }

    @Test("a permission on every resource reaches status/info/ too; methods null allow HEAD, which has no route")
    func everything() async throws {
        try await withBackend { (backend, http) async throws in
            let bot = await backend.addBot(name: "Root", protocol: nil, account: nil, permissions: .custom([.init(resourcePrefix: nil, methods: nil)]))
            #expect(try await http.get(backend, "/status/info/", token: bot.token).status == 200)
            #expect(try await http.send("HEAD", TestHTTP.url(backend, "/profile", token: bot.token)).status == 405)
            #expect(try await http.get(backend, "/no/such/thing", token: bot.token).body == #"{"detail":"Not Found"}"#)
            #expect(try await http.send("DELETE", TestHTTP.url(backend, "/accounts/1/values", token: bot.token)).status == 405)
        }
    }

    @Test("a prefix covers itself and what follows a slash, not a longer id")
    func prefixBoundary() async throws {
        try await withBackend { (backend, http) async throws in
            await backend.addAccount(name: "one", id: 1)
            await backend.addAccount(name: "twelve", id: 12)
            let bot = await backend.addBot(
                name: "One", protocol: nil, account: nil,
                permissions: .custom([.init(resourcePrefix: "accounts/1/", methods: ["GET"])])
            )
            #expect(try await http.get(backend, "/accounts/1", token: bot.token).status == 200)
            #expect(try await http.get(backend, "/accounts/1/entities/", token: bot.token).status == 200)
            #expect(try await http.get(backend, "/accounts/12", token: bot.token).status == 403)
            #expect(try await http.write("POST", backend, "/accounts/1/values", token: bot.token, json: "[]").status == 403)
            #expect(try await http.get(backend, "/accounts", token: bot.token).body == #"{"list":[{"id":1,"name":"one"}]}"#)
            // Granting later takes effect at once; revoking too.
            let grant = await backend.grantPermission(bot: bot.id, .init(resourcePrefix: "accounts/12", methods: ["GET"]))
            #expect(try await http.get(backend, "/accounts/12", token: bot.token).status == 200)
            await backend.revokePermission(id: grant)
            #expect(try await http.get(backend, "/accounts/12", token: bot.token).status == 403)
        }
    }

    @Test("tokens: only ?b=, case-insensitive; any Authorization header fails; unknown and removed bots fail")
    func tokens() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let token = setup.bot.token
            #expect(try await http.get(backend, "/profile/", token: token.uppercased()).status == 200)
            for header in ["Token \(token)", "Bearer \(token)", token, ""] {
                let answer = try await http.send("GET", TestHTTP.url(backend, "/profile/", token: token), headers: [("Authorization", header)])
                #expect(answer.status == 401)
                #expect(answer.body == "Access denied")
                #expect(answer.contentType == nil)
            }
            for bad in ["", "not-a-token", "00000000-0000-4000-8000-000000000000", token + "0"] {
                #expect(try await http.get(backend, "/profile/", token: bad).status == 401)
            }
            // The last `b` wins.
            #expect(try await http.send("GET", backend.baseURL + "/profile/?b=nope&b=\(token)").status == 200)
            #expect(try await http.send("GET", backend.baseURL + "/profile/?b=\(token)&b=nope").status == 401)
            await backend.removeBot(id: setup.bot.id)
            #expect(try await http.get(backend, "/profile/", token: token).status == 401)
            // Tokens never reach the request log.
            let logged = await backend.requests()
            #expect(!logged.isEmpty)
            #expect(logged.allSatisfy { !($0.query ?? "").lowercased().contains(token.prefix(8)) })
            #expect(logged.first?.query == "b=REDACTED")
        }
    }

    @Test("last login: set by authenticated requests, at most once per 10 s of the backend's clock")
    func lastLogin() async throws {
        let clock = BackendTestClock(1_700_000_000.5)
        try await withBackend(now: clock.function) { (backend, http) async throws in
            let account = await backend.addAccount(name: "A")
            let bot = await backend.addBot(name: "B", protocol: "ping", account: account)
            #expect(await backend.lastLogin(bot: bot.id) == nil)
            let first = try await http.get(backend, "/profile/", token: bot.token).json()
            #expect(first["record"]?["insert_time"] == 1_700_000_000)
            #expect(first["record"]?["last_login"] == 1_700_000_000)
            clock.advance(by: 9)
            // A refused request is still an authenticated one.
            #expect(try await http.get(backend, "/accounts/\(account)", token: bot.token).status == 403)
            #expect(await backend.lastLogin(bot: bot.id) == 1_700_000_000.5)
            clock.advance(by: 1)
            _ = try await http.get(backend, "/accounts/", token: bot.token)
            #expect(await backend.lastLogin(bot: bot.id) == 1_700_000_010.5)
            // Unauthenticated requests do not count.
            clock.advance(by: 100)
            _ = try await http.send("GET", TestHTTP.url(backend, "/profile/", token: bot.token), headers: [("Authorization", "x")])
            #expect(await backend.lastLogin(bot: bot.id) == 1_700_000_010.5)
        }
    }

    @Test("non-numeric ids answer 422 as pydantic does; unknown ids 404")
    func pathParameters() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let base = "/accounts/\(setup.account)"
            let entity = try await http.get(backend, base + "/entities/abc", token: setup.bot.token)
            #expect(entity.status == 422)
            #expect(entity.body == #"{"detail":[{"loc":["path","entity_id"],"msg":"value is not a valid integer","type":"type_error.integer"}]}"#)
            let credential = try await http.get(backend, base + "/credentials/1.5", token: setup.bot.token)
            #expect(credential.body.contains(#""loc":["path","credential_id"]"#))
            #expect(try await http.get(backend, base + "/sensors/1", token: setup.bot.token).body == #"{"detail":"No such sensor"}"#)
            #expect(try await http.get(backend, base + "/credentials/1", token: setup.bot.token).body == #"{"detail":"No such credential"}"#)
            #expect(try await http.get(backend, base + "/entities/1", token: setup.bot.token).body == #"{"detail":"No such entity"}"#)
            // Ids are parsed like Python's int(): "0012" is 12.
            let padded = try await http.get(backend, base + "/entities/000\(setup.entities[0])", token: setup.bot.token)
            #expect(padded.status == 200)
        }
    }
}
