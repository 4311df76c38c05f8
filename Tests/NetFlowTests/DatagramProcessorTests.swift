import Foundation
import GrafoleanCollectorTesting
import NIOCore
import NIOPosix
import NetFlow
import Testing

@testable import NetFlowBot

@Suite("The bot's datagram processing")
struct DatagramProcessorTests {
    static func datagram(_ exporter: String, bytes: [UInt8], at milliseconds: UInt64) -> NetFlowDatagram {
        NetFlowDatagram(exporter: address(exporter), bytes: ByteBuffer(bytes: bytes), receivedAtMilliseconds: milliseconds)
    }

    @Test func aBrokenExporterIsLoggedAtMostOnceAMinuteAndEveryErrorCounted() {
        let capture = LogCapture()
        let state = NetFlowState(windows: FlowWindow.all, directionRule: .field61, now: Date())
        let processor = NetFlowDatagramProcessor(state: state, worker: AggregationWorker(state: state), eventLoop: nil, logger: capture.logger)
        let truncated: [UInt8] = [0, 9, 0, 1, 0, 0]  // a v9 header cut short
        for (exporter, time) in [("10.0.0.1", 0), ("10.0.0.1", 30_000), ("10.0.0.2", 30_000), ("10.0.0.1", 59_999), ("10.0.0.1", 60_000), ("10.0.0.1", 130_000)] {
            processor.process(Self.datagram(exporter, bytes: truncated, at: UInt64(time)))
        }
        let warnings = capture.records(containing: "malformed NetFlow datagram")
        #expect(warnings.map { $0.metadata["exporter"] } == ["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.1"])
        let errors = state.decoder.withLock { $0.statistics.errors.values.reduce(0, +) }
        #expect(errors == 6)
    }

    @Test func flowsOfAGoodDatagramReachTheAggregator() async {
        let state = NetFlowState(windows: FlowWindow.all, directionRule: .field61, now: Date())
        var map = ExporterMap()
        map.assign(address("10.0.0.1"), account: 1, entity: 7)
        state.updateMapping(map, now: 0)
        let worker = AggregationWorker(state: state)
        let processor = NetFlowDatagramProcessor(state: state, worker: worker, eventLoop: nil, logger: LogCapture().logger)
        var message = ExportMessage(version: 9)
        message.template(256, StandardTemplate.fields)
        message.data(256, [StandardTemplate.record(source: "10.1.0.1", destination: "10.1.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 640, packets: 1)])
        processor.process(Self.datagram("10.0.0.1", bytes: message.bytes, at: 1_700_000_000_000))
        await worker.shutdown()
        #expect(state.aggregator.withLock { $0.statistics.flows } == 1)
        #expect(state.aggregator.withLock { $0.statistics.unmappedFlows } == 0)
    }

    @Test func theKernelsDropsAreCountedOnceEach() {
        let capture = LogCapture()
        let state = NetFlowState(windows: FlowWindow.all, directionRule: .field61, now: Date())
        let processor = NetFlowDatagramProcessor(state: state, worker: AggregationWorker(state: state), eventLoop: nil, logger: capture.logger)
        processor.countKernelDrops(0)
        processor.countKernelDrops(5)
        processor.countKernelDrops(5)
        processor.countKernelDrops(nil)
        processor.countKernelDrops(12)
        #expect(processor.kernelDrops == 12)
        #expect(capture.messages(.warning, containing: "the kernel dropped").count == 2)
        #expect(capture.messages(.warning, containing: "dropped 7 NetFlow datagrams").count == 1)
    }

    /// Flows handed over per read cycle on the listener's loop, and big batches at once: all
    /// arrive, in their seconds, whatever the batching.
    @Test func theWorkerAddsEveryFlowWhateverTheBatching() async throws {
        let state = NetFlowState(windows: [.oneMinute], directionRule: .field61, now: Date(timeIntervalSince1970: 1_700_000_040))
        var map = ExporterMap()
        map.assign(address("10.0.0.1"), account: 1, entity: 7)
        state.updateMapping(map, now: 0)
        let worker = AggregationWorker(state: state)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        var flow = FlowRecord(exporter: address("10.0.0.1"), sourceAddress: address("10.1.0.1"), destinationAddress: address("10.1.0.2"), protocolNumber: 6, bytes: 1)
        flow.inputInterface = 1
        // 20,000 flows in the minute ending at …100 and 3 in the next one, from the loop's thread.
        try await loop.submit {
            for index in 0..<20_003 {
                worker.add([flow], receivedAt: index < 20_000 ? 1_700_000_050 : 1_700_000_110, eventLoop: loop)
            }
        }.get()
        try await loop.submit {}.get()  // the scheduled hand-off has run
        await worker.shutdown()
        let (first, second) = state.aggregator.withLock { aggregator in
            (aggregator.values(account: 1, window: .oneMinute, endingAt: 1_700_000_100, exporters: map),
             aggregator.values(account: 1, window: .oneMinute, endingAt: 1_700_000_160, exporters: map))
        }
        #expect(first.first { $0.path == "netflow.1min.ingress.entity.7" }?.value == 20_000)
        #expect(second.first { $0.path == "netflow.1min.ingress.entity.7" }?.value == 3)
    }
}
