#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Byte totals per key, exact while at most ``capacity`` distinct keys have been seen, then a
/// weighted Space-Saving summary (Metwally et al. 2005) with batched eviction.
///
/// Once summarised (N = ``total``, m = ``capacity``) it holds at most 1.5 m counters. A new key
/// starts at the summary's *floor* (the largest count evicted so far) plus its weight, and
/// records the floor as its possible error; when 1.5 m counters are held, every counter not
/// among the m largest is evicted at once and the floor rises to the largest evicted count.
/// Guarantees: every estimate `e` of a key with true total `t` satisfies `t ≤ e ≤ t + N/m` (its
/// ``Entry/maximumError`` is at most N/m), and every key with `t > N/m` is among the counters
/// (the floor never exceeds N/m: Σ(counts − floor) + m·floor never decreases at an eviction
/// and grows by each weight added, so m·floor ≤ N). ``merge(_:)`` of summarised summaries
/// widens this to `|e − t| ≤` ``errorBound``. Memory is O(m) whatever the number of distinct
/// keys; an update is one table operation, evictions cost O(m) once per m/2 new keys.
public struct HeavyHitters<Key: Hashable & Comparable & Sendable & Codable>: Sendable, Codable {
    /// A key's estimated total: the true total is within `estimate − maximumError ... estimate`.
    public struct Entry: Hashable, Sendable {
        /// The key.
        public var key: Key
        /// Its estimated total (exact while ``HeavyHitters/isExact``).
        public var estimate: UInt64
        /// How much the estimate may exceed the true total (0 while exact).
        public var maximumError: UInt64
    }

    struct Counter: Sendable {
        var count: UInt64
        var error: UInt64
    }

    /// Distinct keys kept exactly, and counters kept after an eviction once summarised.
    public let capacity: Int
    /// Sum of all weights added.
    public private(set) var total: UInt64 = 0
    /// Whether every key is still counted exactly.
    public private(set) var isExact = true

    /// Totals while exact: one table, nothing else (most summaries never outgrow it).
    private var exact: [Key: UInt64] = [:]
    /// Counters once summarised.
    private var counters: [Key: Counter] = [:]
    /// The largest count evicted so far: where a new key's counter starts.
    private var floor: UInt64 = 0
    private var mergedErrorBound: UInt64 = 0

    /// An empty summary.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Number of keys (or counters) held: at most ``capacity`` while exact, 1.5 × ``capacity`` after.
    public var count: Int { isExact ? exact.count : counters.count }

    /// Counters held before an eviction.
    private var evictionThreshold: Int { capacity + max(1, capacity / 2) }

    /// The bound on every estimate's error: 0 while exact, else ⌈N/m⌉ plus the bounds of
    /// summarised summaries merged in (see ``merge(_:)``).
    public var errorBound: UInt64 {
        isExact ? 0 : ((total / UInt64(capacity)) &+ (total % UInt64(capacity) == 0 ? 0 : 1)).saturatingAdd(mergedErrorBound)
    }

    /// Adds another summary's estimates. Merging exact summaries stays exact. Merging a
    /// summarised one adds its ``errorBound`` to ours, and estimates may then also fall short
    /// of the true total (keys it had evicted) by at most ``errorBound``.
    public mutating func merge(_ other: HeavyHitters<Key>) {
        if other.isExact {
            for (key, count) in other.exact { add(key, count) }
            return
        }
        if isExact { summarise() }
        mergedErrorBound = mergedErrorBound.saturatingAdd(other.errorBound)
        for (key, counter) in other.counters {
            add(key, counter.count)
            if let index = counters.index(forKey: key) {
                counters.values[index].error = counters.values[index].error.saturatingAdd(counter.error)
            }
        }
    }

    /// Adds `weight` to `key`.
    public mutating func add(_ key: Key, _ weight: UInt64) {
        total = total.saturatingAdd(weight)
        if isExact {
            if let index = exact.index(forKey: key) {
                exact.values[index] = exact.values[index].saturatingAdd(weight)
                return
            }
            if exact.count < capacity {
                exact[key] = weight
                return
            }
            summarise()
        }
        if let index = counters.index(forKey: key) {
            counters.values[index].count = counters.values[index].count.saturatingAdd(weight)
            return
        }
        if counters.count >= evictionThreshold { evict() }
        counters[key] = Counter(count: floor.saturatingAdd(weight), error: floor)
    }

    /// Keeps the `capacity` largest counters (fewer on ties) and raises the floor to the
    /// largest count evicted.
    private mutating func evict() {
        var counts = counters.values.map(\.count)
        // The (m + 1)-th largest: every count above it is kept, at most m of them.
        let threshold = Self.select(&counts, rank: counts.count - capacity - 1)
        counters = counters.filter { $0.value.count > threshold }
        floor = max(floor, threshold)
    }

    /// The value of rank `rank` (0 = smallest) in `values`, reordering them (quickselect).
    static func select(_ values: inout [UInt64], rank: Int) -> UInt64 {
        var low = 0
        var high = values.count - 1
        while low < high {
            let pivot = Swift.max(Swift.min(values[low], values[high]), Swift.min(Swift.max(values[low], values[high]), values[(low + high) / 2]))
            var i = low
            var j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if rank <= j {
                high = j
            } else if rank >= i {
                low = i
            } else {
                return values[rank]
            }
        }
        return values[rank]
    }

    /// The `n` largest estimates, largest first, ties by key ascending.
    public func top(_ n: Int) -> [Entry] {
        guard n > 0 else { return [] }
        // One pass keeping the n best (n is 10): no sort of up to `capacity` keys.
        var best: [Entry] = []
        best.reserveCapacity(n + 1)
        func consider(_ entry: Entry) {
            if best.count == n, let last = best.last, !Self.isBefore(entry, last) { return }
            let position = best.firstIndex { Self.isBefore(entry, $0) } ?? best.count
            best.insert(entry, at: position)
            if best.count > n { best.removeLast() }
        }
        if isExact {
            for (key, count) in exact { consider(Entry(key: key, estimate: count, maximumError: 0)) }
        } else {
            for (key, counter) in counters { consider(Entry(key: key, estimate: counter.count, maximumError: counter.error)) }
        }
        return best
    }

    /// Every key and estimate, in no particular order.
    public var entries: [Entry] {
        isExact
            ? exact.map { Entry(key: $0.key, estimate: $0.value, maximumError: 0) }
            : counters.map { Entry(key: $0.key, estimate: $0.value.count, maximumError: $0.value.error) }
    }

    private static func isBefore(_ lhs: Entry, _ rhs: Entry) -> Bool {
        lhs.estimate != rhs.estimate ? lhs.estimate > rhs.estimate : lhs.key < rhs.key
    }

    private mutating func summarise() {
        isExact = false
        counters.reserveCapacity(evictionThreshold)
        for (key, count) in exact { counters[key] = Counter(count: count, error: 0) }
        exact = [:]
    }

    private enum CodingKeys: String, CodingKey {
        case capacity, total, isExact, keys, counts, errors, mergedErrorBound, packed, floor
    }

    /// Decodes a summary written by `encode(to:)`, rebuilding its table.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        capacity = max(1, try container.decode(Int.self, forKey: .capacity))
        total = try container.decode(UInt64.self, forKey: .total)
        isExact = try container.decode(Bool.self, forKey: .isExact)
        mergedErrorBound = try container.decodeIfPresent(UInt64.self, forKey: .mergedErrorBound) ?? 0
        var keys: [Key]
        var counts: [UInt64]
        var errors: [UInt64]
        if let packed = try container.decodeIfPresent(Data.self, forKey: .packed), let keyType = Key.self as? any PackedKey.Type {
            guard let unpacked = Self.unpack(Array(packed), keyType: keyType, withErrors: !isExact) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unreadable packed heavy-hitter summary"))
            }
            (keys, counts, errors) = unpacked
        } else {
            keys = try container.decode([Key].self, forKey: .keys)
            counts = try container.decode([UInt64].self, forKey: .counts)
            errors = try container.decode([UInt64].self, forKey: .errors)
        }
        let limit = isExact ? capacity : capacity + max(1, capacity / 2)
        guard counts.count == keys.count, isExact ? errors.isEmpty : errors.count == keys.count, keys.count <= limit else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "inconsistent heavy-hitter summary"))
        }
        if isExact {
            exact = Dictionary(zip(keys, counts)) { first, _ in first }
        } else {
            // A summary saved without its floor (an earlier format) starts new keys at its smallest count.
            floor = try container.decodeIfPresent(UInt64.self, forKey: .floor) ?? counts.min() ?? 0
            for index in keys.indices { counters[keys[index]] = Counter(count: counts[index], error: errors[index]) }
        }
        guard count == keys.count else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "duplicate keys in summary"))
        }
    }

    /// Encodes keys, counts and errors (the table is rebuilt when decoding); the addresses and
    /// ports of the bot's summaries as one packed byte string, not an array of objects.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(capacity, forKey: .capacity)
        try container.encode(total, forKey: .total)
        try container.encode(isExact, forKey: .isExact)
        try container.encode(mergedErrorBound, forKey: .mergedErrorBound)
        if !isExact { try container.encode(floor, forKey: .floor) }
        if Key.self is any PackedKey.Type {
            try container.encode(Data(packed()), forKey: .packed)
        } else {
            let all = entries
            try container.encode(all.map(\.key), forKey: .keys)
            try container.encode(all.map(\.estimate), forKey: .counts)
            try container.encode(isExact ? [] : all.map(\.maximumError), forKey: .errors)
        }
    }

    /// Per entry: the key, its count (8 bytes) and, once summarised, its error (8 bytes).
    private func packed() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * (isExact ? 13 : 21))
        if isExact {
            for (key, count) in exact {
                (key as? any PackedKey)?.pack(into: &bytes)
                UInt16.appendWord(count, length: 8, to: &bytes)
            }
        } else {
            for (key, counter) in counters {
                (key as? any PackedKey)?.pack(into: &bytes)
                UInt16.appendWord(counter.count, length: 8, to: &bytes)
                UInt16.appendWord(counter.error, length: 8, to: &bytes)
            }
        }
        return bytes
    }

    private static func unpack(_ packed: [UInt8], keyType: any PackedKey.Type, withErrors: Bool) -> ([Key], [UInt64], [UInt64])? {
        packed.withUnsafeBytes { bytes in
            var keys: [Key] = []
            var counts: [UInt64] = []
            var errors: [UInt64] = []
            var offset = 0
            while offset < bytes.count {
                guard let key = keyType.unpack(bytes, at: &offset) as? Key, let count = UInt16.readWord(bytes, at: &offset, length: 8) else { return nil }
                keys.append(key)
                counts.append(count)
                if withErrors {
                    guard let error = UInt16.readWord(bytes, at: &offset, length: 8) else { return nil }
                    errors.append(error)
                }
            }
            return (keys, counts, errors)
        }
    }
}

extension UInt64 {
    /// Counters stop at the maximum instead of trapping (hostile exporters, huge sampling rates).
    @inline(__always) func saturatingAdd(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
