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
    /// One request's worth of values.
    struct Batch: Sendable, Hashable {
        var values: [MeasuredValue]
        var timestamps: ValueTimestamps
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
    private(set) var fresh: Deque<MeasuredValue> = []
    /// Values that failed once or waited too long, oldest first: they go with their measured time.
    private(set) var resend: Deque<MeasuredValue> = []
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

    init(configuration: ValueSender.Configuration) {
        self.configuration = configuration
    }

    /// Values waiting, in flight included.
    var count: Int { fresh.count + resend.count + splits.reduce(0) { $0 + $1.values.count } + (inFlight?.values.count ?? 0) }
    /// Values waiting, in flight excluded.
    var waiting: Int { fresh.count + resend.count + splits.reduce(0) { $0 + $1.values.count } }
    /// Nothing waits and nothing is in flight.
    var isIdle: Bool { inFlight == nil && fresh.isEmpty && resend.isEmpty && splits.isEmpty }

    /// Queues values; returns how many of the oldest were dropped to stay within the bound.
    mutating func enqueue(_ values: [MeasuredValue]) -> Int {
        fresh.append(contentsOf: values)
        return trimToBound()
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
        let values = take(max: configuration.maximumBatchSize, fromResend: useResend)
        let batch = Batch(values: values, timestamps: useResend && !timestampsNotAllowed ? .measured : .arrival)
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
            completion.delivered = batch.values.count
            if batch.timestamps == .measured { completion.deliveredWithMeasuredTime = batch.values.count }
            if consecutiveFailures > 0 { completion.recoveredAfterFailures = consecutiveFailures }
            consecutiveFailures = 0
            retryAt = nil
            backingOffForOutage = false
        case .rejected(let reason):
            if batch.values.count > 1 {
                let middle = batch.values.count / 2
                splits.append(Batch(values: Array(batch.values[middle...]), timestamps: batch.timestamps))
                splits.append(Batch(values: Array(batch.values[..<middle]), timestamps: batch.timestamps))
            } else if let value = batch.values.first {
                completion.rejected = RejectedValue(value: value, reason: reason)
            }
        case .timestampsNotAllowed:
            completion.learnedTimestampsNotAllowed = !timestampsNotAllowed
            timestampsNotAllowed = true
            splits.append(Batch(values: batch.values, timestamps: .arrival))
        case .retryLater(_, let isOutage):
            // The batch and any halves still to send go back in front, oldest first.
            let returned = batch.values + splits.reversed().flatMap(\.values)
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
        let excess = fresh.count + resend.count - configuration.maximumBufferedValuesPerAccount
        guard excess > 0 else { return 0 }
        let fromResend = min(excess, resend.count)
        resend.removeFirst(fromResend)
        fresh.removeFirst(min(excess - fromResend, fresh.count))
        return excess
    }

    /// Moves fresh values measured before `cutoff` to the re-sends: by POST they would be mis-stamped.
    private mutating func moveStaleFreshValues(olderThan cutoff: Date) {
        while let value = fresh.first, value.time < cutoff {
            resend.append(fresh.removeFirst())
        }
    }

    /// Takes up to `max` values for one request, never two with the same series key (path for
    /// arrival times; path and time for measured ones), because the backend fails a whole batch
    /// that repeats one. Skipped values keep their place.
    private mutating func take(max: Int, fromResend: Bool) -> [MeasuredValue] {
        var batch: [MeasuredValue] = []
        var skipped: [MeasuredValue] = []
        if fromResend {
            batch.reserveCapacity(Swift.min(max, resend.count))
            var keys = Set<PathAndTime>()
            while batch.count < max, let value = resend.popFirst() {
                if keys.insert(PathAndTime(path: value.path, time: value.time)).inserted { batch.append(value) } else { skipped.append(value) }
            }
            resend.insert(contentsOf: skipped, at: 0)
        } else {
            batch.reserveCapacity(Swift.min(max, fresh.count))
            var paths = Set<String>()
            while batch.count < max, let value = fresh.popFirst() {
                if paths.insert(value.path).inserted { batch.append(value) } else { skipped.append(value) }
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
