import Testing
@testable import ICMPEcho

@Suite("SlotTable: identifier/sequence allocation")
struct SlotTableTests {
    func reserve(_ table: inout SlotTable, owner: UInt64, now: Int64, until: Int64) throws -> SlotTable.Slot {
        let slot = table.reserve(owner: owner, now: now, until: until)
        return try #require(slot)
    }

    @Test("slots go round-robin over lanes, then sequences")
    func roundRobin() throws {
        var table = SlotTable(laneCount: 3)
        var slots: [SlotTable.Slot] = []
        for owner in 1 ... 7 { slots.append(try reserve(&table, owner: UInt64(owner), now: 0, until: 100)) }
        #expect(slots.map(\.lane) == [0, 1, 2, 0, 1, 2, 0])
        #expect(slots.map(\.sequence) == [0, 0, 0, 1, 1, 1, 2])
        #expect(table.owner(lane: 1, sequence: 1) == 5)
        #expect(table.owner(lane: 2, sequence: 2) == nil)
        #expect(table.owner(lane: 7, sequence: 0) == nil)
    }

    @Test("a slot is not reused while a late reply could still arrive")
    func quarantine() throws {
        var table = SlotTable(laneCount: 1)
        let capacity = table.capacity
        #expect(capacity == 65_536)
        // Fill every slot; slot 0 stays reserved until t = 1_000, the others until t = 5_000.
        let first = try reserve(&table, owner: 1, now: 0, until: 1_000)
        for owner in 2 ... UInt64(capacity) {
            _ = try reserve(&table, owner: owner, now: 0, until: 5_000)
        }
        #expect(table.reserve(owner: 99_999, now: 999, until: 2_000) == nil, "all reserved at t=999")
        let reused = try reserve(&table, owner: 100_000, now: 1_000, until: 6_000)
        #expect(reused == first)
        #expect(table.owner(lane: 0, sequence: first.sequence) == 100_000)
        #expect(table.reserve(owner: 100_001, now: 4_999, until: 6_000) == nil)
        #expect(table.reserve(owner: 100_002, now: 5_000, until: 6_000)?.sequence == 1)
    }

    @Test("a released slot (never sent) is free at once")
    func release() throws {
        var table = SlotTable(laneCount: 1)
        for owner in 1 ... UInt64(table.capacity) {
            _ = try reserve(&table, owner: owner, now: 0, until: 1_000)
        }
        let probe = SlotTable.Slot(lane: 0, sequence: 300, index: 300)
        table.release(probe)
        #expect(table.owner(lane: 0, sequence: 300) == nil)
        #expect(table.reserve(owner: 77, now: 1, until: 1_000) == probe)
    }
}

@Suite("DeadlineHeap")
struct DeadlineHeapTests {
    @Test("pops expired entries in deadline order and keeps the rest")
    func order() {
        var heap = DeadlineHeap()
        let deadlines: [Int64] = [50, 10, 40, 10, 30, 20, 60, 5]
        for (index, deadline) in deadlines.enumerated() { heap.insert(deadline: deadline, probe: UInt64(index)) }
        #expect(heap.earliest == 5)
        var popped: [Int64] = []
        while let entry = heap.popExpired(now: 40) { popped.append(entry.deadline) }
        #expect(popped == [5, 10, 10, 20, 30, 40])
        #expect(heap.count == 2)
        #expect(heap.earliest == 50)
        #expect(heap.popExpired(now: 49) == nil)
    }
}
