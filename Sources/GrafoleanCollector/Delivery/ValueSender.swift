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
    /// The durable copy of every waiting value; `nil` without a state directory.
    private let spool: ValueSpool?
    /// Writing to the spool failed (a full disk): memory only until this time, then try again.
    private var spoolWritesPausedUntil: Date?
    private var appendsSinceBoundCheck = 0
    private var spoolLoads: Set<Int> = []

    /// Creates a sender that delivers through `transport` (usually a ``GrafoleanClient``), keeping
    /// waiting values in memory only.
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
        self.spool = nil
    }

    /// Creates a sender whose waiting values are also kept in a spool, starting with what the
    /// spool held (delivered first, with their measured times).
    init(
        transport: any ValueTransport, configuration: Configuration, spool: ValueSpool, inventory: ValueSpool.Inventory,
        clock: any CollectorClock, logger: Logger
    ) {
        self.transport = transport
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.spool = spool
        var accounts: [Int: AccountDelivery] = [:]
        for (account, count) in inventory.counts where count > 0 {
            var delivery = AccountDelivery(configuration: configuration)
            delivery.restore(onDisk: count)
            accounts[account] = delivery
        }
        self.accounts = accounts
        let total = inventory.counts.values.reduce(0, +)
        if total > 0 {
            statisticsCounts.replayed = total
            metrics.replayed(total)
            logger.notice(
                "delivering \(total) values kept in the spool from before the restart, with their measured times",
                metadata: ["spool": "\(spool.path)", "accounts": "\(inventory.counts.count)"])
        }
    }

    /// Opens the spool in `directory` and creates a sender on it.
    ///
    /// - Throws: ``SpoolError`` naming the directory when it cannot be used.
    package static func opening(
        stateDirectory directory: String, transport: any ValueTransport, configuration: Configuration, clock: any CollectorClock, logger: Logger
    ) async throws -> ValueSender {
        let (spool, inventory) = try await ValueSpool.open(directory: directory, sync: configuration.spoolSync, logger: logger)
        return ValueSender(transport: transport, configuration: configuration, spool: spool, inventory: inventory, clock: clock, logger: logger)
    }

    /// Counts of delivered, rejected, dropped and buffered values.
    public var statistics: Statistics {
        var statistics = statisticsCounts
        statistics.buffered = accounts.values.reduce(0) { $0 + $1.pending }
        statistics.spooled = spool == nil ? 0 : statistics.buffered
        return statistics
    }

    /// When the oldest value still waiting was measured; `nil` when nothing waits.
    public func oldestWaitingTime() async -> Date? {
        var oldest = accounts.values.compactMap(\.oldestInMemory).min()
        if let spool, accounts.values.contains(where: { $0.onDiskOnly > 0 }) {
            if let onDisk = try? await spool.oldestTime().get() { oldest = min(oldest ?? onDisk, onDisk) }
        }
        if let oldest { metrics.oldestWaitingAge(max(0, clock.now.timeIntervalSince(oldest))) } else { metrics.oldestWaitingAge(0) }
        return oldest
    }

    /// Whether waiting values are kept on disk.
    public var isSpooling: Bool { spool != nil }

    /// Checks `values` and queues the good ones for delivery to `account`; returns at once.
    ///
    /// A value with an invalid path or a non-finite number is dropped, logged and counted, and
    /// listed in the result; the others are queued.
    @discardableResult
    public func send(_ values: [MeasuredValue], account: Int, preservingTime: Bool) async -> ValueSubmission {
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
            await enqueue(accepted, account: account, preservingTime: preservingTime)
        }
        return ValueSubmission(accepted: accepted.count, rejected: rejected)
    }

    /// Queues values measured now, given as path → number.
    @discardableResult
    public func send(_ values: [String: Double], account: Int, time: Date? = nil) async -> ValueSubmission {
        let time = time ?? clock.now
        return await send(values.sorted { $0.key < $1.key }.map { MeasuredValue(path: $0.key, value: $0.value, time: time) }, account: account)
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
        if left > 0, let spool {
            logger.notice("\(left) values are still waiting; they stay in the spool and go out at the next start", metadata: ["spool": "\(spool.path)"])
        } else if left > 0 {
            logger.error("shut down with \(left) values undelivered; they are lost", metadata: ["dropped": "\(left)"])
            statisticsCounts.dropped += left
            statisticsCounts.droppedByReason["shutdown", default: 0] += left
            metrics.dropped(reason: "shutdown", count: left)
            for account in accounts.keys { _ = accounts[account]!.removeAll() }
            metrics.buffered(0)
        }
        resumeIdleWaiters()
        await spool?.close()
        let final = statistics
        logger.info("delivery stopped", metadata: ["delivered": "\(final.delivered)", "dropped": "\(final.dropped)"])
    }

    // MARK: - Queueing

    private func enqueue(_ values: [MeasuredValue], account: Int, preservingTime: Bool) async {
        if accounts[account] == nil {
            accounts[account] = AccountDelivery(configuration: configuration)
            newAccounts?.yield(account)
        }
        if let spool, spoolWritesPausedUntil.map({ clock.now >= $0 }) ?? true {
            // Decided and submitted without a suspension in between, so spool ids follow decisions.
            let admitted = accounts[account]!.reserve(values.count)
            let appending = spool.append(values, account: account)
            do {
                let ids = try await appending.get()
                spoolWritesPausedUntil = nil
                if admitted { accounts[account]!.admit(values, ids: ids, preservingTime: preservingTime) }
                appendsSinceBoundCheck += 1
                if appendsSinceBoundCheck >= 200 {
                    appendsSinceBoundCheck = 0
                    await enforceSpoolBound()
                }
                metrics.buffered(statisticsBuffered)
                loopWaiters.removeValue(forKey: account)?.resume()
                return
            } catch {
                accounts[account]!.cancelReservation(values.count, admitted: admitted)
                spoolWritesPausedUntil = clock.now.addingTimeInterval(60)
                logger.warning(
                    "cannot write to the spool (\(error)); keeping new values in memory only for a minute: a restart meanwhile loses them",
                    metadata: ["spool": "\(spool.path)"])
                metrics.spoolWriteFailed()
            }
        }
        let dropped = accounts[account]!.enqueue(values, preservingTime: preservingTime)
        if dropped > 0 { droppedForSpace(dropped, account: account) }
        metrics.buffered(statisticsBuffered)
        loopWaiters.removeValue(forKey: account)?.resume()
    }

    /// Keeps the spool within its size: the oldest values go first, counted and logged.
    private func enforceSpoolBound() async {
        guard let spool else { return }
        do {
            let used = try await spool.usedBytes().get()
            metrics.spoolBytes(used)
            let limit = configuration.maximumSpoolBytes
            guard used > limit else { return }
            let total = accounts.values.reduce(0) { $0 + $1.pending }
            // Drop a tenth beyond the excess so that this does not run at every append.
            let share = min(1, Double(used - limit) / Double(used) + 0.1)
            let count = max(1, Int(Double(total) * share))
            let (perAccount, through) = try await spool.dropOldest(count).get()
            var dropped = 0
            for (account, lost) in perAccount {
                _ = accounts[account]?.spoolDropped(throughID: through, count: lost)
                dropped += lost
            }
            statisticsCounts.dropped += dropped
            metrics.dropped(reason: "spool_full", count: dropped)
            logger.error(
                "spool full: dropped the \(dropped) oldest values; the backend has been unreachable too long",
                metadata: ["limit_bytes": "\(limit)", "used_bytes": "\(used)"])
        } catch {
            logger.warning("cannot check the spool's size: \(error)")
        }
    }

    /// Takes values that wait on disk only into memory, when memory has room.
    private func loadFromSpool(account: Int) async {
        guard let spool, !spoolLoads.contains(account) else { return }
        let wanted = accounts[account]!.valuesToLoad
        guard wanted > 0 else { return }
        spoolLoads.insert(account)
        defer { spoolLoads.remove(account) }
        do {
            let rows = try await spool.load(account: account, after: accounts[account]!.lastAdmittedID, limit: wanted).get()
            accounts[account]!.load(rows.map { ($0.id, $0.value) }, requested: wanted)
        } catch {
            logger.error("cannot read the spool: \(error); retrying", metadata: ["spool": "\(spool.path)"])
            try? await clock.sleep(seconds: 1)
        }
    }

    private var statisticsBuffered: Int { accounts.values.reduce(0) { $0 + $1.pending } }

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
            if accounts[account]!.valuesToLoad > 0 { await loadFromSpool(account: account) }
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
        if let spool, !completion.finishedSpoolIDs.isEmpty {
            // Not awaited: a deletion lost in a crash only means a harmless re-send by PUT.
            spool.remove(completion.finishedSpoolIDs).whenFailure { [logger] error in
                logger.warning("cannot delete delivered values from the spool: \(error)")
            }
        }
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
