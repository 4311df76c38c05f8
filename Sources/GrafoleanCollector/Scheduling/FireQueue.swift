import HeapModule

/// The pending fires of all jobs: a heap of the distinct fire seconds, each with a bucket of fires.
///
/// Thousands of jobs typically share a few fire seconds, so inserting and taking a fire is O(1)
/// (an array append) rather than O(log n) heap sifts; only distinct seconds go through the heap.
/// Fires of the same second come out in the order they were inserted.
struct FireQueue {
    struct Item {
        var time: Int64
        var slot: Int
        var generation: UInt64
    }

    private var times = Heap<Int64>()
    private var buckets: [Int64: [Item]] = [:]
    /// The bucket being taken, so that a second's fires can be taken in several chunks.
    private var current: [Item] = []
    private var currentIndex = 0
    /// The bucket being filled: consecutive inserts usually share a second (every job of a
    /// busy second moves to the same next one), so they skip the dictionary until it changes.
    private var stagingTime: Int64?
    private var staging: [Item] = []

    init() {}

    /// Creates a queue holding `items`.
    init(_ items: [Item]) {
        for item in items { insert(item) }
    }

    /// The earliest fire second, if any.
    var nextTime: Int64? {
        if currentIndex < current.count { return current[currentIndex].time }
        guard let staged = stagingTime else { return times.min }
        return min(staged, times.min ?? staged)
    }

    mutating func insert(_ item: Item) {
        if currentIndex < current.count && current[currentIndex].time == item.time {
            current.append(item)
        } else if item.time == stagingTime {
            staging.append(item)
        } else {
            flushStaging()
            stagingTime = item.time
            staging.append(item)
        }
    }

    private mutating func flushStaging() {
        guard let time = stagingTime else { return }
        if buckets[time] == nil {
            buckets[time] = staging
            times.insert(time)
        } else {
            buckets[time]!.append(contentsOf: staging)
        }
        stagingTime = nil
        staging = []
    }

    /// Takes the earliest fire if it is due at or before `second`.
    mutating func popDue(through second: Int64) -> Item? {
        if currentIndex == current.count {
            if let staged = stagingTime, staged <= second { flushStaging() }
            guard let time = times.min, time <= second else { return nil }
            times.removeMin()
            current = buckets.removeValue(forKey: time) ?? []
            currentIndex = 0
        }
        guard currentIndex < current.count, current[currentIndex].time <= second else { return nil }
        defer { currentIndex += 1 }
        return current[currentIndex]
    }
}
