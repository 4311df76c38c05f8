import Foundation

/// A histogram of non-negative durations with 0.5 % relative precision and a fixed, small size,
/// so that recording millions of samples costs neither time nor memory.
///
/// Buckets are logarithmic in microseconds: bucket `i` holds values whose `ln(1 + µs)` lies in
/// `[i, i + 1) / 200`, which covers up to a day in about 5,000 buckets. The exact maximum,
/// minimum and sum are kept besides.
struct LatencyHistogram: Sendable {
    private static let resolution = 200.0
    private static let bucketCount = 5_000
    private var buckets = [Int](repeating: 0, count: LatencyHistogram.bucketCount)
    private(set) var count = 0
    private(set) var sum = 0.0
    private(set) var maximum = -Double.infinity
    private(set) var minimum = Double.infinity

    /// Records `seconds` (negative values, which a clock can produce, count as zero in the
    /// buckets; the minimum keeps them).
    mutating func record(_ seconds: Double) {
        count += 1
        sum += seconds
        maximum = max(maximum, seconds)
        minimum = min(minimum, seconds)
        let microseconds = max(0, seconds * 1e6)
        let index = min(Self.bucketCount - 1, Int(log1p(microseconds) * Self.resolution))
        buckets[index] += 1
    }

    /// Adds another histogram's samples.
    mutating func merge(_ other: LatencyHistogram) {
        for index in buckets.indices { buckets[index] += other.buckets[index] }
        count += other.count
        sum += other.sum
        maximum = max(maximum, other.maximum)
        minimum = min(minimum, other.minimum)
    }

    /// The value at quantile `q` (0 … 1), in seconds: the upper bound of its bucket, capped at the maximum.
    func quantile(_ q: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (index, bucketCount) in buckets.enumerated() {
            seen += bucketCount
            if seen >= rank {
                let upper = expm1(Double(index + 1) / Self.resolution) / 1e6
                return min(upper, maximum)
            }
        }
        return maximum
    }

    var mean: Double { count > 0 ? sum / Double(count) : 0 }
}
