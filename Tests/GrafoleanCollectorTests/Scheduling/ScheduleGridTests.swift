import Testing

@testable import GrafoleanCollector

@Suite("Schedule grid")
struct ScheduleGridTests {
    @Test("The first fire is one interval after the origin")
    func firstFire() {
        let grid = ScheduleGrid(origin: 1_000, intervals: [60])
        #expect(grid.nextFire(after: 1_000) == 1_060)
        #expect(grid.nextFire(after: 999) == 1_060)
        #expect(grid.nextFire(after: 1_059) == 1_060)
        #expect(grid.nextFire(after: 1_060) == 1_120)
        // An origin in the future: still one interval after it.
        #expect(grid.nextFire(after: 0) == 1_060)
    }

    @Test("Several intervals: the earliest next fire, and which intervals fire then")
    func coincidingIntervals() {
        let grid = ScheduleGrid(origin: 0, intervals: [60, 300])
        #expect(grid.nextFire(after: 240) == 300)
        #expect(grid.intervals(firingAt: 300) == [60, 300])
        #expect(grid.intervals(firingAt: 360) == [60])
        #expect(grid.intervals(firingAt: 361) == [])
        #expect(grid.intervals(firingAt: 0) == [])
    }

    @Test("Intervals are validated, sorted and deduplicated")
    func normalization() {
        #expect(ScheduleGrid.normalized([300, 60, 60]) == ([60, 300], false))
        #expect(ScheduleGrid.normalized([0, -5, 60, 2_000_000_000]) == ([60], true))
        #expect(ScheduleGrid.normalized([]) == ([], false))
    }

    @Test("Counting distinct fire times matches brute force", arguments: [[60, 300], [2, 3], [4, 6, 10], [7], [1, 5]])
    func fireCount(intervals: [Int64]) {
        let grid = ScheduleGrid(origin: 17, intervals: intervals)
        for (first, last) in [(Int64(0), Int64(17)), (18, 1_000), (100, 3_617), (500, 499), (-50, 20)] {
            let lowest = max(first, 18)
            let brute = lowest <= last ? (lowest...last).filter { !grid.intervals(firingAt: $0).isEmpty }.count : 0
            #expect(grid.fireCount(from: first, through: last) == Int64(brute), "\(intervals) \(first)...\(last)")
        }
    }

    @Test("The spread offset is a stable FNV-1a hash of the job id")
    func stableSpread() {
        #expect(StableHash.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a("entity-42") == 0xd5cb_4b67_6ecc_7353)
        #expect(SchedulerState.spreadOrigin(jobID: "entity-42", largestInterval: 300) == 251)
        #expect(SchedulerState.spreadOrigin(jobID: "entity-42", largestInterval: 60) == 11)
    }
}
