import GrafoleanCollector

/// A monotonic stopwatch.
struct Stopwatch: Sendable {
    private let start = ContinuousClock.now

    /// Seconds since the stopwatch was created.
    var elapsed: Double {
        (ContinuousClock.now - start).inSeconds
    }
}

extension Duration {
    /// A duration of `seconds` (fractional).
    static func seconds(double seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
