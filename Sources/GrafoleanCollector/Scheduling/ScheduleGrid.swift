/// The whole seconds at which a job fires: `origin + k·interval` for every interval and every k ≥ 1.
///
/// Times are Unix seconds. Fire times are always computed from the grid, never by adding up
/// sleeps, so a job does not drift however long it runs.
struct ScheduleGrid: Hashable, Sendable {
    /// The largest interval accepted (about 31 years); it keeps all arithmetic far from overflow.
    static let maximumInterval = 1_000_000_000
    /// The farthest origin accepted, in seconds either side of 1970 (about 31,700 years).
    static let maximumOriginMagnitude: Double = 1e12

    /// The grid's origin (the job's start), in whole Unix seconds.
    let origin: Int64
    /// The intervals in seconds, ascending, without duplicates, each in 1 ... ``maximumInterval``.
    let intervals: [Int64]
    /// The same intervals as `Int`, kept so that the common fires (a single interval, or all of
    /// them) hand out this array instead of allocating one.
    let intervalList: [Int]

    /// Creates a grid; `intervals` must be valid, ascending and unique (see ``normalized(_:)``).
    init(origin: Int64, intervals: [Int64]) {
        precondition(!intervals.isEmpty, "a schedule grid needs an interval")
        self.origin = origin
        self.intervals = intervals
        self.intervalList = intervals.map { Int($0) }
    }

    /// The valid intervals of `intervals`, ascending and unique, and whether any were invalid.
    static func normalized(_ intervals: [Int]) -> (valid: [Int64], hadInvalid: Bool) {
        let valid = intervals.filter { $0 >= 1 && $0 <= maximumInterval }
        return (Array(Set(valid.map(Int64.init))).sorted(), valid.count != intervals.count)
    }

    /// The first fire strictly after the whole second `second`.
    func nextFire(after second: Int64) -> Int64 {
        var next = Int64.max
        for interval in intervals {
            let candidate: Int64
            if second < origin + interval {
                candidate = origin + interval
            } else {
                candidate = origin + ((second - origin) / interval + 1) * interval
            }
            next = min(next, candidate)
        }
        return next
    }

    /// The intervals that fire at `second`, ascending (empty when `second` is not on the grid).
    func intervals(firingAt second: Int64) -> [Int] {
        guard second > origin else { return [] }
        let span = second - origin
        if intervals.count == 1 { return span % intervals[0] == 0 ? intervalList : [] }
        let firing = intervalList.filter { span % Int64($0) == 0 }
        return firing.count == intervalList.count ? intervalList : firing
    }

    /// The number of distinct fire times in `first ... last`.
    ///
    /// Exact by inclusion–exclusion for up to 12 intervals; beyond that, the count of the
    /// smallest interval alone (a lower bound), which is only used to report skipped fires.
    func fireCount(from first: Int64, through last: Int64) -> Int64 {
        guard last >= first else { return 0 }
        return fireCount(through: last) - fireCount(through: first - 1)
    }

    /// The number of distinct fire times at or before `second`.
    private func fireCount(through second: Int64) -> Int64 {
        let span = second - origin
        guard span > 0 else { return 0 }
        guard intervals.count <= 12 else { return span / intervals[0] }
        // Inclusion–exclusion over subsets: the fire times common to a subset are the multiples
        // of its least common multiple. A subset whose lcm exceeds the span adds nothing, and
        // neither does any superset, so that branch is pruned.
        var count: Int64 = 0
        func visit(from index: Int, lcm: Int64, size: Int) {
            for next in index..<intervals.count {
                let combined = Self.lcm(lcm, intervals[next], limit: span)
                guard let combined else { continue }
                count += (size % 2 == 0 ? 1 : -1) * (span / combined)
                visit(from: next + 1, lcm: combined, size: size + 1)
            }
        }
        visit(from: 0, lcm: 1, size: 0)
        return count
    }

    /// The least common multiple of `a` and `b`, or `nil` when it exceeds `limit`.
    private static func lcm(_ a: Int64, _ b: Int64, limit: Int64) -> Int64? {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        let (product, overflow) = (a / x).multipliedReportingOverflow(by: b)
        return overflow || product > limit ? nil : product
    }
}
