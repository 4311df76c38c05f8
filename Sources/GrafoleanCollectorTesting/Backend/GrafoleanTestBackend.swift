import Foundation
import Logging

/// An in-process fake of the Grafolean backend on a real loopback port, for end-to-end tests of bots.
///
/// It answers everything a bot touches the way the real backend does (status codes, bodies and
/// content types as measured against Grafolean): `status/info`, the profile, accounts, entities,
/// credentials and sensors, and writing values, with the same authentication, permission model
/// and validation. Seed it with accounts, bots and entities, point a bot at ``baseURL``, then read
/// back what the bot wrote (``receivedValues(account:)``) or did (``requests()``). Faults can be
/// injected: an outage (``goDown()``), failing or slow answers, a database that is down.
///
/// ```swift
/// let backend = try await GrafoleanTestBackend.start()
/// let account = await backend.addAccount(name: "Test")
/// let bot = await backend.addBot(name: "Ping", protocol: "ping", account: account)
/// // ... run the bot against backend.baseURL with bot.token ...
/// let values = try await backend.waitForValues(count: 3, account: account)
/// try await backend.shutdown()
/// ```
public final class GrafoleanTestBackend: Sendable {
    let core: BackendCore
    private let listener: ListenerController

    /// The port the backend listens on (kept across ``goDown()`` and ``comeBack()``).
    public let port: Int

    /// The base URL a bot is configured with: `http://127.0.0.1:<port>/api`.
    public var baseURL: String { "http://127.0.0.1:\(port)/api" }

    private init(core: BackendCore, listener: ListenerController, port: Int) {
        self.core = core
        self.listener = listener
        self.port = port
    }

    /// Starts a backend listening on 127.0.0.1.
    ///
    /// - Parameters:
    ///   - port: The port to listen on; 0 picks a free one.
    ///   - logger: Where to log requests (at `debug`); nothing is logged when nil.
    ///   - now: The backend's clock: POSTed values are stamped with it, and bots' "last login" and
    ///     "insert time" come from it. Inject a manual clock for deterministic tests.
    /// - Throws: ``GrafoleanTestBackendError`` with code `listenFailed` when the port cannot be opened.
    public static func start(
        port: Int = 0,
        logger: Logger? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> GrafoleanTestBackend {
        let logger = logger ?? Logger(label: "GrafoleanTestBackend", factory: { _ in SwiftLogNoOpLogHandler() })
        let core = BackendCore(now: now, logger: logger)
        let listener = ListenerController(core: core, port: port, logger: logger)
        try await listener.start()
        return GrafoleanTestBackend(core: core, listener: listener, port: await listener.port)
    }

    /// Starts a backend, runs `body` with it and shuts it down, also when `body` throws.
    public static func withRunning<Result: Sendable>(
        port: Int = 0,
        logger: Logger? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: (GrafoleanTestBackend) async throws -> Result
    ) async throws -> Result {
        let backend = try await start(port: port, logger: logger, now: now)
        do {
            let result = try await body(backend)
            try await backend.shutdown()
            return result
        } catch {
            try? await backend.shutdown()
            throw error
        }
    }

    /// Stops listening for good and closes every connection. Waits until the server has stopped.
    public func shutdown() async throws {
        await listener.finish()
    }

    // MARK: Faults

    /// Closes the listener and drops every open connection: new connections are refused
    /// (`ECONNREFUSED`), as when the backend is down. Seeded state and received values are kept.
    public func goDown() async throws {
        await listener.stop()
    }

    /// Listens again on the same port after ``goDown()``.
    ///
    /// - Throws: ``GrafoleanTestBackendError`` (`listenFailed` when the port was taken meanwhile,
    ///   `notRunning` after ``shutdown()``).
    public func comeBack() async throws {
        try await listener.start()
    }

    /// Whether the backend is listening (not down and not shut down).
    public var isListening: Bool {
        get async { await listener.isListening }
    }

    /// Answers the next `count` requests, whatever they are, with `status` (500: `Internal Server
    /// Error` as from an unhandled exception; 401 and 403 with the backend's bodies; other codes
    /// with their reason phrase). Nothing else happens for them: no login, no values stored.
    public func failNextRequests(_ count: Int, status: Int = 500) async {
        core.state.withLock { state in
            state.failuresRemaining = max(0, count)
            state.failureStatus = status
        }
    }

    /// Delays every answer by `latency` (after the request is processed: a client that gives up
    /// early may still have had its values stored). `.zero` removes the delay.
    public func setLatency(_ latency: Duration) async {
        core.state.withLock { $0.latency = max(.zero, latency) }
    }

    /// Sets the backend's health (see ``Readiness``).
    public func setReadiness(_ readiness: Readiness) async {
        core.state.withLock { $0.readiness = readiness }
    }

    // MARK: Reading back

    /// The values accepted so far, in arrival order (one account's, or all), including values a
    /// later PUT overwrote.
    public func receivedValues(account: Int? = nil) async -> [ReceivedValue] {
        core.state.withLock { state in
            guard let account else { return state.values }
            return state.values.filter { $0.account == account }
        }
    }

    /// How many values were accepted (for `account`, or in all), also while not recording them.
    public func valueCount(account: Int? = nil) async -> Int {
        core.state.withLock { $0.valueCount(account: account) }
    }

    /// Whether accepted values are kept for ``receivedValues(account:)`` (the default) or only
    /// counted, for long benchmarks that would otherwise hold millions of copies.
    /// ``waitForValues(count:account:timeout:)`` works either way (it then returns what was kept).
    public func setRecordsValues(_ records: Bool) async {
        core.state.withLock { $0.recordsValues = records }
    }

    /// The stored series of one path: one value per timestamp (a later write of the same
    /// timestamp replaces the earlier one, as in the backend's database), in time order.
    public func storedValues(account: Int, path: String) async -> [ReceivedValue] {
        let received = core.state.withLock { state in state.values.filter { $0.account == account && $0.path == path } }
        var latest: [Double: ReceivedValue] = [:]
        for value in received { latest[value.time] = value }
        return latest.values.sorted { $0.time < $1.time }
    }

    /// Waits until at least `count` values have been accepted (for `account`, or in all), then
    /// returns the received values as ``receivedValues(account:)`` does. Wakes on arrival, without polling.
    ///
    /// - Throws: ``GrafoleanTestBackendError`` with code `timedOut` after `timeout`;
    ///   `CancellationError` when the waiting task is cancelled.
    public func waitForValues(count: Int, account: Int? = nil, timeout: Duration = .seconds(10)) async throws -> [ReceivedValue] {
        let core = self.core
        let reached = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await core.waitForValueCount(count, account: account)
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard reached else {
            let got = core.state.withLock { $0.valueCount(account: account) }
            throw GrafoleanTestBackendError(
                code: .timedOut,
                message: "waited \(timeout) for \(count) values\(account.map { " in account \($0)" } ?? ""), received \(got)"
            )
        }
        return await receivedValues(account: account)
    }

    /// The requests answered so far (the most recent 100,000), oldest first, tokens redacted.
    public func requests() async -> [RecordedRequest] {
        core.state.withLock { $0.requestLog.all }
    }

    /// Forgets the received values and the request log (seeded state stays).
    public func resetRecords() async {
        core.state.withLock { state in
            state.values.removeAll()
            state.valueCounts.removeAll()
            state.totalValueCount = 0
            state.requestLog.removeAll()
        }
    }

    /// A bot's "last successful login" (UNIX seconds, as the backend's clock read it), nil before
    /// its first authenticated request or for an unknown bot.
    public func lastLogin(bot: Int) async -> Double? {
        core.state.withLock { $0.bots[bot]?.lastLogin }
    }
}

extension BackendCore {
    /// Suspends until `count` values have arrived; resumed by ``BackendState/append(_:)``.
    func waitForValueCount(_ count: Int, account: Int?) async throws {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        defer { _ = state.withLock { $0.cancelledWaiters.remove(id) } }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                state.withLock { state in
                    if state.cancelledWaiters.remove(id) != nil {
                        continuation.resume(throwing: CancellationError())
                    } else if state.valueCount(account: account) >= count {
                        continuation.resume()
                    } else {
                        state.waiters[id] = .init(count: count, account: account, continuation: continuation)
                    }
                }
            }
        } onCancel: {
            state.withLock { state in
                if let waiter = state.waiters.removeValue(forKey: id) {
                    waiter.continuation.resume(throwing: CancellationError())
                } else {
                    state.cancelledWaiters.insert(id)
                }
            }
        }
    }
}
