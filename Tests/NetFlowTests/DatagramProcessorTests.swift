import Foundation
import GrafoleanCollectorTesting
import NIOCore
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
        let processor = NetFlowDatagramProcessor(state: state, logger: capture.logger)
        let truncated: [UInt8] = [0, 9, 0, 1, 0, 0]  // a v9 header cut short
        for (exporter, time) in [("10.0.0.1", 0), ("10.0.0.1", 30_000), ("10.0.0.2", 30_000), ("10.0.0.1", 59_999), ("10.0.0.1", 60_000), ("10.0.0.1", 130_000)] {
            processor.process(Self.datagram(exporter, bytes: truncated, at: UInt64(time)))
        }
        let warnings = capture.records(containing: "malformed NetFlow datagram")
        #expect(warnings.map { $0.metadata["exporter"] } == ["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.1"])
        let errors = state.decoder.withLock { $0.statistics.errors.values.reduce(0, +) }
        #expect(errors == 6)
    }

    @Test func flowsOfAGoodDatagramReachTheAggregator() {
        let state = NetFlowState(windows: FlowWindow.all, directionRule: .field61, now: Date())
        var map = ExporterMap()
        map.assign(address("10.0.0.1"), account: 1, entity: 7)
        state.updateMapping(map, now: 0)
        let processor = NetFlowDatagramProcessor(state: state, logger: LogCapture().logger)
        var message = MessageBuilder(version: 9)
        message.template(256, StandardTemplate.fields)
        message.data(256, [StandardTemplate.record(source: "10.1.0.1", destination: "10.1.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 640, packets: 1)])
        processor.process(Self.datagram("10.0.0.1", bytes: message.bytes, at: 1_700_000_000_000))
        #expect(state.aggregator.withLock { $0.statistics.flows } == 1)
        #expect(state.aggregator.withLock { $0.statistics.unmappedFlows } == 0)
    }

    @Test func theKernelsDropsAreCountedOnceEach() {
        let capture = LogCapture()
        let processor = NetFlowDatagramProcessor(state: NetFlowState(windows: FlowWindow.all, directionRule: .field61, now: Date()), logger: capture.logger)
        processor.countKernelDrops(0)
        processor.countKernelDrops(5)
        processor.countKernelDrops(5)
        processor.countKernelDrops(nil)
        processor.countKernelDrops(12)
        #expect(processor.kernelDrops == 12)
        #expect(capture.messages(.warning, containing: "the kernel dropped").count == 2)
        #expect(capture.messages(.warning, containing: "dropped 7 NetFlow datagrams").count == 1)
    }
}
