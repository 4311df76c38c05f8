import Foundation

/// Where a job hands its values: the bot's ``ValueSender``, or anything else that takes them
/// (a test's collector, a spool, another system).
///
/// `send` checks and accepts values and returns at once; delivery is the sink's business.
public protocol ValueSink: Sendable {
    /// Accepts `values` for `account`; returns what was accepted and what was refused, and why.
    ///
    /// With `preservingTime`, every value is stored at its measured time even when it could go
    /// out at once (Grafolean's PUT: no alerts): for values that must share one timestamp, such as
    /// a window's aggregates. Otherwise fresh values go out stamped on arrival, firing alerts.
    @discardableResult
    func send(_ values: [MeasuredValue], account: Int, preservingTime: Bool) async -> ValueSubmission
}

extension ValueSink {
    /// Accepts values; fresh ones go out stamped on arrival (so Grafolean's alerts fire).
    @discardableResult
    public func send(_ values: [MeasuredValue], account: Int) async -> ValueSubmission {
        await send(values, account: account, preservingTime: false)
    }

    /// Accepts values given as path → number, all measured at `time`, in path order.
    @discardableResult
    public func send(_ values: [String: Double], account: Int, time: Date) async -> ValueSubmission {
        await send(values.sorted { $0.key < $1.key }.map { MeasuredValue(path: $0.key, value: $0.value, time: time) }, account: account)
    }
}

/// What became of the values given to one ``ValueSink/send(_:account:)`` call.
public struct ValueSubmission: Sendable, Hashable {
    /// How many values were accepted for delivery.
    public var accepted: Int
    /// The values refused before sending, each with the reason.
    public var rejected: [RejectedValue]

    /// Creates a submission.
    public init(accepted: Int, rejected: [RejectedValue] = []) {
        self.accepted = accepted
        self.rejected = rejected
    }
}

/// A value that was refused, and why.
public struct RejectedValue: Sendable, Hashable {
    /// The value.
    public var value: MeasuredValue
    /// Why it was refused.
    public var reason: String

    /// Creates a rejection.
    public init(value: MeasuredValue, reason: String) {
        self.value = value
        self.reason = reason
    }
}
