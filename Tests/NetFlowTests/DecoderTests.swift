import NetFlow
import Testing

@Suite("Decoding hand-built v5, v9 and IPFIX datagrams")
struct DecoderTests {
    static let exporterA = address("192.0.2.1")
    static let exporterB = address("192.0.2.2")
    static let now: UInt64 = 1_700_000_000_000

    private func decode(_ decoder: inout NetFlowDecoder, _ bytes: [UInt8], from exporter: FlowAddress = exporterA, at time: UInt64 = now) -> ([FlowRecord], NetFlowDecoder.DecodeResult) {
        var flows: [FlowRecord] = []
        let result = decoder.decode(bytes, from: exporter, receivedAtMilliseconds: time, into: &flows)
        return (flows, result)
    }

    @Test func v5WithEveryByteBelow0x80() {
        // The reference first tries such datagrams as hex text and rejects them.
        var datagram: [UInt8] = []
        datagram.put16(5)
        datagram.put16(1)
        datagram.put32(0x0000_1000)  // sysUptime
        datagram.put32(0x6000_0000)  // unix seconds
        datagram.put32(0)
        datagram.put32(1)
        datagram += [0, 0, 0, 0]
        datagram += ExportMessage.v5Record(source: address("10.0.0.1"), destination: address("10.0.0.2"), sourcePort: 1100, destinationPort: 80, protocolNumber: 6, bytes: 0x7F7F, packets: 3, input: 2, output: 3)
        datagram.replaceSubrange(24 + 24..<24 + 32, with: [0, 0, 0x0F, 0, 0, 0, 0x0F, 0x10])  // first/last below uptime
        #expect(datagram.allSatisfy { $0 < 0x80 }, "\(datagram.enumerated().filter { $0.element >= 0x80 }.map(\.offset))")
        var decoder = NetFlowDecoder()
        let (flows, result) = decode(&decoder, datagram)
        #expect(result.errors.isEmpty)
        #expect(flows.count == 1)
        let flow = flows[0]
        #expect(flow.version == 5)
        #expect(flow.sourceAddress == address("10.0.0.1"))
        #expect(flow.destinationAddress == address("10.0.0.2"))
        #expect(flow.sourcePort == 1100 && flow.destinationPort == 80 && flow.protocolNumber == 6)
        #expect(flow.bytes == 0x7F7F && flow.packets == 3)
        #expect(flow.inputInterface == 2 && flow.outputInterface == 3)
        #expect(flow.direction == 0 && !flow.hasDirection)
        #expect(flow.startMilliseconds == 0x6000_0000 * 1000 - (0x1000 - 0x0F00))
    }

    @Test func v5SamplingAndLyingCount() {
        var decoder = NetFlowDecoder()
        let records = [
            ExportMessage.v5Record(source: address("10.0.0.1"), destination: address("10.0.0.2"), sourcePort: 1, destinationPort: 2, protocolNumber: 17, bytes: 100, packets: 1),
            ExportMessage.v5Record(source: address("10.0.0.3"), destination: address("10.0.0.4"), sourcePort: 3, destinationPort: 4, protocolNumber: 6, bytes: 200, packets: 2),
        ]
        // Mode 01 (deterministic) in the top 2 bits, interval 100 in the low 14.
        let (flows, result) = decode(&decoder, ExportMessage.v5(records: records, sampling: 0x4000 | 100, engine: (1, 2)))
        #expect(result.errors.isEmpty)
        #expect(flows.map(\.bytes) == [10_000, 20_000])
        #expect(flows.map(\.packets) == [100, 200])
        #expect(flows.allSatisfy { $0.samplingRate == 100 && $0.sourceID == 0x0102 })

        // Count says 3, only 2 records: the 2 are kept, the lie is reported.
        let (lying, lyingResult) = decode(&decoder, ExportMessage.v5(records: records, count: 3))
        #expect(lying.count == 2)
        #expect(lyingResult.error?.code == .recordCountMismatch)
        #expect(decoder.statistics.errors[.init(exporter: Self.exporterA, code: .recordCountMismatch)] == 1)
    }

    @Test func v9TemplateAndDataWithDirectionInterfacesAndPadding() {
        var message = ExportMessage(version: 9, domain: 7)
        message.template(300, StandardTemplate.fields)
        message.data(300, [
            StandardTemplate.record(source: "10.1.1.1", destination: "10.2.2.2", sourcePort: 5000, destinationPort: 443, protocolNumber: 6, bytes: 1500, packets: 3, input: 4, output: 5, direction: 1),
        ])
        // One 34-byte record padded to 36: no phantom record from the 2 padding bytes.
        #expect(message.sets[1].count == 40)
        var decoder = NetFlowDecoder()
        let (flows, result) = decode(&decoder, message.bytes)
        #expect(result.errors.isEmpty)
        #expect(flows.count == 1)
        let flow = flows[0]
        #expect(flow.sourceID == 7 && flow.version == 9)
        #expect(flow.direction == 1 && flow.hasDirection)
        #expect(flow.inputInterface == 4 && flow.outputInterface == 5)
        #expect(flow.bytes == 1500 && flow.packets == 3)
        #expect(flow.destinationPort == 443 && flow.protocolNumber == 6)
        #expect(flow.startMilliseconds == 1_700_000_000_000 - 10_000)
        #expect(flow.endMilliseconds == 1_700_000_000_000 - 1_000)
    }

    @Test func missingFieldsTakeTheReferenceDefaults() {
        var message = ExportMessage(version: 9)
        message.template(256, [(8, 4), (12, 4), (1, 4)])
        var record: [UInt8] = []
        record.put(address("10.0.0.1"))
        record.put(address("10.0.0.2"))
        record.put32(42)
        message.data(256, [record])
        var decoder = NetFlowDecoder()
        let (flows, _) = decode(&decoder, message.bytes)
        #expect(flows == [FlowRecord(exporter: Self.exporterA, version: 9, sourceAddress: address("10.0.0.1"), destinationAddress: address("10.0.0.2"), bytes: 42)])
    }

    @Test func twoExportersWithTheSameTemplateIDDoNotMix() {
        var decoder = NetFlowDecoder()
        var a = ExportMessage(version: 9)
        a.template(256, StandardTemplate.fields)
        var b = ExportMessage(version: 9)
        b.template(256, [(12, 4), (8, 4), (1, 8)])  // another layout under the same ID
        _ = decode(&decoder, a.bytes, from: Self.exporterA)
        _ = decode(&decoder, b.bytes, from: Self.exporterB)
        var dataA = ExportMessage(version: 9)
        dataA.data(256, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 17, bytes: 77, packets: 1)])
        var recordB: [UInt8] = []
        recordB.put(address("10.9.9.9"))
        recordB.put(address("10.8.8.8"))
        recordB.put(5_000_000_000, 8)
        var dataB = ExportMessage(version: 9)
        dataB.data(256, [recordB])
        let (flowsA, _) = decode(&decoder, dataA.bytes, from: Self.exporterA)
        let (flowsB, _) = decode(&decoder, dataB.bytes, from: Self.exporterB)
        #expect(flowsA.map(\.bytes) == [77])
        #expect(flowsA.first?.sourceAddress == address("10.0.0.1"))
        #expect(flowsB.map(\.bytes) == [5_000_000_000])
        #expect(flowsB.first?.sourceAddress == address("10.8.8.8"))
        #expect(flowsB.first?.exporter == Self.exporterB)
        // Same exporter, another source ID: a different template space too.
        var other = ExportMessage(version: 9, domain: 9)
        other.data(256, [recordB])
        let (none, result) = decode(&decoder, other.bytes, from: Self.exporterA)
        #expect(none.isEmpty && result.queuedSetCount == 1)
    }

    @Test func dataBeforeItsTemplateIsDecodedWhenTheTemplateArrives() {
        var decoder = NetFlowDecoder()
        var data = ExportMessage(version: 9)
        data.data(400, [
            StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 17, bytes: 10, packets: 1),
            StandardTemplate.record(source: "10.0.0.3", destination: "10.0.0.4", sourcePort: 3, destinationPort: 4, protocolNumber: 17, bytes: 20, packets: 1),
        ])
        let (early, earlyResult) = decode(&decoder, data.bytes)
        #expect(early.isEmpty && earlyResult.queuedSetCount == 1 && earlyResult.errors.isEmpty)
        #expect(decoder.pendingSetCount == 1)
        var template = ExportMessage(version: 9)
        template.template(400, StandardTemplate.fields)
        let (late, _) = decode(&decoder, template.bytes, at: Self.now + 5_000)
        #expect(late.map(\.bytes) == [10, 20])
        #expect(decoder.pendingSetCount == 0)
        #expect(decoder.statistics.pendingDecoded == 1)
    }

    @Test func queuedDataExpiresAndOverflowsCounted() {
        var configuration = NetFlowDecoder.Configuration()
        configuration.pendingSetLimit = 2
        configuration.pendingLifetimeMilliseconds = 10_000
        var decoder = NetFlowDecoder(configuration: configuration)
        var data = ExportMessage(version: 9)
        data.data(500, [[1, 2, 3, 4]])
        for _ in 0..<3 { _ = decode(&decoder, data.bytes) }
        #expect(decoder.statistics.count(.pendingOverflow) == 1)
        #expect(decoder.pendingSetCount == 2)
        decoder.expirePending(now: Self.now + 10_000)
        #expect(decoder.statistics.count(.pendingExpired) == 2)
        #expect(decoder.pendingSetCount == 0)
    }

    @Test func v9OptionsSamplingAppliesToTheExporter() {
        var decoder = NetFlowDecoder()
        var message = ExportMessage(version: 9)
        // softflowd's shape: scope Interface (4), options 34 SAMPLING_INTERVAL (4), 35 (1).
        message.optionsTemplate(256, scope: [(2, 4)], options: [(34, 4), (35, 1)])
        message.data(256, [[0, 0, 0, 0] + .be(10, 4) + [1]])
        message.template(1024, StandardTemplate.fields)
        message.data(1024, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 17, bytes: 100, packets: 1)])
        let (flows, result) = decode(&decoder, message.bytes)
        #expect(result.errors.isEmpty)
        #expect(flows.map(\.bytes) == [1000])
        #expect(flows.map(\.packets) == [10])
        #expect(flows.first?.samplingRate == 10)
        #expect(decoder.samplingRate(exporter: Self.exporterA, domain: 0) == 10)
        // Another exporter is not sampled.
        var other = ExportMessage(version: 9)
        other.template(1024, StandardTemplate.fields)
        other.data(1024, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 17, bytes: 100, packets: 1)])
        #expect(decode(&decoder, other.bytes, from: Self.exporterB).0.map(\.bytes) == [100])
    }

    @Test func v9SamplerScopedRandomIntervalAndPerFlowSampler() {
        var decoder = NetFlowDecoder()
        var message = ExportMessage(version: 9)
        // Cisco's "flow sampler" options: scope System, 48 FLOW_SAMPLER_ID, 49 mode, 50 random interval.
        message.optionsTemplate(257, scope: [(1, 4)], options: [(48, 1), (49, 1), (50, 4)])
        message.data(257, [[0, 0, 0, 0, 1, 2] + .be(100, 4), [0, 0, 0, 0, 2, 2] + .be(1000, 4)])
        message.template(258, [(8, 4), (12, 4), (1, 4), (48, 1)])
        var one: [UInt8] = []
        one.put(address("10.0.0.1")); one.put(address("10.0.0.2")); one.put32(5); one.append(1)
        var two: [UInt8] = []
        two.put(address("10.0.0.1")); two.put(address("10.0.0.2")); two.put32(5); two.append(2)
        message.data(258, [one, two])
        let (flows, result) = decode(&decoder, message.bytes)
        #expect(result.errors.isEmpty)
        #expect(flows.map(\.bytes) == [500, 5000])
        #expect(flows.map(\.samplingRate) == [100, 1000])
    }

    @Test func ipfixVariableLengthEnterpriseFieldsAndPadding() {
        var message = ExportMessage(version: 10, domain: 3)
        // 8, 12, an enterprise field (4 bytes, skipped), a variable-length string, 1 (8 bytes), 4, 61.
        message.template(256, [(8, 4), (12, 4), (1, 4), (82, 0xFFFF), (1, 8), (4, 1), (61, 1)], enterprise: [2: 9])
        var short: [UInt8] = []
        short.put(address("10.0.0.1")); short.put(address("10.0.0.2")); short.put32(0xDEAD_BEEF)
        short += [3] + Array("eth".utf8)
        short.put(1234, 8); short.append(17); short.append(1)
        var long: [UInt8] = []
        long.put(address("10.0.0.3")); long.put(address("10.0.0.4")); long.put32(0xDEAD_BEEF)
        long += [255] + Array<UInt8>.be(300, 2) + [UInt8](repeating: 0x41, count: 300)
        long.put(5678, 8); long.append(6); long.append(0)
        message.data(256, [short, long], padTo: 8)
        var decoder = NetFlowDecoder()
        let (flows, result) = decode(&decoder, message.bytes)
        #expect(result.errors.isEmpty)
        #expect(flows.count == 2)
        #expect(flows.map(\.bytes) == [1234, 5678])
        #expect(flows.map(\.protocolNumber) == [17, 6])
        #expect(flows.map(\.direction) == [1, 0])
        #expect(flows.allSatisfy { $0.version == 10 && $0.sourceID == 3 })
    }

    @Test func ipfixFixedRecordsWithPaddingGiveNoPhantomRecord() {
        var message = ExportMessage(version: 10)
        message.template(256, StandardTemplate.fields)
        // One 34-byte record padded to a 64-byte set: the 26 padding bytes must not become a record.
        message.data(256, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 1, packets: 1)], padTo: 32)
        var decoder = NetFlowDecoder()
        let (flows, result) = decode(&decoder, message.bytes)
        #expect(result.errors.isEmpty)
        #expect(flows.count == 1)
    }

    @Test func ipfixSamplingFrom305And306() {
        var message = ExportMessage(version: 10)
        // softflowd's IPFIX shape: scope 143, then 160, 305, 306, 304, 82.
        message.optionsTemplate(256, scope: [(143, 4)], options: [(160, 8), (305, 4), (306, 4), (304, 2), (82, 16)])
        message.data(256, [.be(1, 4) + .be(1_699_999_000_000, 8) + .be(1, 4) + .be(9, 4) + .be(1, 2) + [UInt8](repeating: 0, count: 16)])
        message.template(1024, StandardTemplate.fields)
        message.data(1024, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 100, packets: 1, first: 500, last: 900)])
        var decoder = NetFlowDecoder()
        let (flows, result) = decode(&decoder, message.bytes)
        #expect(result.errors.isEmpty)
        #expect(flows.map(\.bytes) == [1000])
        #expect(flows.first?.samplingRate == 10)
        // 22/21 are relative to the announced systemInitTimeMilliseconds.
        #expect(flows.first?.startMilliseconds == 1_699_999_000_500)
        #expect(flows.first?.endMilliseconds == 1_699_999_000_900)
    }

    @Test func ipfixTemplateWithdrawalAndWithdrawAll() {
        var decoder = NetFlowDecoder()
        var define = ExportMessage(version: 10)
        define.template(256, StandardTemplate.fields)
        define.template(257, StandardTemplate.fields)
        define.template(258, StandardTemplate.fields)
        _ = decode(&decoder, define.bytes)
        #expect(decoder.templateCount == 3)
        var withdrawOne = ExportMessage(version: 10)
        withdrawOne.withdraw(256)
        _ = decode(&decoder, withdrawOne.bytes)
        #expect(decoder.templateCount == 2)
        var data = ExportMessage(version: 10)
        data.data(256, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 1, packets: 1)])
        let (none, result) = decode(&decoder, data.bytes)
        #expect(none.isEmpty && result.queuedSetCount == 1)
        // Template ID 2 with no fields in a template set: withdraw all of this exporter's templates.
        var other = ExportMessage(version: 10)
        other.template(300, StandardTemplate.fields)
        _ = decode(&decoder, other.bytes, from: Self.exporterB)
        var withdrawAll = ExportMessage(version: 10)
        withdrawAll.withdraw(2)
        _ = decode(&decoder, withdrawAll.bytes)
        #expect(decoder.templateCount == 1)
        // A replacement template changes the layout of later data.
        var replace = ExportMessage(version: 10)
        replace.template(300, [(12, 4), (1, 4)])
        _ = decode(&decoder, replace.bytes, from: Self.exporterB)
        var newData = ExportMessage(version: 10)
        newData.data(300, [.be(0x0A00_0009, 4) + .be(99, 4)])
        #expect(decode(&decoder, newData.bytes, from: Self.exporterB).0.map(\.bytes) == [99])
    }

    @Test func v9TemplateWithdrawalByEmptyFieldList() {
        var decoder = NetFlowDecoder()
        var define = ExportMessage(version: 9)
        define.template(256, StandardTemplate.fields)
        _ = decode(&decoder, define.bytes)
        var withdraw = ExportMessage(version: 9)
        withdraw.withdraw(256)
        _ = decode(&decoder, withdraw.bytes)
        #expect(decoder.templateCount == 0)
    }

    @Test func ipv6FlowsAndAnIPv6Exporter() {
        let exporter = address("2001:db8::99")
        var message = ExportMessage(version: 9)
        message.template(2048, [(27, 16), (28, 16), (7, 2), (11, 2), (4, 1), (1, 4), (2, 4)])
        var record: [UInt8] = []
        record.put(address("2001:db8::1")); record.put(address("2001:db8:0:1::2"))
        record.put16(5000); record.put16(6000); record.append(17); record.put32(3000); record.put32(3)
        message.data(2048, [record])
        var decoder = NetFlowDecoder()
        let (flows, result) = decode(&decoder, message.bytes, from: exporter)
        #expect(result.errors.isEmpty)
        #expect(flows.first?.sourceAddress == address("2001:db8::1"))
        #expect(flows.first?.destinationAddress.description == "2001:db8:0:1::2")
        #expect(flows.first?.exporter == exporter)
        #expect(flows.first?.bytes == 3000)
        #expect(address("::ffff:10.0.0.1") == address("10.0.0.1"))
    }

    @Test func malformedPartsAreReportedAndTheRestKept() {
        var decoder = NetFlowDecoder()
        #expect(decode(&decoder, []).1.error?.code == .truncatedHeader)
        #expect(decode(&decoder, [0, 9, 0, 1]).1.error?.code == .truncatedHeader)
        #expect(decode(&decoder, [0, 7] + [UInt8](repeating: 0, count: 30)).1.error?.code == .unknownVersion)

        var message = ExportMessage(version: 9)
        message.template(256, StandardTemplate.fields)
        message.template(257, [(8, 4), (1, 0)])  // zero-length field: rejected alone
        message.data(256, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 5, packets: 1)])
        var bytes = message.bytes
        bytes += [1, 0, 0xFF, 0xFF, 1, 2]  // a set claiming 65535 bytes
        let (flows, result) = decode(&decoder, bytes)
        #expect(flows.map(\.bytes) == [5])
        #expect(result.errors.map(\.code) == [.badTemplate, .badSetLength])
        #expect(decoder.templateCount == 1)
        #expect(decoder.statistics.errors[.init(exporter: Self.exporterA, code: .badSetLength)] == 1)

        // IPFIX header length longer than the datagram: reported, sets that are there decoded.
        var ipfix = ExportMessage(version: 10)
        ipfix.template(256, StandardTemplate.fields)
        ipfix.data(256, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 6, packets: 1)])
        var lying = ipfix.bytes
        lying[2] = 0xFF
        let (ipfixFlows, ipfixResult) = decode(&decoder, lying)
        #expect(ipfixFlows.map(\.bytes) == [6])
        #expect(ipfixResult.error?.code == .badMessageLength)
    }

    @Test func templateStateSurvivesARestart() throws {
        var decoder = NetFlowDecoder()
        var message = ExportMessage(version: 9)
        message.optionsTemplate(256, scope: [(2, 4)], options: [(34, 4)])
        message.data(256, [.be(0, 4) + .be(4, 4)])
        message.template(1024, StandardTemplate.fields)
        _ = decode(&decoder, message.bytes)
        var ipfix = ExportMessage(version: 10, domain: 5)
        ipfix.template(700, [(27, 16), (28, 16), (1, 8), (82, 0xFFFF)], enterprise: [2: 1])
        _ = decode(&decoder, ipfix.bytes, from: Self.exporterB)
        let saved = try decoder.serializedState()

        var restarted = NetFlowDecoder()
        try restarted.restoreState(from: saved)
        #expect(restarted.templateCount == 3)
        #expect(restarted.exportState() == decoder.exportState())
        var data = ExportMessage(version: 9)
        data.data(1024, [StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 5, packets: 1)])
        let (flows, _) = decode(&restarted, data.bytes)
        #expect(flows.map(\.bytes) == [20])
    }
}
