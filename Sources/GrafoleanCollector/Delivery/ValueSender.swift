import DequeModule
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Delivers measured values to the backend without losing them when it hiccups.
///
/// One sender serves a whole bot; every job hands it values with ``send(_:account:)``, which checks
/// and queues them and returns at once. ``run()`` (a swift-service-lifecycle `Service`) delivers them
/// through a ``ValueTransport``; each account's queue is an ``AccountDelivery`` state machine:
///
/// - each value is checked with the backend's own rules first; a bad one is dropped alone (logged
///   with path and reason, counted), because the backend would reject its whole batch;
/// - values go out per account in batches of at most ``Configuration/maximumBatchSize``, by POST
///   (so that Grafolean's alerts fire) only when they leave within ``Configuration/freshnessLimit``
///   (1 s) of their measurement; anything that waited longer goes by PUT with its measured time, so
///   no value is ever stamped with its arrival time after an outage or a long queue;
/// - after a transient failure (unreachable, timeout, 5xx, 429) the values stay in a bounded
///   per-account buffer and are retried with exponential backoff and jitter, by PUT (by POST, with
///   a warning, if the bot may not PUT); a full buffer drops its oldest values, counted and logged;
/// - a batch the backend rejects (400) is split until the offending values are isolated, so the
///   good ones still land.
///
/// Duplicate paths: the backend fails a whole POST that names a path twice. Within one `send` call
/// the last value of a path wins (earlier ones are dropped and counted as superseded); values of
/// the same path from different calls are never put in one request, so both arrive.
///
/// A POST whose answer is lost (a timeout after the backend stored it) is re-sent by PUT and may
/// then appear twice, at its arrival and at its measured time; nothing is lost.
public actor ValueSender: Service, ValueSink {
    let transport: any ValueTransport
    let configuration: Configuration
    let clock: any CollectorClock
    let logger: Logger
    private var accounts: [Int: AccountDelivery] = [:]
    private var loopWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var newAccounts: AsyncStream<Int>.Continuation?
    private var idleWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiterID = 0
    private var statisticsCounts = Statistics()
    private var shuttingDown = false
    private let metrics = SenderMetrics()

    /// Creates a sender that delivers through `transport` (usually a ``GrafoleanClient``).
    public init(
        transport: any ValueTransport,
        configuration: Configuration = Configuration(),
        clock: any CollectorClock = SystemClock(),
        logger: Logger = Logger(label: "grafolean.sender")
    ) {
        self.transport = transport
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Counts of delivered, rejected, dropped and buffered values.
    public var statistics: Statistics {
        var statistics = statisticsCounts
        statistics.buffered = accounts.values.reduce(0) { $0 + $1.count }
        return statistics
    }

    /// Checks `values` and queues the good ones for delivery to `account`; returns at once.
    ///
    /// A value with an invalid path or a non-finite number is dropped, logged and counted, and
    /// listed in the result; the others are queued.
    @discardableResult
    public func send(_ values: [MeasuredValue], account: Int) -> ValueSubmission {
        var accepted: [MeasuredValue] = []
        accepted.reserveCapacity(values.count)
        var rejected: [RejectedValue] = []
        var indexByPath: [String: Int] = [:]
        for value in values {
            if let problem = Self.problem(with: value) {
                rejected.append(RejectedValue(value: value, reason: problem))
                continue
            }
            if let earlier = indexByPath[value.path] {
                rejected.append(RejectedValue(value: accepted[earlier], reason: "superseded by a later value of the same path in the same batch"))
                accepted[earlier] = value
            } else {
                indexByPath[value.path] = accepted.count
                accepted.append(value)
            }
        }
        for rejection in rejected {
            let superseded = rejection.reason.hasPrefix("superseded")
            logger.warning(
                superseded ? "dropping a duplicate value" : "dropping an invalid value",
                metadata: ["account": "\(account)", "path": "\(rejection.value.path.prefix(200))", "value": "\(rejection.value.value)", "reason": "\(rejection.reason)"])
            if superseded {
                statisticsCounts.dropped += 1
                statisticsCounts.droppedByReason["duplicate", default: 0] += 1
                metrics.dropped(reason: "duplicate")
            } else {
                statisticsCounts.rejected += 1
                metrics.rejected(reason: "invalid")
            }
        }
        if !accepted.isEmpty {
            enqueue(accepted, account: account)
        }
        return ValueSubmission(accepted: accepted.count, rejected: rejected)
    }

    /// Queues values measured now, given as path → number.
    @discardableResult
    public func send(_ values: [String: Double], account: Int, time: Date? = nil) -> ValueSubmission {
        let time = time ?? clock.now
        return send(values.sorted { $0.key < $1.key }.map { MeasuredValue(path: $0.key, value: $0.value, time: time) }, account: account)
    }

    /// Waits until every value queued so far has been delivered or given up, or `timeout` passed.
    ///
    /// Returns at once when the calling task is cancelled.
    ///
    /// - Returns: the number of values still waiting (0 when everything went out).
    @discardableResult
    public func flush(timeout: Duration) async -> Int {
        guard !isIdle else { return 0 }
        let deadline = clock.now.addingTimeInterval(timeout.inSeconds)
        let id = nextWaiterID
        nextWaiterID += 1
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [clock] in
                // The deadline (or cancellation, which ends the sleep at once) releases the waiter.
                try? await clock.sleep(until: deadline)
                await self.resumeIdleWaiter(id)
            }
            // Registered synchronously on the actor, so no wake-up can slip in between check and wait.
            await withCheckedContinuation { continuation in
                if isIdle {
                    continuation.resume()
                } else {
                    idleWaiters[id] = continuation
                }
            }
            group.cancelAll()
        }
        return statistics.buffered
    }

    /// Delivers values until a graceful shutdown or cancellation; then keeps delivering for up to
    /// ``Configuration/shutdownTimeout`` and counts what is left as dropped.
    public func run() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        newAccounts = continuation
        for account in accounts.keys.sorted() { continuation.yield(account) }
        let shutdownTimeout = configuration.shutdownTimeout
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withDiscardingTaskGroup { loops in
                    for await account in stream {
                        loops.addTask { await self.deliverLoop(account: account) }
                    }
                }
            }
            group.addTask {
                // Returns on graceful shutdown, throws on cancellation: either way, wind down.
                try? await gracefulShutdown()
                await self.beginShutdown()
                await self.flush(timeout: shutdownTimeout)
            }
            await group.next()
            group.cancelAll()
        }
        let left = statistics.buffered
        if left > 0 {
            logger.error("shut down with \(left) values undelivered; they are lost", metadata: ["dropped": "\(left)"])
            statisticsCounts.dropped += left
            statisticsCounts.droppedByReason["shutdown", default: 0] += left
            metrics.dropped(reason: "shutdown", count: left)
            for account in accounts.keys { _ = accounts[account]!.removeAll() }
            metrics.buffered(0)
        }
        resumeIdleWaiters()
        let final = statistics
        logger.info("delivery stopped", metadata: ["delivered": "\(final.delivered)", "dropped": "\(final.dropped)"])
    }

    // MARK: - Queueing

    private func enqueue(_ values: [MeasuredValue], account: Int) {
        if accounts[account] == nil {
            accounts[account] = AccountDelivery(configuration: configuration)
            newAccounts?.yield(account)
        }
        let dropped = accounts[account]!.enqueue(values)
        if dropped > 0 { droppedForSpace(dropped, account: account) }
        metrics.buffered(statisticsBuffered)
        loopWaiters.removeValue(forKey: account)?.resume()
    }

    private var statisticsBuffered: Int { accounts.values.reduce(0) { $0 + $1.waiting } }

    private func droppedForSpace(_ count: Int, account: Int) {
        statisticsCounts.dropped += count
        statisticsCounts.droppedByReason["buffer_full", default: 0] += count
        metrics.dropped(reason: "buffer_full", count: count)
        logger.error(
            "buffer full: dropped the \(count) oldest values of account \(account); the backend has been unreachable too long",
            metadata: ["account": "\(account)", "limit": "\(configuration.maximumBufferedValuesPerAccount)"])
    }

    private static func problem(with value: MeasuredValue) -> String? {
        if !value.value.isFinite { return "the value \(value.value) is not a finite number" }
        return ValuePath.problem(with: value.path)
    }

    // MARK: - Delivery

    private func deliverLoop(account: Int) async {
        var logger = self.logger
        logger[metadataKey: "account"] = "\(account)"
        while true {
            switch accounts[account]!.nextAction(now: clock.now) {
            case .idle:
                notifyIfIdle()
                if shuttingDown { return }
                await withCheckedContinuation { continuation in
                    loopWaiters[account] = continuation
                }
            case .wait(let retryAt):
                // Sleep in slices of at most a second: when delivery to another account works
                // again, the backend is back and this account's backoff ends early.
                do {
                    try await clock.sleep(until: min(retryAt, clock.now.addingTimeInterval(1)))
                } catch {
                    return
                }
            case .send(let batch):
                let outcome = await transport.deliver(batch.values, account: account, timestamps: batch.timestamps)
                let completion = accounts[account]!.complete(outcome, now: clock.now, random: Double.random(in: 0...1))
                record(completion, outcome: outcome, account: account, logger: logger)
                if Task.isCancelled { return }
            }
        }
    }

    private func record(_ completion: AccountDelivery.Completion, outcome: DeliveryOutcome, account: Int, logger: Logger) {
        if completion.delivered > 0 {
            statisticsCounts.delivered += completion.delivered
            statisticsCounts.resent += completion.deliveredWithMeasuredTime
            metrics.delivered(completion.delivered)
            metrics.backendReachable(true)
            statisticsCounts.backendReachable = true
            statisticsCounts.lastError = nil
            // The backend answers again: accounts that backed off for an outage retry now.
            for other in accounts.keys where other != account { accounts[other]!.endOutageBackoff() }
        }
        if let failures = completion.recoveredAfterFailures {
            logger.notice("delivering again after \(failures) failed attempts", metadata: ["buffered": "\(accounts[account]!.waiting)"])
        }
        if let rejection = completion.rejected {
            statisticsCounts.rejected += 1
            metrics.rejected(reason: "backend")
            logger.error(
                "the backend rejected a value; dropping it",
                metadata: ["path": "\(rejection.value.path.prefix(200))", "value": "\(rejection.value.value)", "reason": "\(rejection.reason)"])
        }
        if completion.learnedTimestampsNotAllowed {
            logger.warning(
                "the bot may not PUT values, so values delivered late are stamped with their arrival time instead of their measured time; grant the bot PUT on accounts/\(account)/values to keep series exact after an outage")
        }
        if completion.droppedForSpace > 0 { droppedForSpace(completion.droppedForSpace, account: account) }
        if let delay = completion.retryDelay, case .retryLater(let reason, let isOutage) = outcome {
            statisticsCounts.failedRequests += 1
            statisticsCounts.lastError = redactingBotToken("\(reason)")
            metrics.failedRequest()
            if isOutage {
                metrics.backendReachable(false)
                statisticsCounts.backendReachable = false
                logger.warning(
                    "delivery failed; keeping the values and retrying",
                    metadata: ["error": "\(reason)", "buffered": "\(accounts[account]!.waiting)", "retry_in_seconds": "\(String(format: "%.1f", delay))"])
            } else {
                logger.error(
                    "cannot deliver values: \(reason); keeping them and retrying",
                    metadata: ["buffered": "\(accounts[account]!.waiting)", "retry_in_seconds": "\(Int(delay.rounded()))"])
            }
        }
        metrics.buffered(statisticsBuffered)
    }

    // MARK: - Idle and shutdown

    private var isIdle: Bool {
        accounts.values.allSatisfy(\.isIdle)
    }

    private func notifyIfIdle() {
        if isIdle { resumeIdleWaiters() }
    }

    private func resumeIdleWaiter(_ id: Int) {
        idleWaiters.removeValue(forKey: id)?.resume()
    }

    private func resumeIdleWaiters() {
        let waiters = idleWaiters.values
        idleWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    private func beginShutdown() {
        shuttingDown = true
        newAccounts?.finish()
        for waiter in loopWaiters.values { waiter.resume() }
        loopWaiters.removeAll()
    }
}
