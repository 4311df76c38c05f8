import Foundation
import GrafoleanCollector
import Logging
import NetFlow
import Synchronization
import GrafoleanCollectorTesting
import Testing

@testable import NetFlowBot

/// The window jobs and the state directory without sockets or a backend: runs are made by hand
/// at chosen times, values caught by a sink.
@Suite("NetFlow collector")
struct NetFlowCollectorTests {
    final class CapturingSink: ValueSink {
        struct Batch: Sendable {
            var values: [MeasuredValue]
            var account: Int
            var preservingTime: Bool
        }

        let batches = Mutex<[Batch]>([])

        func send(_ values: [MeasuredValue], account: Int, preservingTime: Bool) async -> ValueSubmission {
            batches.withLock { $0.append(Batch(values: values, account: account, preservingTime: preservingTime)) }
            return ValueSubmission(accepted: values.count)
        }
    }

    static let window = FlowWindow(label: "1min", seconds: 60)
    /// A multiple of 60: a window boundary.
    static let t0: Int64 = 1_699_999_980
    static let exporter = FlowAddress("192.0.2.1")!
    static var quiet: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    static func flow(bytes: UInt64, source: String = "10.0.0.1") -> FlowRecord {
        var record = FlowRecord(exporter: exporter)
        record.sourceAddress = FlowAddress(source)!
        record.destinationAddress = FlowAddress("10.0.0.2")!
        record.protocolNumber = 6
        record.bytes = bytes
        record.inputInterface = 3
        return record
    }

    static func run(at time: Int64, sink: CapturingSink, logger: Logger = quiet) -> JobRun {
        JobRun(
            jobID: "aggr/1min/1", firedIntervals: [60], scheduledTime: Date(timeIntervalSince1970: Double(time)),
            deadline: Date(timeIntervalSince1970: Double(time + 60)), logger: logger, sink: sink, clock: SystemClock())
    }

    /// A state started at `start` with the exporter mapped to entity 10 of account 1 and a silent entity 11.
    static func state(start: Int64) -> NetFlowState {
        let state = NetFlowState(windows: [window], directionRule: .field61, now: Date(timeIntervalSince1970: Double(start)))
        state.exporters.withLock {
            $0.assign(exporter, account: 1, entity: 10)
            $0.addEntity(account: 1, entity: 11)
        }
        return state
    }

    @Test func theFirstPartialWindowIsSkippedAndTheNextPostedWithOneTimestamp() async throws {
        let start: Int64 = Self.t0 + 30  // mid-window
        let state = Self.state(start: start)
        let map = state.exporters.withLock { $0 }
        state.aggregator.withLock {
            $0.add([Self.flow(bytes: 500)], receivedAt: start + 1, exporters: map)  // partial window [t0, +60)
            $0.add([Self.flow(bytes: 1_000)], receivedAt: Self.t0 + 70, exporters: map)  // the full window ending t0 + 120
            $0.add([Self.flow(bytes: 234, source: "10.0.0.9")], receivedAt: Self.t0 + 119, exporters: map)
        }
        let sink = CapturingSink()
        let job = NetFlowCollector.WindowJob(account: 1, window: Self.window, grace: 2)
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 62, sink: sink))
        #expect(sink.batches.withLock { $0.isEmpty })
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 122, sink: sink))
        let batches = sink.batches.withLock { $0 }
        try #require(batches.count == 1)
        let batch = batches[0]
        #expect(batch.account == 1 && batch.preservingTime)
        #expect(Set(batch.values.map(\.time)) == [Date(timeIntervalSince1970: Double(Self.t0 + 120))])
        let values = Dictionary(batch.values.map { ($0.path, $0.value) }, uniquingKeysWith: { $1 })
        #expect(values["netflow.1min.ingress"] == 1_234)
        #expect(values["netflow.1min.ingress.entity.10"] == 1_234)
        #expect(values["netflow.1min.ingress.entity.10.if.3"] == 1_234)
        #expect(values["netflow.1min.ingress.entity.10.topip.10%2e0%2e0%2e1"] == 1_000)
        #expect(values["netflow.1min.ingress.entity.10.topprotocol.TCP"] == 1_234)
        #expect(values["netflow.1min.ingress.entity.11"] == 0)
        #expect(values["netflow.1min.egress.entity.10"] == 0)
    }

    @Test func anEntityEnabledDuringAWindowIsLeftOutOfIt() async throws {
        let state = Self.state(start: Self.t0)
        var map = state.exporters.withLock { $0 }
        state.updateMapping(map, now: Self.t0 + 1)
        let other = FlowAddress("192.0.2.2")!
        map.assign(other, account: 1, entity: 12)
        state.updateMapping(map, now: Self.t0 + 20)  // enabled mid-window
        var late = Self.flow(bytes: 5)
        late.exporter = other
        state.aggregator.withLock {
            $0.add([Self.flow(bytes: 100), late], receivedAt: Self.t0 + 30, exporters: map)
            $0.add([Self.flow(bytes: 100), late], receivedAt: Self.t0 + 90, exporters: map)
        }
        let sink = CapturingSink()
        let job = NetFlowCollector.WindowJob(account: 1, window: Self.window, grace: 2)
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 62, sink: sink))
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 122, sink: sink))
        let batches = sink.batches.withLock { $0 }.map { Dictionary($0.values.map { ($0.path, $0.value) }, uniquingKeysWith: { $1 }) }
        try #require(batches.count == 2)
        #expect(batches[0]["netflow.1min.ingress"] == 100)
        #expect(batches[0]["netflow.1min.ingress.entity.10"] == 100)
        #expect(!batches[0].keys.contains { $0.hasPrefix("netflow.1min.ingress.entity.12") })
        #expect(batches[1]["netflow.1min.ingress"] == 105)
        #expect(batches[1]["netflow.1min.ingress.entity.12"] == 5)
    }

    @Test func aLateRunPostsTheLatestEndedWindow() async throws {
        let state = Self.state(start: Self.t0)
        let map = state.exporters.withLock { $0 }
        state.aggregator.withLock { $0.add([Self.flow(bytes: 7)], receivedAt: Self.t0 + 10, exporters: map) }
        let sink = CapturingSink()
        // A run due off the grid (a changed job, a clock step) posts the latest window that ended before its grace.
        await NetFlowCollector.post(
            NetFlowCollector.WindowJob(account: 1, window: Self.window, grace: 2), state: state, run: Self.run(at: Self.t0 + 75, sink: sink))
        let values = sink.batches.withLock { $0.flatMap(\.values) }
        #expect(values.first { $0.path == "netflow.1min.ingress.entity.10" }?.value == 7)
        #expect(values.allSatisfy { $0.time == Date(timeIntervalSince1970: Double(Self.t0 + 60)) })
    }

    /// The posted batches as end time → path → value.
    static func posted(_ sink: CapturingSink) -> [Int64: [String: Double]] {
        var result: [Int64: [String: Double]] = [:]
        for batch in sink.batches.withLock({ $0 }) {
            for value in batch.values { result[Int64(value.time.timeIntervalSince1970), default: [:]][value.path] = value.value }
        }
        return result
    }

    @Test func aMissedRunsWindowIsPostedByTheNextRunAtItsOwnEndAndNoWindowTwice() async throws {
        let state = Self.state(start: Self.t0)
        let map = state.exporters.withLock { $0 }
        state.aggregator.withLock {
            $0.add([Self.flow(bytes: 10)], receivedAt: Self.t0 + 10, exporters: map)
            $0.add([Self.flow(bytes: 20)], receivedAt: Self.t0 + 70, exporters: map)
        }
        let sink = CapturingSink()
        let job = NetFlowCollector.WindowJob(account: 1, window: Self.window, grace: 2)
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 62, sink: sink))
        // The run due at t0 + 122 is skipped (the bot was starved); flows of the next window arrive.
        state.aggregator.withLock { $0.add([Self.flow(bytes: 30)], receivedAt: Self.t0 + 130, exporters: map) }
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 182, sink: sink))
        // The same run again (a repeated fire) posts nothing: zeros would overwrite the values.
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 182, sink: sink))
        let posted = Self.posted(sink)
        #expect(posted.keys.sorted() == [Self.t0 + 60, Self.t0 + 120, Self.t0 + 180])
        #expect(posted[Self.t0 + 60]?["netflow.1min.ingress.entity.10"] == 10)
        #expect(posted[Self.t0 + 120]?["netflow.1min.ingress.entity.10"] == 20)
        #expect(posted[Self.t0 + 180]?["netflow.1min.ingress.entity.10"] == 30)
        #expect(sink.batches.withLock { $0.count } == 3)
    }

    @Test func aMissedWindowWhoseFlowsWereDroppedIsCountedLostNotPostedAsZeros() async throws {
        let state = Self.state(start: Self.t0)
        let map = state.exporters.withLock { $0 }
        state.aggregator.withLock { $0.add([Self.flow(bytes: 10)], receivedAt: Self.t0 + 10, exporters: map) }
        let sink = CapturingSink()
        let job = NetFlowCollector.WindowJob(account: 1, window: Self.window, grace: 2)
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 62, sink: sink))
        // Flows for the window ending t0 + 120; its run is missed, and so are the next two, while
        // flows two windows later make the aggregator drop that tile (it holds at most three).
        state.aggregator.withLock {
            $0.add([Self.flow(bytes: 20)], receivedAt: Self.t0 + 70, exporters: map)
            $0.add([Self.flow(bytes: 40)], receivedAt: Self.t0 + 250, exporters: map)
        }
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 302, sink: sink))
        let posted = Self.posted(sink)
        // The dropped window is not posted (zeros would claim there was no traffic); the two
        // windows that never held a flow are zeros; the run's own window has its flows.
        #expect(posted.keys.sorted() == [Self.t0 + 60, Self.t0 + 180, Self.t0 + 240, Self.t0 + 300])
        #expect(posted[Self.t0 + 180]?["netflow.1min.ingress.entity.10"] == 0)
        #expect(posted[Self.t0 + 240]?["netflow.1min.ingress.entity.10"] == 0)
        #expect(posted[Self.t0 + 300]?["netflow.1min.ingress.entity.10"] == 40)
    }

    @Test func aRunAfterAPauseLongerThanTheCatchUpPostsTheLatestWindowsOnly() async throws {
        let state = Self.state(start: Self.t0)
        let sink = CapturingSink()
        let job = NetFlowCollector.WindowJob(account: 1, window: Self.window, grace: 2)
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 62, sink: sink))
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 60 * 30 + 2, sink: sink))
        let ends = Self.posted(sink).keys.sorted()
        #expect(ends.count == 1 + Int(NetFlowCollector.maximumCatchUp) + 1)
        #expect(ends.last == Self.t0 + 60 * 30)
    }

    @Test func aRestartAfterALongStopPostsNoWindowFromBeforeItAndSaysSoOnce() async throws {
        let state = Self.state(start: Self.t0)
        let sink = CapturingSink()
        let job = NetFlowCollector.WindowJob(account: 1, window: Self.window, grace: 2)
        await NetFlowCollector.post(job, state: state, run: Self.run(at: Self.t0 + 62, sink: sink))
        // As restored after an hour's stop: the tiles and what was reported kept, coverage from now.
        let restart = Self.t0 + 3_600 + 30
        let restored = Self.state(start: restart)
        restored.aggregator.withLock { $0 = state.aggregator.withLock { $0 } }
        restored.aggregator.withLock { $0.coverageStart = restart }
        let log = LogCapture()
        await NetFlowCollector.post(job, state: restored, run: Self.run(at: Self.t0 + 3_600 + 62, sink: sink, logger: log.logger))
        #expect(Self.posted(sink).keys.sorted() == [Self.t0 + 60])
        #expect(log.all.filter { $0.message.contains("the bot started during it") }.count == 1)
        #expect(!log.all.contains { $0.message.contains("lost") })
    }

    @Test func theStateDirectoryKeepsTemplatesAndTilesAndAnOldCheckpointRestartsCoverage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netflow-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let start: Int64 = Self.t0
        let state = Self.state(start: start)
        let map = state.exporters.withLock { $0 }
        state.aggregator.withLock { $0.add([Self.flow(bytes: 42)], receivedAt: start + 5, exporters: map) }
        try state.save(to: directory)
        #expect(!FileManager.default.fileExists(atPath: directory + "/." + NetFlowState.aggregatorFile + ".tmp"))
        let modified = try #require(
            try FileManager.default.attributesOfItem(atPath: directory + "/" + NetFlowState.aggregatorFile)[.modificationDate] as? Date)

        // Loaded soon after: the window in progress is complete and keeps its flows.
        let soon = NetFlowState.load(
            from: directory, windows: [Self.window], directionRule: .field61, now: modified.addingTimeInterval(5), maximumGap: 22, logger: Self.quiet)
        #expect(soon.aggregator.withLock { $0.coverageStart } == start)
        let values = soon.aggregator.withLock { $0.values(account: 1, window: Self.window, endingAt: start + 60, exporters: map) }
        #expect(values.first { $0.path == "netflow.1min.ingress.entity.10" }?.value == 42)

        // Loaded after a long stop: flows were missed, so coverage restarts (windows in progress are partial).
        let late = modified.addingTimeInterval(600)
        let old = NetFlowState.load(from: directory, windows: [Self.window], directionRule: .field61, now: late, maximumGap: 22, logger: Self.quiet)
        #expect(old.aggregator.withLock { $0.coverageStart } == Int64(late.timeIntervalSince1970.rounded(.up)))

        // Other windows: the checkpoint is not used.
        let other = NetFlowState.load(
            from: directory, windows: FlowWindow.all, directionRule: .field61, now: modified, maximumGap: 22, logger: Self.quiet)
        #expect(other.aggregator.withLock { $0.statistics.flows } == 0)
    }

    @Test func theLongerWindowsAreRewrittenOnlyWhenTheyChangeAndPartsThatDoNotGoTogetherAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netflow-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let start: Int64 = 1_700_006_400  // a day boundary: every window's tile starts here
        let state = NetFlowState(windows: FlowWindow.all, directionRule: .field61, now: Date(timeIntervalSince1970: Double(start)))
        var map = ExporterMap()
        map.assign(Self.exporter, account: 1, entity: 10)
        state.updateMapping(map, now: start)
        let windows = directory + "/" + NetFlowState.windowsFile
        func inode() throws -> Int? { try FileManager.default.attributesOfItem(atPath: windows)[.systemFileNumber] as? Int }

        state.aggregator.withLock { $0.add([Self.flow(bytes: 10)], receivedAt: start + 5, exporters: map) }
        try state.save(to: directory)
        let first = try inode()
        let firstWindows = try Data(contentsOf: URL(fileURLWithPath: windows))
        // Same minute: only minute tiles changed, the longer windows' file is left as it is.
        state.aggregator.withLock { $0.add([Self.flow(bytes: 20)], receivedAt: start + 10, exporters: map) }
        try state.save(to: directory)
        #expect(try inode() == first)
        // The next minute folds the first one into the longer windows: rewritten.
        state.aggregator.withLock { $0.add([Self.flow(bytes: 30)], receivedAt: start + 65, exporters: map) }
        try state.save(to: directory)
        #expect(try inode() != first)

        let loaded = NetFlowState.load(
            from: directory, windows: FlowWindow.all, directionRule: .field61, now: Date(timeIntervalSince1970: Double(start + 70)), maximumGap: 1e9,
            logger: Self.quiet)
        let quarter = loaded.aggregator.withLock { $0.values(account: 1, window: .fifteenMinutes, endingAt: start + 900, exporters: map) }
        #expect(quarter.first { $0.path == "netflow.15min.ingress.entity.10" }?.value == 60)

        // A stop between the two writes: the older longer-windows file does not go with the rest.
        try firstWindows.write(to: URL(fileURLWithPath: windows))
        let capture = LogCapture()
        let mismatched = NetFlowState.load(
            from: directory, windows: FlowWindow.all, directionRule: .field61, now: Date(timeIntervalSince1970: Double(start + 70)), maximumGap: 1e9,
            logger: capture.logger)
        #expect(mismatched.aggregator.withLock { $0.statistics.flows } == 0)
        #expect(capture.messages(.warning, containing: "ignoring unreadable NetFlow checkpoint").count == 1)
    }
}
