/// How a receiver should time-stamp the values of one request.
public enum ValueTimestamps: Sendable, Hashable {
    /// The receiver stamps them on arrival (Grafolean's POST, which also fires its alerts).
    case arrival
    /// Each value keeps its measured time (Grafolean's PUT with `t`; idempotent, no alerts).
    case measured
}

/// What became of one request of values, in terms a ``ValueSender`` can act on whatever the receiver.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The receiver stored every value.
    case delivered
    /// Nothing was stored; try again later. `isOutage` says the receiver itself is away
    /// (unreachable, timing out, failing), so a success for another account ends the wait early.
    case retryLater(reason: String, isOutage: Bool)
    /// The receiver refused the content: at least one value is bad; the others may be good.
    case rejected(reason: String)
    /// The receiver does not take measured times from this bot; send with arrival times instead.
    case timestampsNotAllowed(reason: String)
}
