#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Clock readings in nanoseconds. The engine measures with `CLOCK_MONOTONIC`; `CLOCK_REALTIME` is
/// read only to translate the kernel's receive timestamps (which are wall-clock) onto it.
package enum MonotonicTime {
    package static func now() -> Int64 { read(CLOCK_MONOTONIC) }

    static func realtimeNow() -> Int64 { read(CLOCK_REALTIME) }

    private static func read(_ clock: clockid_t) -> Int64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64` bounds.
    package var clampedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (secondsPart, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflow2) = secondsPart.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return total
    }
}

extension Int64 {
    /// Saturating addition, for deadlines computed from user-supplied durations.
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
