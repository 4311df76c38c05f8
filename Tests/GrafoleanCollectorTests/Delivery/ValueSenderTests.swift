import Foundation
import GrafoleanCollectorTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@testable import GrafoleanCollector

@Suite("The sender delivers values without losing them")
struct ValueSenderTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000.25)

    /// Runs a sender over `transport` for the duration of `body`, then stops it.
    func withSender<T: Sendable>(
        _ transport: any ValueTransport,
        configuration: ValueSender.Configuration = .init(initialRetryDelay: .milliseconds(20), maximumRetryDelay: .milliseconds(100), retryJitter: 0),
        logger: Logger = Logger(label: "test.sender"),
        _ body: @Sendable (ValueSender) async throws -> T
    ) async throws -> T {
        try await ValueSender(transport: transport, configuration: configuration, logger: logger).withRunning(body)
    }

    func values(_ count: Int, prefix: String = "x", time: Date = Date()) -> [MeasuredValue] {
        (0..<count).map { MeasuredValue(path: "\(prefix).v\($0)", value: Double($0), time: time) }
    }

    @Test func freshValuesGoByPostInBoundedBatches() async throws {
        try await withBackend { fixture in
            // Batching only: a generous freshness limit, so a slow machine cannot turn a batch into a PUT.
            try await withSender(fixture.client, configuration: .init(maximumBatchSize: 500, freshnessLimit: .seconds(600))) { sender in
                let submission = await sender.send(values(1_200), account: fixture.account)
                #expect(submission.accepted == 1_200)
                #expect(await sender.flush(timeout: .seconds(60)) == 0)
            }
            let received = await fixture.backend.receivedValues(account: fixture.account)
            #expect(received.count == 1_200)
            #expect(Set(received.map(\.path)).count == 1_200)
            #expect(received.allSatisfy { $0.method == "POST" })
            let posts = await fixture.backend.requests().filter { $0.method == "POST" }
            #expect(posts.count == 3)
        }
    }

    @Test func invalidValuesAreDroppedAloneCountedAndLogged() async throws {
        let logs = LogCapture()
        try await withBackend { fixture in
            let now = Date()
            let statistics = try await withSender(fixture.client, logger: logs.logger) { sender in
                let submission = await sender.send(
                    [
                        MeasuredValue(path: "good.one", value: 1, time: now),
                        MeasuredValue(path: "bad path", value: 2, time: now),
                        MeasuredValue(path: "system.cpu", value: 3, time: now),
                        MeasuredValue(path: "good.nan", value: .nan, time: now),
                        MeasuredValue(path: "good.inf", value: .infinity, time: now),
                        MeasuredValue(path: "good.two", value: 1e300, time: now),
                    ], account: fixture.account)
                #expect(submission.accepted == 2)
                #expect(submission.rejected.map(\.value.path) == ["bad path", "system.cpu", "good.nan", "good.inf"])
                await sender.flush(timeout: .seconds(60))
                return await sender.statistics
            }
            #expect(statistics.rejected == 4)
            #expect(statistics.delivered == 2)
            #expect(Set(await fixture.backend.receivedValues().map(\.path)) == ["good.one", "good.two"])
            let warnings = logs.lines(.warning)
            #expect(warnings.contains { $0.contains("bad path") && $0.contains("invalid character") })
            #expect(warnings.contains { $0.contains("good.nan") && $0.contains("finite") })
        }
    }

    @Test func duplicatePaths() async throws {
        try await withBackend { fixture in
            try await withSender(fixture.client) { sender in
                let now = Date()
                // Within one call the last value of a path wins.
                let submission = await sender.send(
                    [MeasuredValue(path: "d.a", value: 1, time: now), MeasuredValue(path: "d.a", value: 2, time: now)], account: fixture.account)
                #expect(submission.accepted == 1)
                #expect(submission.rejected.first?.reason.contains("superseded") == true)
                // Across calls both arrive, in separate requests (the backend fails a batch that repeats a path).
                await sender.send([MeasuredValue(path: "d.b", value: 1, time: now)], account: fixture.account)
                await sender.send([MeasuredValue(path: "d.b", value: 2, time: now)], account: fixture.account)
                await sender.flush(timeout: .seconds(60))
            }
            let received = await fixture.backend.receivedValues()
            #expect(received.filter { $0.path == "d.a" }.map(\.value) == [2])
            #expect(received.filter { $0.path == "d.b" }.map(\.value).sorted() == [1, 2])
        }
    }

    /// The outage test: the backend goes away for a while and comes back; every accepted value
    /// arrives exactly once, with its measured time.
    @Test func outageLosesNothingAndKeepsMeasuredTimes() async throws {
        try await withBackend(requestTimeout: .seconds(2), connectTimeout: .milliseconds(200)) { fixture in
            let statistics = try await withSender(fixture.client) { sender in
                await sender.send(values(10, prefix: "before", time: Date()), account: fixture.account)
                await sender.flush(timeout: .seconds(60))
                try await fixture.backend.goDown()
                var measured: [MeasuredValue] = []
                for second in 0..<30 {
                    let batch = (0..<20).map { MeasuredValue(path: "outage.p\($0)", value: Double(second), time: Self.t0.addingTimeInterval(Double(second))) }
                    measured += batch
                    await sender.send(batch, account: fixture.account)
                }
                // Down long enough for delivery to fail a few times (a refused connection surfaces
                // after the connect timeout: the HTTP client keeps trying until then).
                try await eventually("two deliveries failed") { await sender.statistics.failedRequests >= 2 }
                #expect(await sender.statistics.buffered == 600)
                try await fixture.backend.comeBack()
                #expect(await sender.flush(timeout: .seconds(60)) == 0)
                return await sender.statistics
            }
            #expect(statistics.delivered == 610)
            #expect(statistics.dropped == 0)
            #expect(statistics.failedRequests >= 2)
            let outage = await fixture.backend.receivedValues().filter { $0.path.hasPrefix("outage.") }
            #expect(outage.count == 600)
            #expect(outage.allSatisfy { $0.method == "PUT" })
            let keys = Set(outage.map { "\($0.path)@\($0.time)" })
            #expect(keys.count == 600)
            for value in outage {
                #expect(abs(value.time - (Self.t0.timeIntervalSince1970 + value.value)) < 1e-6)
            }
        }
    }

    @Test func serverErrorsAreRetried() async throws {
        try await withBackend { fixture in
            await fixture.backend.failNextRequests(3, status: 500)
            try await withSender(fixture.client) { sender in
                await sender.send(values(5), account: fixture.account)
                #expect(await sender.flush(timeout: .seconds(60)) == 0)
                #expect(await sender.statistics.failedRequests == 3)
            }
            let received = await fixture.backend.receivedValues()
            #expect(received.count == 5)
            #expect(received.allSatisfy { $0.method == "PUT" })
        }
    }

    @Test func fullBufferDropsTheOldestAndCountsThem() async throws {
        let logs = LogCapture()
        try await withBackend(connectTimeout: .milliseconds(200)) { fixture in
            try await fixture.backend.goDown()
            let statistics = try await withSender(
                fixture.client, configuration: .init(maximumBufferedValuesPerAccount: 10, initialRetryDelay: .milliseconds(20), maximumRetryDelay: .milliseconds(50), retryJitter: 0),
                logger: logs.logger
            ) { sender in
                for index in 0..<15 {
                    await sender.send([MeasuredValue(path: "b.v\(index)", value: Double(index), time: Date())], account: fixture.account)
                }
                try await fixture.backend.comeBack()
                #expect(await sender.flush(timeout: .seconds(60)) == 0)
                return await sender.statistics
            }
            #expect(statistics.dropped == 5)
            #expect(Set(await fixture.backend.receivedValues().map(\.path)) == Set((5..<15).map { "b.v\($0)" }))
            #expect(logs.lines(.error).contains { $0.contains("buffer full") })
        }
    }

    /// A transport that corrupts values named `poison.*` on the wire, so that the real backend
    /// rejects their batch with 400 — standing in for a backend whose rules are stricter than ours.
    struct PoisoningTransport: ValueTransport {
        let client: GrafoleanClient
        func corrupt(_ values: [MeasuredValue]) -> [MeasuredValue] {
            values.map { $0.path.hasPrefix("poison.") ? MeasuredValue(path: $0.path.replacingOccurrences(of: ".", with: " "), value: $0.value, time: $0.time) : $0 }
        }
        func deliver(_ values: [MeasuredValue], account: Int, timestamps: ValueTimestamps) async -> DeliveryOutcome {
            await client.deliver(corrupt(values), account: account, timestamps: timestamps)
        }
    }

    @Test func rejectedBatchIsSplitSoTheGoodValuesLand() async throws {
        try await withBackend { fixture in
            let statistics = try await withSender(PoisoningTransport(client: fixture.client)) { sender in
                var batch = values(40, prefix: "fine")
                batch.insert(MeasuredValue(path: "poison.a", value: 1, time: Date()), at: 7)
                batch.insert(MeasuredValue(path: "poison.b", value: 1, time: Date()), at: 30)
                await sender.send(batch, account: fixture.account)
                #expect(await sender.flush(timeout: .seconds(60)) == 0)
                return await sender.statistics
            }
            #expect(statistics.rejected == 2)
            #expect(statistics.delivered == 40)
            #expect(Set(await fixture.backend.receivedValues().map(\.path)) == Set((0..<40).map { "fine.v\($0)" }))
        }
    }

    @Test func forbiddenPutFallsBackToPost() async throws {
        let logs = LogCapture()
        try await withBackend { fixture in
            let bot = await fixture.backend.addBot(
                name: "post only", protocol: "ping", account: fixture.account,
                permissions: .custom([.init(resourcePrefix: "accounts/\(fixture.account)/values", methods: ["POST"])]))
            await fixture.backend.failNextRequests(1, status: 500)
            try await fixture.withClient(token: bot.token) { client in
                try await withSender(client, logger: logs.logger) { sender in
                    await sender.send(values(3), account: fixture.account)
                    #expect(await sender.flush(timeout: .seconds(60)) == 0)
                }
            }
            let received = await fixture.backend.receivedValues()
            #expect(received.count == 3)
            #expect(received.allSatisfy { $0.method == "POST" })
            #expect(logs.lines(.warning).contains { $0.contains("PUT on accounts/\(fixture.account)/values") })
        }
    }

    @Test func staleValuesGoByPutWithTheirTime() async throws {
        try await withBackend { fixture in
            // A freshness limit a busy machine cannot overrun while the stale value goes out first.
            let configuration = ValueSender.Configuration(initialRetryDelay: .milliseconds(20), maximumRetryDelay: .milliseconds(100), retryJitter: 0, freshnessLimit: .seconds(60))
            try await withSender(fixture.client, configuration: configuration) { sender in
                await sender.send([MeasuredValue(path: "old.v", value: 1, time: Self.t0)], account: fixture.account)
                await sender.send([MeasuredValue(path: "new.v", value: 1, time: Date())], account: fixture.account)
                await sender.flush(timeout: .seconds(60))
            }
            let received = await fixture.backend.receivedValues()
            #expect(received.first { $0.path == "old.v" }?.method == "PUT")
            #expect(received.first { $0.path == "old.v" }?.time == Self.t0.timeIntervalSince1970)
            #expect(received.first { $0.path == "new.v" }?.method == "POST")
        }
    }

    @Test func gracefulShutdownFlushesThenGivesUpCountingTheRest() async throws {
        try await withBackend(connectTimeout: .milliseconds(200)) { fixture in
            let sender = ValueSender(
                transport: fixture.client,
                configuration: .init(initialRetryDelay: .milliseconds(20), maximumRetryDelay: .milliseconds(50), retryJitter: 0, shutdownTimeout: .milliseconds(300)))
            await sender.send(values(5, prefix: "delivered"), account: fixture.account)
            let group = ServiceGroup(configuration: .init(services: [sender], logger: Logger(label: "test")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(await sender.flush(timeout: .seconds(60)) == 0)
                try await fixture.backend.goDown()
                await sender.send(values(4, prefix: "lost"), account: fixture.account)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let statistics = await sender.statistics
            #expect(statistics.delivered == 5)
            #expect(statistics.dropped == 4)
            #expect(statistics.buffered == 0)
            try await fixture.backend.comeBack()
        }
    }

    @Test func backoffDoublesUpToTheCapWithJitterBelowIt() {
        let delivery = AccountDelivery(configuration: .init(initialRetryDelay: .seconds(1), maximumRetryDelay: .seconds(60), retryJitter: 0))
        #expect((1...8).map { delivery.retryDelay(afterFailures: $0, random: 0.7) } == [1, 2, 4, 8, 16, 32, 60, 60])
        let jittered = AccountDelivery(configuration: .init(initialRetryDelay: .seconds(1), maximumRetryDelay: .seconds(60), retryJitter: 0.5))
        for _ in 0..<100 {
            let delay = jittered.retryDelay(afterFailures: 4, random: Double.random(in: 0...1))
            #expect(delay >= 4 && delay <= 8)
        }
    }

    @Test func wireFormat() {
        let values = [MeasuredValue(path: "a.b", value: 1.5, time: Date(timeIntervalSince1970: 1_700_000_001.123456)),
                      MeasuredValue(path: "a.c", value: 3, time: Date(timeIntervalSince1970: 1_700_000_000))]
        #expect(String(buffer: GrafoleanClient.encode(values, withTime: false)) == #"[{"p":"a.b","v":1.5},{"p":"a.c","v":3}]"#)
        #expect(String(buffer: GrafoleanClient.encode(values, withTime: true)) == #"[{"p":"a.b","v":1.5,"t":1700000001.123456},{"p":"a.c","v":3,"t":1700000000}]"#)
    }
}
