import Testing

@testable import NetFlowBot

@Suite("Flows the aggregator could not count are reported")
struct UncountedFlowsReportTests {
    typealias Statistics = NetFlowAggregator.Statistics

    @Test func eachReasonIsLoggedAtOnceThenAtMostEveryTenMinutesWithTheCountSince() {
        var report = UncountedFlowsReport(from: Statistics())
        let first = report.update(Statistics(flows: 9, unmappedFlows: 5), now: 1_000)
        #expect(first.map(\.reason) == [.unknownExporter] && first.map(\.count) == [5])
        // More within ten minutes: counted, not logged.
        #expect(report.update(Statistics(flows: 12, unmappedFlows: 8), now: 1_010).isEmpty)
        // Another reason is logged at once; the first again after ten minutes, with what came since.
        let later = report.update(Statistics(flows: 14, unmappedFlows: 8, lateFlows: 2), now: 1_020)
        #expect(later.map(\.reason) == [.late] && later.map(\.count) == [2])
        let again = report.update(Statistics(flows: 14, unmappedFlows: 8, lateFlows: 2, staleTiles: 1), now: 1_600)
        #expect(again.map(\.reason) == [.unknownExporter, .droppedTile] && again.map(\.count) == [3, 1])
        #expect(report.update(Statistics(flows: 14, unmappedFlows: 8, lateFlows: 2, staleTiles: 1), now: 3_000).isEmpty)
    }

    @Test func countsRestoredWithACheckpointAreNotReportedAgain() {
        let restored = Statistics(flows: 100, otherDirectionFlows: 7)
        var report = UncountedFlowsReport(from: restored)
        #expect(report.update(restored, now: 1_000).isEmpty)
        #expect(report.update(Statistics(flows: 101, otherDirectionFlows: 8), now: 1_001).map(\.count) == [1])
    }
}
