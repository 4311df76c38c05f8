#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Byte totals per key, exact while at most ``capacity`` distinct keys have been seen, then a
/// weighted Space-Saving summary of ``capacity`` counters (Metwally et al. 2005).
///
/// Guarantees once summarised (N = ``total``, m = ``capacity``): every reported estimate `e`
/// of a key with true total `t` satisfies `t ≤ e ≤ t + N/m` (its ``Entry/maximumError`` is at
/// most N/m), and every key with `t > N/m` is among the counters. ``merge(_:)`` of summarised
/// summaries widens this to `|e − t| ≤` ``errorBound`` (at most 2N/m + one per merge). Memory is O(m) whatever the
/// number of distinct keys. Updates are O(1) while exact and O(log m) once summarised.
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

    /// Distinct keys kept exactly, and counters kept once summarised.
    public let capacity: Int
    /// Sum of all weights added.
    public private(set) var total: UInt64 = 0
    /// Whether every key is still counted exactly.
    public private(set) var isExact = true

    /// Totals while exact: one table, nothing else (most summaries never outgrow it).
    private var exact: [Key: UInt64] = [:]
    /// Once summarised: the counters, a min-heap on `counts`, with each counter's possible
    /// overestimation and an index from key to position.
    private var keys: [Key] = []
    private var counts: [UInt64] = []
    private var errors: [UInt64] = []
    private var positions: [Key: Int] = [:]
    private var mergedErrorBound: UInt64 = 0

    /// An empty summary.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Number of keys (or counters) held.
    public var count: Int { isExact ? exact.count : keys.count }

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
        for index in other.keys.indices {
            add(other.keys[index], other.counts[index])
            if let position = positions[other.keys[index]] {
                errors[position] = errors[position].saturatingAdd(other.errors[index])
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
        if let index = positions[key] {
            counts[index] = counts[index].saturatingAdd(weight)
            siftDown(index)
            return
        }
        if keys.count < capacity {
            positions[key] = keys.count
            keys.append(key)
            counts.append(weight)
            errors.append(0)
            siftUp(keys.count - 1)
            return
        }
        // Replace the smallest counter: the newcomer inherits its count as possible error.
        let smallest = counts[0]
        positions[keys[0]] = nil
        keys[0] = key
        counts[0] = smallest.saturatingAdd(weight)
        errors[0] = smallest
        positions[key] = 0
        siftDown(0)
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
            for index in keys.indices { consider(Entry(key: keys[index], estimate: counts[index], maximumError: errors[index])) }
        }
        return best
    }

    /// Every key and estimate, in no particular order.
    public var entries: [Entry] {
        isExact
            ? exact.map { Entry(key: $0.key, estimate: $0.value, maximumError: 0) }
            : keys.indices.map { Entry(key: keys[$0], estimate: counts[$0], maximumError: errors[$0]) }
    }

    private static func isBefore(_ lhs: Entry, _ rhs: Entry) -> Bool {
        lhs.estimate != rhs.estimate ? lhs.estimate > rhs.estimate : lhs.key < rhs.key
    }

    private mutating func summarise() {
        isExact = false
        keys.reserveCapacity(capacity)
        counts.reserveCapacity(capacity)
        for (key, count) in exact {
            positions[key] = keys.count
            keys.append(key)
            counts.append(count)
        }
        exact = [:]
        errors = [UInt64](repeating: 0, count: keys.count)
        var index = keys.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1
            guard left < keys.count else { return }
            let right = left + 1
            let child = right < keys.count && counts[right] < counts[left] ? right : left
            guard counts[child] < counts[index] else { return }
            swapAt(index, child)
            index = child
        }
    }

    private mutating func siftUp(_ start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard counts[index] < counts[parent] else { return }
            swapAt(index, parent)
            index = parent
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        keys.swapAt(a, b)
        counts.swapAt(a, b)
        errors.swapAt(a, b)
        positions[keys[a]] = a
        positions[keys[b]] = b
    }

    private enum CodingKeys: String, CodingKey {
        case capacity, total, isExact, keys, counts, errors, mergedErrorBound, packed
    }

    /// Decodes a summary written by `encode(to:)`, rebuilding its index.
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
        guard counts.count == keys.count, isExact ? errors.isEmpty : errors.count == keys.count, keys.count <= capacity else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "inconsistent heavy-hitter summary"))
        }
        if isExact {
            exact = Dictionary(zip(keys, counts)) { first, _ in first }
        } else {
            (self.keys, self.counts, self.errors) = (keys, counts, errors)
            for (index, key) in keys.enumerated() { positions[key] = index }
            // The counters must form a heap again (a file could hold them in any order).
            var index = keys.count / 2
            while index > 0 {
                index -= 1
                siftDown(index)
            }
        }
        guard count == keys.count else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "duplicate keys in summary"))
        }
    }

    /// Encodes keys, counts and errors (the index is rebuilt when decoding); the addresses and
    /// ports of the bot's summaries as one packed byte string, not an array of objects.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(capacity, forKey: .capacity)
        try container.encode(total, forKey: .total)
        try container.encode(isExact, forKey: .isExact)
        try container.encode(mergedErrorBound, forKey: .mergedErrorBound)
        if Key.self is any PackedKey.Type {
            try container.encode(Data(packed()), forKey: .packed)
        } else {
            let entries = isExact ? exact.map { ($0.key, $0.value) } : Array(zip(keys, counts))
            try container.encode(entries.map(\.0), forKey: .keys)
            try container.encode(entries.map(\.1), forKey: .counts)
            try container.encode(errors, forKey: .errors)
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
            for index in keys.indices {
                (keys[index] as? any PackedKey)?.pack(into: &bytes)
                UInt16.appendWord(counts[index], length: 8, to: &bytes)
                UInt16.appendWord(errors[index], length: 8, to: &bytes)
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
