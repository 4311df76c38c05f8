import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Testing

@Suite("Writing values")
struct ValuesTests {
    /// POSTs or PUTs `body` for the ping setup's bot and returns the answer.
    private func write(
        _ method: String, _ body: String, backend: GrafoleanTestBackend, http: TestHTTP, setup: PingSetup,
        contentType: String? = "application/json", query: String = ""
    ) async throws -> HTTPAnswer {
        let url = TestHTTP.url(backend, "/accounts/\(setup.account)/values/\(query)", token: setup.bot.token)
        return try await http.send(method, url, headers: contentType.map { [("Content-Type", $0)] } ?? [], body: body)
    }

    @Test("POST stamps values with the backend's clock at arrival; PUT stores the given t; (path, t) overwrites")
    func stamping() async throws {
        let clock = BackendTestClock(1_800_000_000.1234567)
        try await withBackend(now: clock.function) { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let posted = try await write("POST", #"[{"p":"a.b","v":1.5},{"p":"a.c","v":"2"}]"#, backend: backend, http: http, setup: setup)
            #expect(posted.status == 204)
            #expect(posted.body.isEmpty)
            clock.advance(by: 60)
            let put = try await write(
                "PUT", #"[{"p":"a.b","v":3,"t":1700000000},{"p":"a.b","v":4,"t":"1700000001.5"},{"p":"a.b","v":5,"t":1700000000.0}]"#,
                backend: backend, http: http, setup: setup
            )
            // Same (path, t) twice in ONE batch is a database error.
            #expect(put.status == 500)
            let put2 = try await write(
                "PUT", #"[{"p":"a.b","v":3,"t":1700000000},{"p":"a.b","v":4,"t":"1700000001.5"}]"#,
                backend: backend, http: http, setup: setup
            )
            #expect(put2.status == 204)
            let overwrite = try await write("PUT", #"[{"p":"a.b","v":6,"t":1700000000}]"#, backend: backend, http: http, setup: setup)
            #expect(overwrite.status == 204)

            let received = await backend.receivedValues(account: setup.account)
            #expect(received.map(\.method) == ["POST", "POST", "PUT", "PUT", "PUT"])
            #expect(received[0] == ReceivedValue(account: setup.account, path: "a.b", value: 1.5, method: "POST", time: 1_800_000_000.123457, bot: setup.bot.id))
            #expect(received[1].value == 2)
            #expect(received.map(\.time).suffix(3) == [1_700_000_000, 1_700_000_001.5, 1_700_000_000])
            let stored = await backend.storedValues(account: setup.account, path: "a.b")
            #expect(stored.map(\.value) == [6, 4, 1.5])
            #expect(await backend.receivedValues(account: setup.account + 1).isEmpty)

            await backend.resetRecords()
            #expect(await backend.receivedValues().isEmpty)
            #expect(await backend.requests().isEmpty)
        }
    }

    @Test("one bad item rejects the whole batch with the backend's message", arguments: [
        (#"[{"p":"ok","v":1},{"p":"a b","v":1}]"#, "Input validation failed: Invalid PathInputValue format: a b"),
        (#"[{"p":"ok","v":1},{"p":"bad","v":"zzz"}]"#, "Input validation failed: Invalid MeasuredValue format: zzz"),
        (#"[{"p":"ok","v":{"a":1,"b":[1.0,"x",null,true,1e16]}}]"#, "Input validation failed: Invalid MeasuredValue format: {'a': 1, 'b': [1.0, 'x', None, True, 1e+16]}"),
        (#"[{"p":"ok","v":"it's"}]"#, #"Input validation failed: Invalid MeasuredValue format: it's"#),
        (#"[{"p":"ok","v":["it's"]}]"#, #"Input validation failed: Invalid MeasuredValue format: ["it's"]"#),
        (#"[{"p":"ok","v":[1e-5,0.0001,123456789012345678,1.5e300,-0.0,1e15,1234567890123456789.0,0.1]}]"#,
         "Input validation failed: Invalid MeasuredValue format: [1e-05, 0.0001, 123456789012345678, 1.5e+300, -0.0, 1000000000000000.0, 1.2345678901234568e+18, 0.1]"),
        (#"[{"p":"ok","v":"0x10"}]"#, "Input validation failed: Invalid MeasuredValue format: 0x10"),
        (#"[{"p":"ok","v":"1__0"}]"#, "Input validation failed: Invalid MeasuredValue format: 1__0"),
        (#"[{"p":"ok","v":" "}]"#, "Input validation failed: Invalid MeasuredValue format:  "),
        (#"[{"p":"ok","v":"tab\there"}]"#, "Input validation failed: Invalid MeasuredValue format: tab\there"),
        (#"[{"p":"ok","v":["tab\there", "\u00e9"]}]"#, #"Input validation failed: Invalid MeasuredValue format: ['tab\there', 'é']"#),
        (#"[{"p":"system.cpu","v":1}]"#, "Input validation failed: Invalid path - should not start with 'system.'!"),
        (#"[{"p":"a.%2E","v":1}]"#, "Input validation failed: Invalid PathInputValue format: a.%2E"),
        (#"[{"p":"x","v":1e400000}]"#, nil),
        // float() of an int beyond the double range raises OverflowError.
        (#"[{"p":"x","v":1"# + String(repeating: "0", count: 320) + "}]",
         "Input validation failed: Invalid MeasuredValue format: 1" + String(repeating: "0", count: 320)),
    ] as [(String, String?)])
    func badItem(body: String, message: String?) async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let answer = try await write("POST", body, backend: backend, http: http, setup: setup)
            if let message {
                #expect(answer.status == 400)
                #expect(answer.body == message)
                #expect(answer.contentType == nil)
                #expect(await backend.receivedValues().isEmpty)
            } else {
                // 1e400000 is a float overflowing to inf: accepted and stored, as Python would.
                #expect(answer.status == 204)
                #expect(await backend.receivedValues().first?.value == .infinity)
            }
        }
    }

    @Test("what the database refuses answers 500 and stores nothing", arguments: [
        #"[{"p":"ok","v":1},{"p":"x","v":true}]"#,  // bool passes float() but not the database
        #"[{"p":"x","v":"1_000"}]"#,  // Python reads underscores, PostgreSQL does not
        #"[{"p":"x","v":"\u0661\u0662"}]"#,  // nor Arabic-Indic digits
        #"[{"p":"x","v":"-nan"}]"#,
        #"[{"p":"x","v":1},{"p":"x","v":2}]"#,  // same path twice: same (path, t)
        #"{"p":"x","v":1}"#,  // an object instead of a list
        #"[["x",1]]"#,
        #""abc""#,
        #"[{"p":5,"v":1}]"#,  // a path that is not a string
        #"[{"v":1}]"#,
        #"[{"p":"x"}]"#,
        #"[{"p":"x","v":1}"#,
    ])
    func databaseErrors(body: String) async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let answer = try await write("POST", body, backend: backend, http: http, setup: setup)
            #expect(answer.status == 500)
            #expect(answer.body == "Internal Server Error")
            #expect(answer.contentType == "text/plain; charset=utf-8")
            #expect(await backend.receivedValues().isEmpty)
        }
    }

    @Test("Python's float() forms that PostgreSQL reads too are stored", arguments: [
        ("5.", 5.0), (".5", 0.5), ("+1e3", 1000.0), ("INF", Double.infinity), ("-Infinity", -Double.infinity), ("\n 42\t", 42.0), ("1E-2", 0.01),
    ])
    func acceptedStrings(text: String, value: Double) async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let escaped = text.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
            let answer = try await write("POST", #"[{"p":"x","v":"\#(escaped)"}]"#, backend: backend, http: http, setup: setup)
            #expect(answer.status == 204)
            #expect(await backend.receivedValues().map(\.value) == [value])
        }
    }

    @Test("deeply nested bodies are refused without harm")
    func nesting() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
            let answer = try await write("POST", #"[{"p":"x","v":\#(deep)}]"#, backend: backend, http: http, setup: setup)
            #expect(answer.status == 400)
            let tooDeep = String(repeating: "[", count: 100_000)
            #expect(try await write("POST", tooDeep, backend: backend, http: http, setup: setup).status == 500)
            #expect(try await http.get(backend, "/status/info", token: nil).status == 200)
        }
    }

    @Test("PUT rules: t required, its string form, its range; empty bodies")
    func putRules() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            func put(_ body: String) async throws -> HTTPAnswer {
                try await write("PUT", body, backend: backend, http: http, setup: setup)
            }
            #expect(try await put(#"[{"p":"a","v":1}]"#).status == 500)
            #expect(try await put(#"[{"p":"a","v":1,"t":true}]"#).status == 500)
            #expect(try await put(#"[{"p":"a","v":1,"t":10000000000}]"#).status == 500)
            #expect(try await put(#"[{"p":"a","v":1,"t":null}]"#).body == "Input validation failed: Invalid Timestamp format: None")
            #expect(try await put(#"[{"p":"a","v":1,"t":"01700000000"}]"#).status == 400)
            #expect(try await put(#"[{"p":"a","v":1,"t":"1700000000.1234567"}]"#).status == 400)
            #expect(try await put("[]").status == 204)
            #expect(try await put("{}").status == 204)
            #expect(try await put(#""""#).status == 204)
            #expect(try await put("null").status == 500)
            // The path is checked before t, t before v.
            #expect(try await put(#"[{"p":"a b","v":"x"}]"#).body == "Input validation failed: Invalid PathInputValue format: a b")
            #expect(try await put(#"[{"p":"a","t":"x","v":"x"}]"#).body == "Input validation failed: Invalid Timestamp format: x")
            #expect(try await put(#"[{"p":"a","v":" 7 ","t":"1700000000.000001"}]"#).status == 204)
            let stored = await backend.receivedValues()
            #expect(stored.map(\.value) == [7])
            #expect(stored.map(\.time) == [1_700_000_000.000001])
        }
    }

    @Test("POST rules: no t, the query form, Missing data, the Content-Type hint")
    func postRules() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            func post(_ body: String, contentType: String? = "application/json", query: String = "") async throws -> HTTPAnswer {
                try await write("POST", body, backend: backend, http: http, setup: setup, contentType: contentType, query: query)
            }
            let withT = try await post(#"[{"p":"a","v":1},{"p":"b","v":1,"t":"5"}]"#)
            #expect(withT.body == #"{"detail":"Parameter 't' shouldn't be specified with POST"}"#)
            #expect(try await post(#"[{"p":"a","v":1,"t":0}]"#).status == 204)
            #expect(try await post("[]").body == #"{"detail":"Missing data"}"#)
            #expect(try await post("0").body == #"{"detail":"Missing data"}"#)
            #expect(try await post("[]", query: "?p=q.form&v=7").status == 204)
            #expect(try await post("[]", query: "?p=q.form&v=7&t=5").body == #"{"detail":"Query parameter 't' shouldn't be specified with POST"}"#)
            #expect(try await post("[]", query: "?p=q.form").body == "Input validation failed: Invalid MeasuredValue format: None")
            let hint = " - maybe Content-Type header was not set to application/json?"
            #expect(try await post(#"[{"p":"a","v":"bad"}]"#, contentType: nil).body.hasSuffix(hint))
            #expect(try await post(#"[{"p":"a","v":"bad"}]"#, contentType: "application/json; charset=utf-8").body.hasSuffix(hint))
            #expect(try await post(#"[{"p":"a b","v":1}]"#, contentType: nil).body == "Input validation failed: Invalid PathInputValue format: a b" + hint)
            #expect(try await post(#"[{"p":"nan","v":"NaN"},{"p":"inf","v":"-Infinity"},{"p":"e","v":"1e3"}]"#).status == 204)
            let values = await backend.receivedValues()
            #expect(values.map(\.path) == ["a", "q.form", "nan", "inf", "e"])
            #expect(values[1].value == 7)
            #expect(values[2].value.isNaN)
            #expect(values[3].value == -.infinity)
            #expect(values[4].value == 1000)
        }
    }

    @Test("paths: escapes, no length limit for compressible paths, the index limit for long varied ones")
    func paths() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            func post(_ path: String) async throws -> Int {
                try await write("POST", #"[{"p":"\#(path)","v":1}]"#, backend: backend, http: http, setup: setup).status
            }
            #expect(try await post("ping.192%2e0%2e2%2e1.rtt") == 204)
            #expect(try await post("ping.2001%3adb8%3a%3a1.rtt") == 204)
            #expect(try await post("system") == 204)
            #expect(try await post(String(repeating: "q", count: 100_000)) == 204)
            var generator = SplitMix(seed: 7)
            let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
            let varied = String((0..<3000).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            #expect(try await post(String(varied.prefix(2000))) == 204)
            #expect(try await post(varied) == 500)
        }
    }

    @Test("a batch of 500 distinct paths is fine; 100,000 values over concurrent connections all arrive")
    func volume() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let batch = "[" + (0..<500).map { #"{"p":"x.many.m\#($0)","v":\#($0)}"# }.joined(separator: ",") + "]"
            #expect(try await write("POST", batch, backend: backend, http: http, setup: setup).status == 204)
            await backend.resetRecords()

            let batches = 100
            let perBatch = 1000
            try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var accepted = 0
                        for batchIndex in stride(from: worker, to: batches, by: 4) {
                            let body = "[" + (0..<perBatch).map { #"{"p":"bench.b\#(batchIndex).i\#($0)","v":\#($0)}"# }.joined(separator: ",") + "]"
                            let answer = try await self.write("POST", body, backend: backend, http: http, setup: setup)
                            if answer.status == 204 { accepted += 1 }
                        }
                        return accepted
                    }
                }
                var accepted = 0
                for try await count in group { accepted += count }
                #expect(accepted == batches)
            }
            let all = try await backend.waitForValues(count: batches * perBatch, account: setup.account, timeout: .seconds(60))
            #expect(all.count == batches * perBatch)

            // Counting only: nothing more is kept, but counts and waiting still work.
            await backend.setRecordsValues(false)
            let more = try await write("POST", batch, backend: backend, http: http, setup: setup)
            #expect(more.status == 204)
            _ = try await backend.waitForValues(count: batches * perBatch + 500, timeout: .seconds(60))
            #expect(await backend.valueCount(account: setup.account) == batches * perBatch + 500)
            #expect(await backend.receivedValues().count == batches * perBatch)
        }
    }

    @Test("waitForValues wakes on arrival and times out with a clear error")
    func waiting() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            await #expect {
                _ = try await backend.waitForValues(count: 1, timeout: .milliseconds(50))
            } throws: { error in
                let error = error as? GrafoleanTestBackendError
                return error?.code == .timedOut && error?.message.contains("received 0") == true
            }
            try await withThrowingTaskGroup(of: [ReceivedValue].self) { group in
                group.addTask { try await backend.waitForValues(count: 3, account: setup.account, timeout: .seconds(60)) }
                for index in 0..<3 {
                    let answer = try await self.write("POST", #"[{"p":"w\#(index)","v":1}]"#, backend: backend, http: http, setup: setup)
                    #expect(answer.status == 204)
                }
                let values = try await group.next()
                #expect(values?.map(\.path) == ["w0", "w1", "w2"])
            }
            // Cancelling a waiter ends it with CancellationError.
            let waiter = Task { try await backend.waitForValues(count: 100, timeout: .seconds(60)) }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        }
    }
}
