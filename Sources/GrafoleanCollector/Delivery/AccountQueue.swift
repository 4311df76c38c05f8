import DequeModule
import Foundation

/// The values waiting for one account, and that account's delivery state.
struct AccountQueue {
    /// Values never tried yet, oldest first: they go out by POST.
    var fresh: Deque<MeasuredValue> = []
    /// Values that failed once or waited too long, oldest first: they go out by PUT with their time.
    var resend: Deque<MeasuredValue> = []
    /// Values taken for the request in flight.
    var inFlight = 0
    /// The delivery loop, parked while there is nothing to send.
    var waiter: CheckedContinuation<Void, Never>?
    /// Failures in a row; 0 while delivery works.
    var consecutiveFailures = 0
    /// No request before this time (backoff).
    var retryAt: Date?
    /// The backoff is for a transient failure (not a missing permission): a success elsewhere ends it.
    var backingOffForOutage = false
    /// The backend answered 403 to PUT but took POST: re-send by POST.
    var putForbidden = false
    /// Whether the last batch came from ``resend`` (they take turns with ``fresh``).
    var lastBatchWasResend = false

    var count: Int { fresh.count + resend.count }
    var isEmpty: Bool { fresh.isEmpty && resend.isEmpty }

    mutating func wake() {
        waiter?.resume()
        waiter = nil
    }

    /// Drops the `count` oldest values: re-sends first (they are older), then fresh ones.
    mutating func dropOldest(_ count: Int) {
        let fromResend = min(count, resend.count)
        resend.removeFirst(fromResend)
        fresh.removeFirst(min(count - fromResend, fresh.count))
    }

    mutating func removeAll() {
        fresh.removeAll()
        resend.removeAll()
    }

    /// Puts values that failed back in front of the re-send queue, in their order.
    mutating func returnForResend(_ values: [MeasuredValue]) {
        resend.insert(contentsOf: values, at: 0)
    }

    /// Moves fresh values measured before `cutoff` to the re-send queue (they would be mis-stamped by POST).
    mutating func moveStaleFreshValues(olderThan cutoff: Date) {
        guard let first = fresh.first, first.time < cutoff else { return }
        var stale: [MeasuredValue] = []
        while let value = fresh.first, value.time < cutoff {
            stale.append(fresh.removeFirst())
        }
        resend.append(contentsOf: stale)
    }

    /// Takes up to `max` values for one request, never two with the same series key (path for
    /// POST; path and time for PUT), because the backend fails a whole batch that repeats one.
    /// Skipped values keep their place.
    mutating func take(max: Int, fromResend: Bool) -> [MeasuredValue] {
        var batch: [MeasuredValue] = []
        batch.reserveCapacity(Swift.min(max, fromResend ? resend.count : fresh.count))
        var skipped: [MeasuredValue] = []
        if fromResend {
            var keys = Set<PathAndTime>()
            while batch.count < max, let value = resend.popFirst() {
                if keys.insert(PathAndTime(path: value.path, time: value.time)).inserted {
                    batch.append(value)
                } else {
                    skipped.append(value)
                }
            }
            resend.insert(contentsOf: skipped, at: 0)
        } else {
            var paths = Set<String>()
            while batch.count < max, let value = fresh.popFirst() {
                if paths.insert(value.path).inserted {
                    batch.append(value)
                } else {
                    skipped.append(value)
                }
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
