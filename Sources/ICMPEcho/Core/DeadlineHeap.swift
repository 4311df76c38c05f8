/// A binary min-heap of probe deadlines (monotonic nanoseconds).
///
/// Entries are never removed early: a probe answered or cancelled before its deadline leaves a
/// stale entry that the engine skips when it pops it. Confined to the engine's I/O thread.
struct DeadlineHeap {
    struct Entry: Equatable {
        var deadline: Int64
        var probe: UInt64
    }

    private var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    /// The earliest deadline, if any.
    var earliest: Int64? { entries.first?.deadline }

    mutating func insert(deadline: Int64, probe: UInt64) {
        entries.append(Entry(deadline: deadline, probe: probe))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry if its deadline is at or before `now`.
    mutating func popExpired(now: Int64) -> Entry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
                if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}
