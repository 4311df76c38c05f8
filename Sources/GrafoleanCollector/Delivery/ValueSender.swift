import DequeModule
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Delivers measured values to the backend without losing them when it hiccups.
///
/// One sender serves a whole bot; every job hands it values with ``send(_:account:)``, which checks
/// and queues them and returns at once. ``run()`` (a swift-service-lifecycle `Service`) delivers them:
///
/// - each value is checked with the backend's own rules first; a bad one is dropped alone (logged
///   with path and reason, counted), because the backend would reject its whole batch;
/// - values go out per account in batches of at most ``Configuration/maximumBatchSize``, fresh ones
///   by POST so that Grafolean's alerts fire;
/// - after a transient failure (unreachable, timeout, 5xx, 429) the values stay in a bounded
///   per-account buffer and are retried with exponential backoff and jitter, by PUT with their
///   measured time so the series stays exact after an outage (by POST, with a warning, if the bot
///   may not PUT); a full buffer drops its oldest values, counted and logged;
/// - a batch the backend rejects (400) is split until the offending values are isolated, so the
///   good ones still land.
///
/// Duplicate paths: the backend fails a whole POST that names a path twice. Within one `send` call
/// the last value of a path wins (earlier ones are dropped and counted as superseded); values of
/// the same path from different calls are never put in one request, so both arrive.
///
/// A POST whose answer is lost (a timeout after the backend stored it) is re-sent by PUT and may
/// then appear twice, at its arrival and at its measured time; nothing is lost.
public actor ValueSender: Service {
    let transport: any ValueTransport
    let configuration: Configuration
    let clock: any CollectorClock
    let logger: Logger
    private var accounts: [Int: AccountQueue] = [:]
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
        statistics.buffered = accounts.values.reduce(0) { $0 + $1.count + $1.inFlight }
        return statistics
    }

    /// Checks `values` and queues the good ones for delivery to `account`; returns at once.
    ///
    /// A value with an invalid path or a non-finite number is dropped, logged and counted, and
    /// listed in the result; the others are queued.
    @discardableResult
    public func send(_ values: [MeasuredValue], account: Int) -> Submission {
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
                metrics.dropped(reason: "duplicate")
            } else {
                statisticsCounts.rejected += 1
                metrics.rejected(reason: "invalid")
            }
        }
        if !accepted.isEmpty {
            enqueue(accepted, account: account)
        }
        return Submission(accepted: accepted.count, rejected: rejected)
    }

    /// Queues values measured now, given as path → number.
    @discardableResult
    public func send(_ values: [String: Double], account: Int, time: Date? = nil) -> Submission {
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
            metrics.dropped(reason: "shutdown", count: left)
            for account in accounts.keys { accounts[account]!.removeAll() }
            metrics.buffered(0)
        }
        resumeIdleWaiters()
    }

    // MARK: - Queueing

    private func enqueue(_ values: [MeasuredValue], account: Int) {
        if accounts[account] == nil {
            accounts[account] = AccountQueue()
            newAccounts?.yield(account)
        }
        accounts[account]!.fresh.append(contentsOf: values)
        trimToBound(account: account)
        metrics.buffered(statisticsBuffered)
        accounts[account]!.wake()
    }

    private var statisticsBuffered: Int { accounts.values.reduce(0) { $0 + $1.count } }

    private func trimToBound(account: Int) {
        let excess = accounts[account]!.count - configuration.maximumBufferedValuesPerAccount
        guard excess > 0 else { return }
        accounts[account]!.dropOldest(excess)
        statisticsCounts.dropped += excess
        metrics.dropped(reason: "buffer_full", count: excess)
        logger.error(
            "buffer full: dropped the \(excess) oldest values of account \(account); the backend has been unreachable too long",
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
            if accounts[account]!.isEmpty {
                notifyIfIdle()
                if shuttingDown { return }
                await withCheckedContinuation { continuation in
                    accounts[account]!.waiter = continuation
                }
                continue
            }
            if let retryAt = accounts[account]!.retryAt, retryAt > clock.now {
                // Sleep in slices of at most a second: when delivery to another account works
                // again, the backend is back and this account's backoff ends early.
                do {
                    try await clock.sleep(until: min(retryAt, clock.now.addingTimeInterval(1)))
                } catch {
                    return
                }
                continue
            }
            let batch = takeBatch(account: account)
            if batch.values.isEmpty { continue }
            accounts[account]!.inFlight = batch.values.count
            await deliver(batch, account: account, logger: logger)
            accounts[account]!.inFlight = 0
            if Task.isCancelled { return }
        }
    }

    private struct Batch {
        var values: [MeasuredValue]
        var resend: Bool
    }

    /// Takes the next batch: fresh values and re-sends alternate so neither starves.
    private func takeBatch(account: Int) -> Batch {
        let freshnessCutoff = clock.now.addingTimeInterval(-configuration.freshnessLimit.inSeconds)
        accounts[account]!.moveStaleFreshValues(olderThan: freshnessCutoff)
        let queue = accounts[account]!
        let useResend: Bool
        if queue.resend.isEmpty {
            useResend = false
        } else if queue.fresh.isEmpty {
            useResend = true
        } else {
            useResend = !queue.lastBatchWasResend
        }
        let values = accounts[account]!.take(max: configuration.maximumBatchSize, fromResend: useResend)
        accounts[account]!.lastBatchWasResend = useResend
        return Batch(values: values, resend: useResend)
    }

    private func deliver(_ batch: Batch, account: Int, logger: Logger) async {
        var pending: [[MeasuredValue]] = [batch.values]
        while let values = pending.popLast() {
            let usePut = batch.resend && !accounts[account]!.putForbidden
            do {
                if usePut {
                    try await transport.put(values, account: account)
                } else {
                    try await transport.post(values, account: account)
                }
                delivered(values.count, account: account, resent: batch.resend, logger: logger)
            } catch let error as GrafoleanError where error.code == .inputRejected {
                if values.count > 1 {
                    let middle = values.count / 2
                    pending.append(Array(values[middle...]))
                    pending.append(Array(values[..<middle]))
                } else {
                    statisticsCounts.rejected += 1
                    accounts[account]!.inFlight -= 1
                    metrics.rejected(reason: "backend")
                    logger.error(
                        "the backend rejected a value; dropping it",
                        metadata: ["path": "\(values[0].path.prefix(200))", "value": "\(values[0].value)", "reason": "\(error.message)"])
                }
            } catch let error as GrafoleanError where error.code == .permissionDenied && usePut {
                // Fall back to POST for this batch; remember it, so later re-sends go by POST at once.
                do {
                    try await transport.post(values, account: account)
                    accounts[account]!.putForbidden = true
                    logger.warning(
                        "the bot may not PUT values, so values delivered late are stamped with their arrival time instead of their measured time; grant the bot PUT on accounts/\(account)/values to keep series exact after an outage")
                    delivered(values.count, account: account, resent: false, logger: logger)
                } catch {
                    failed(values + pending.reversed().flatMap { $0 }, account: account, error: error, logger: logger)
                    return
                }
            } catch {
                failed(values + pending.reversed().flatMap { $0 }, account: account, error: error, logger: logger)
                return
            }
        }
    }

    private func delivered(_ count: Int, account: Int, resent: Bool, logger: Logger) {
        accounts[account]!.inFlight -= count
        statisticsCounts.delivered += count
        metrics.delivered(count)
        if resent {
            statisticsCounts.resent += count
        }
        if accounts[account]!.consecutiveFailures > 0 {
            logger.notice("delivering again after \(accounts[account]!.consecutiveFailures) failed attempts", metadata: ["buffered": "\(accounts[account]!.count)"])
            accounts[account]!.consecutiveFailures = 0
            accounts[account]!.retryAt = nil
            // The backend answers again: accounts that backed off for an outage retry now.
            for other in accounts.keys where accounts[other]!.backingOffForOutage {
                accounts[other]!.retryAt = nil
            }
        }
        accounts[account]!.backingOffForOutage = false
        metrics.buffered(statisticsBuffered)
        metrics.backendReachable(true)
    }

    private func failed(_ values: [MeasuredValue], account: Int, error: any Error, logger: Logger) {
        accounts[account]!.inFlight = 0
        accounts[account]!.returnForResend(values)
        trimToBound(account: account)
        statisticsCounts.failedRequests += 1
        metrics.failedRequest()
        let failures = accounts[account]!.consecutiveFailures + 1
        accounts[account]!.consecutiveFailures = failures
        let delay = retryDelay(afterFailures: failures)
        accounts[account]!.retryAt = clock.now.addingTimeInterval(delay)
        let grafoleanError = error as? GrafoleanError
        accounts[account]!.backingOffForOutage = grafoleanError?.isRetryable ?? true
        if grafoleanError?.isRetryable == false {
            logger.error(
                "cannot deliver values: \(grafoleanError!.message); keeping them and retrying",
                metadata: ["buffered": "\(accounts[account]!.count)", "retry_in_seconds": "\(Int(delay.rounded()))"])
        } else {
            logger.warning(
                "delivery failed; keeping the values and retrying",
                metadata: [
                    "error": "\(redactingBotToken(String(describing: error)))", "buffered": "\(accounts[account]!.count)",
                    "retry_in_seconds": "\(String(format: "%.1f", delay))",
                ])
        }
        if grafoleanError?.code == .backendUnreachable || grafoleanError?.code == .timeout {
            metrics.backendReachable(false)
        }
        metrics.buffered(statisticsBuffered)
    }

    /// Exponential backoff with jitter: `initial·2^(n−1)`, capped, then shortened by a random part.
    nonisolated func retryDelay(afterFailures failures: Int) -> Double {
        let base = configuration.initialRetryDelay.inSeconds * pow(2, Double(min(failures - 1, 30)))
        let capped = min(base, configuration.maximumRetryDelay.inSeconds)
        let jitter = configuration.retryJitter
        return jitter > 0 ? capped * (1 - Double.random(in: 0...jitter)) : capped
    }

    // MARK: - Idle and shutdown

    private var isIdle: Bool {
        accounts.values.allSatisfy { $0.isEmpty && $0.inFlight == 0 }
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
        for account in accounts.keys { accounts[account]!.wake() }
    }
}
