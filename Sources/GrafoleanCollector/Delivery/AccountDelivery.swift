import DequeModule
import Foundation

/// The delivery state of one account, as a state machine: what waits, what is in flight, and
/// when to try again. ``ValueSender`` asks it what to do next and tells it what became of each
/// request; the state machine never performs I/O, so every rule is tested with plain values.
///
/// Rules:
/// - a value goes with its arrival time (POST) only if it leaves within
///   ``ValueSender/Configuration/freshnessLimit`` of its measured time; anything that waited longer
///   (a backoff, a long queue) or failed once goes with its measured time (PUT);
/// - fresh values and re-sends take turns, so neither starves;
/// - no request repeats a series key (the path for arrival times, path and time for measured ones);
/// - a rejected batch is split in halves until the bad values are isolated;
/// - a transient failure puts the values back in front and backs off exponentially with jitter;
/// - the buffer is bounded: beyond it the oldest values go first.
struct AccountDelivery {
    /// A value waiting, with its row in the spool (`nil` without a spool).
    struct Queued: Sendable, Hashable {
        var value: MeasuredValue
        var spoolID: Int64?
    }

    /// One request's worth of values.
    struct Batch: Sendable, Hashable {
        var items: [Queued]
        var timestamps: ValueTimestamps
        var values: [MeasuredValue] { items.map(\.value) }
    }

    /// What the sender should do next for this account.
    enum Action: Hashable {
        /// Nothing waits.
        case idle
        /// Values wait, but not before this time (backoff).
        case wait(until: Date)
        /// Send this batch, then report with ``complete(_:now:random:)``.
        case send(Batch)
    }

    /// What a completed request changed, for counting and logging.
    struct Completion: Hashable {
        /// Values stored by the receiver.
        var delivered = 0
        /// Of those, values that went with their measured time.
        var deliveredWithMeasuredTime = 0
        /// A value the receiver refused on its own, with the receiver's reason: dropped.
        var rejected: RejectedValue?
        /// Spool rows that are done with (delivered, or rejected for good): to delete.
        var finishedSpoolIDs: [Int64] = []
        /// The receiver just said it takes no measured times from this bot.
        var learnedTimestampsNotAllowed = false
        /// The request failed; the next try is after this many seconds.
        var retryDelay: Double?
        /// Delivery works again after this many failures in a row.
        var recoveredAfterFailures: Int?
        /// Oldest values dropped because the buffer is full.
        var droppedForSpace = 0
    }

    let configuration: ValueSender.Configuration
    /// Values not tried yet, oldest first: they go by arrival time while fresh.
    private(set) var fresh: Deque<Queued> = []
    /// Values that failed once or waited too long, oldest first: they go with their measured time.
    private(set) var resend: Deque<Queued> = []
    /// Halves of a rejected batch still to send; the last one goes next.
    private(set) var splits: [Batch] = []
    /// The request in flight.
    private(set) var inFlight: Batch?
    /// Failures in a row; 0 while delivery works.
    private(set) var consecutiveFailures = 0
    /// No request before this time (backoff).
    private(set) var retryAt: Date?
    /// The backoff is for an outage (not a refusal): a success for another account ends it.
    private(set) var backingOffForOutage = false
    /// The receiver refused measured times: re-sends go with arrival times.
    private(set) var timestampsNotAllowed = false
    private var lastBatchWasResend = false
    /// Values of this account that are in the spool but not in memory (memory was full): the
    /// newest ones, with ids above ``lastAdmittedID``.
    private(set) var onDiskOnly = 0
    /// The highest spool id taken into memory.
    private(set) var lastAdmittedID: Int64 = 0

    init(configuration: ValueSender.Configuration) {
        self.configuration = configuration
    }

    /// Values in memory: waiting and in flight.
    var inMemory: Int { fresh.count + resend.count + splits.reduce(0) { $0 + $1.items.count } + (inFlight?.items.count ?? 0) + reserved }
    /// Values waiting, in flight excluded, on disk included.
    var waiting: Int { fresh.count + resend.count + splits.reduce(0) { $0 + $1.items.count } + onDiskOnly }
    /// Nothing waits and nothing is in flight.
    var isIdle: Bool { inFlight == nil && fresh.isEmpty && resend.isEmpty && splits.isEmpty && onDiskOnly == 0 && reserved == 0 }
    /// When the oldest value in memory was measured.
    var oldestInMemory: Date? {
        let candidates = [fresh.first?.value.time, resend.first?.value.time, inFlight?.items.first?.value.time]
            + splits.map { $0.items.first?.value.time }
        return candidates.compactMap { $0 }.min()
    }

    /// Everything not yet delivered: waiting, in flight, being written.
    var pending: Int { waiting + (inFlight?.items.count ?? 0) + reserved }
    /// Values being written to the spool that will then be taken into memory.
    private(set) var reserved = 0

    /// Queues values (without a spool); returns how many of the oldest were dropped to stay within the bound.
    mutating func enqueue(_ values: [MeasuredValue], preservingTime: Bool = false) -> Int {
        let items = values.map { Queued(value: $0, spoolID: nil) }
        if preservingTime { resend.append(contentsOf: items) } else { fresh.append(contentsOf: items) }
        return trimToBound()
    }

    // MARK: - With a spool

    /// Decides, before `count` values are written to the spool, whether they will also wait in
    /// memory (`true`, room reserved) or only on disk until memory has room (`false`). Values
    /// stay in spool order: once some wait on disk only, later ones do too.
    mutating func reserve(_ count: Int) -> Bool {
        guard onDiskOnly == 0, inMemory + count <= memoryWindow else {
            onDiskOnly += count
            return false
        }
        reserved += count
        return true
    }

    /// Takes reserved values into memory once the spool has given them ids.
    mutating func admit(_ values: [MeasuredValue], ids: [Int64], preservingTime: Bool = false) {
        reserved -= values.count
        let items = zip(values, ids).map { Queued(value: $0, spoolID: $1) }
        if preservingTime { resend.append(contentsOf: items) } else { fresh.append(contentsOf: items) }
        if let last = ids.last { lastAdmittedID = max(lastAdmittedID, last) }
    }

    /// The spool could not take values: forget the decision made for them.
    mutating func cancelReservation(_ count: Int, admitted: Bool) {
        if admitted { reserved -= count } else { onDiskOnly = max(0, onDiskOnly - count) }
    }

    /// Values found in the spool at start (nothing of them is in memory yet).
    mutating func restore(onDisk count: Int) {
        onDiskOnly += count
    }

    /// How many values to load from the spool now: some wait on disk only, and memory has room.
    var valuesToLoad: Int {
        guard onDiskOnly > 0 else { return 0 }
        let room = memoryWindow - inMemory
        return room >= memoryWindow / 2 || room >= onDiskOnly ? min(room, onDiskOnly) : 0
    }

    /// With a spool: the most values kept in memory too.
    private var memoryWindow: Int {
        min(configuration.maximumBufferedValuesPerAccount, configuration.memoryValuesPerAccountWithSpool)
    }

    /// Takes values loaded from the spool into memory. They waited: they go with their measured times.
    mutating func load(_ rows: [(id: Int64, value: MeasuredValue)], requested: Int) {
        resend.append(contentsOf: rows.map { Queued(value: $0.value, spoolID: $0.id) })
        if let last = rows.last { lastAdmittedID = max(lastAdmittedID, last.id) }
        // Fewer than asked: the spool has no more (some were dropped meanwhile).
        onDiskOnly = rows.count < requested ? 0 : max(0, onDiskOnly - rows.count)
    }

    /// The spool dropped its oldest values, through `id`, of which `count` were this account's:
    /// forget them here too; returns how many were in memory.
    mutating func spoolDropped(throughID id: Int64, count: Int) -> Int {
        let before = fresh.count + resend.count + splits.reduce(0) { $0 + $1.items.count }
        fresh.removeAll { ($0.spoolID ?? .max) <= id }
        resend.removeAll { ($0.spoolID ?? .max) <= id }
        splits = splits.map { Batch(items: $0.items.filter { ($0.spoolID ?? .max) > id }, timestamps: $0.timestamps) }.filter { !$0.items.isEmpty }
        let inMemory = before - (fresh.count + resend.count + splits.reduce(0) { $0 + $1.items.count })
        if id > lastAdmittedID { onDiskOnly = max(0, onDiskOnly - (count - inMemory)) }
        return inMemory
    }

    /// Decides the next step at `now`. After ``Action/send(_:)`` the batch is in flight until
    /// ``complete(_:now:random:)``.
    mutating func nextAction(now: Date) -> Action {
        precondition(inFlight == nil, "one request at a time per account")
        if let batch = splits.popLast() {
            inFlight = batch
            return .send(batch)
        }
        if fresh.isEmpty && resend.isEmpty { return .idle }
        if let retryAt, retryAt > now { return .wait(until: retryAt) }
        moveStaleFreshValues(olderThan: now.addingTimeInterval(-configuration.freshnessLimit.inSeconds))
        let useResend = resend.isEmpty ? false : (fresh.isEmpty ? true : !lastBatchWasResend)
        lastBatchWasResend = useResend
        let items = take(max: configuration.maximumBatchSize, fromResend: useResend)
        let batch = Batch(items: items, timestamps: useResend && !timestampsNotAllowed ? .measured : .arrival)
        inFlight = batch
        return .send(batch)
    }

    /// Takes in what became of the batch in flight. `random` (0 ... 1) draws the retry jitter.
    mutating func complete(_ outcome: DeliveryOutcome, now: Date, random: Double) -> Completion {
        guard let batch = inFlight else { preconditionFailure("no request in flight") }
        inFlight = nil
        var completion = Completion()
        switch outcome {
        case .delivered:
            completion.delivered = batch.items.count
            completion.finishedSpoolIDs = batch.items.compactMap(\.spoolID)
            if batch.timestamps == .measured { completion.deliveredWithMeasuredTime = batch.items.count }
            if consecutiveFailures > 0 { completion.recoveredAfterFailures = consecutiveFailures }
            consecutiveFailures = 0
            retryAt = nil
            backingOffForOutage = false
        case .rejected(let reason):
            if batch.items.count > 1 {
                let middle = batch.items.count / 2
                splits.append(Batch(items: Array(batch.items[middle...]), timestamps: batch.timestamps))
                splits.append(Batch(items: Array(batch.items[..<middle]), timestamps: batch.timestamps))
            } else if let item = batch.items.first {
                completion.rejected = RejectedValue(value: item.value, reason: reason)
                completion.finishedSpoolIDs = item.spoolID.map { [$0] } ?? []
            }
        case .timestampsNotAllowed:
            completion.learnedTimestampsNotAllowed = !timestampsNotAllowed
            timestampsNotAllowed = true
            splits.append(Batch(items: batch.items, timestamps: .arrival))
        case .retryLater(_, let isOutage):
            // The batch and any halves still to send go back in front, oldest first.
            let returned = batch.items + splits.reversed().flatMap(\.items)
            splits.removeAll()
            resend.insert(contentsOf: returned, at: 0)
            completion.droppedForSpace = trimToBound()
            consecutiveFailures += 1
            let delay = retryDelay(afterFailures: consecutiveFailures, random: random)
            retryAt = now.addingTimeInterval(delay)
            backingOffForOutage = isOutage
            completion.retryDelay = delay
        }
        return completion
    }

    /// Another account got through: an outage backoff ends now.
    mutating func endOutageBackoff() {
        if backingOffForOutage { retryAt = nil }
    }

    /// Drops everything waiting (not the request in flight); returns how many values.
    mutating func removeAll() -> Int {
        let removed = waiting
        fresh.removeAll()
        resend.removeAll()
        splits.removeAll()
        onDiskOnly = 0
        return removed
    }

    /// Exponential backoff with jitter: `initial·2^(n−1)`, capped, then shortened by a random part.
    func retryDelay(afterFailures failures: Int, random: Double) -> Double {
        let base = configuration.initialRetryDelay.inSeconds * pow(2, Double(min(failures - 1, 30)))
        let capped = min(base, configuration.maximumRetryDelay.inSeconds)
        return capped * (1 - min(1, max(0, random)) * configuration.retryJitter)
    }

    // MARK: - Queues

    /// Drops the oldest values beyond the bound: re-sends first (they are older), then fresh ones.
    private mutating func trimToBound() -> Int {
        let excess = fresh.count + resend.count + reserved - configuration.maximumBufferedValuesPerAccount
        guard excess > 0 else { return 0 }
        let fromResend = min(excess, resend.count)
        resend.removeFirst(fromResend)
        fresh.removeFirst(min(excess - fromResend, fresh.count))
        return excess
    }

    /// Moves fresh values measured before `cutoff` to the re-sends: by POST they would be mis-stamped.
    private mutating func moveStaleFreshValues(olderThan cutoff: Date) {
        while let item = fresh.first, item.value.time < cutoff {
            resend.append(fresh.removeFirst())
        }
    }

    /// Takes up to `max` values for one request, never two with the same series key (path for
    /// arrival times; path and time for measured ones), because the backend fails a whole batch
    /// that repeats one. Skipped values keep their place.
    private mutating func take(max: Int, fromResend: Bool) -> [Queued] {
        var batch: [Queued] = []
        var skipped: [Queued] = []
        if fromResend {
            batch.reserveCapacity(Swift.min(max, resend.count))
            var keys = Set<PathAndTime>()
            while batch.count < max, let item = resend.popFirst() {
                if keys.insert(PathAndTime(path: item.value.path, time: item.value.time)).inserted { batch.append(item) } else { skipped.append(item) }
            }
            resend.insert(contentsOf: skipped, at: 0)
        } else {
            batch.reserveCapacity(Swift.min(max, fresh.count))
            var paths = Set<String>()
            while batch.count < max, let item = fresh.popFirst() {
                if paths.insert(item.value.path).inserted { batch.append(item) } else { skipped.append(item) }
            }
            fresh.insert(contentsOf: skipped, at: 0)
        }
        return batch
    }

    private struct PathAndTime: Hashable {
        var path: String
        var time: Date
    }
}
