import NetFlow
import Testing

@Suite("Decoder fuzzing: hostile datagrams never trap")
struct FuzzTests {
    /// Well-formed seeds of every version and feature, for mutation.
    static let corpus: [[UInt8]] = {
        var seeds: [[UInt8]] = []
        let record = StandardTemplate.record(source: "10.0.0.1", destination: "10.0.0.2", sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 100, packets: 1, input: 3, output: 4, direction: 1)
        seeds.append(ExportMessage.v5(records: [ExportMessage.v5Record(source: address("10.0.0.1"), destination: address("10.0.0.2"), sourcePort: 1, destinationPort: 2, protocolNumber: 6, bytes: 9, packets: 1)], sampling: 0x4000 | 10))
        for version: UInt16 in [9, 10] {
            var message = ExportMessage(version: version)
            message.optionsTemplate(256, scope: [(version == 9 ? 2 : 143, 4)], options: [(34, 4), (305, 4), (306, 4)])
            message.data(256, [.be(0, 4) + .be(10, 4) + .be(1, 4) + .be(9, 4)])
            message.template(300, StandardTemplate.fields)
            message.data(300, [record, record])
            seeds.append(message.bytes)
            var data = ExportMessage(version: version)
            data.data(300, [record])
            data.data(301, [record])
            seeds.append(data.bytes)
        }
        var ipfix = ExportMessage(version: 10)
        ipfix.template(260, [(27, 16), (28, 16), (82, 0xFFFF), (1, 8), (61, 1)], enterprise: [3: 5])
        ipfix.data(260, [.be(1, 16) + .be(2, 16) + [2, 65, 66] + .be(5, 8) + [0], .be(3, 16) + .be(4, 16) + [255, 0, 1, 0] + .be(5, 8) + [1]])
        ipfix.withdraw(259)
        ipfix.withdraw(2)
        seeds.append(ipfix.bytes)
        return seeds
    }()

    private struct Tally {
        var flows = 0
        var errors = 0
    }

    /// Decodes with a decoder that accumulates templates (so mutated templates meet mutated
    /// data) and checks every error is counted.
    private static func exercise(_ datagram: [UInt8], decoder: inout NetFlowDecoder, exporter: FlowAddress, time: UInt64, tally: inout Tally) {
        var flows: [FlowRecord] = []
        let before = decoder.statistics.errors.values.reduce(0, +)
        let result = decoder.decode(datagram, from: exporter, receivedAtMilliseconds: time, into: &flows)
        let after = decoder.statistics.errors.values.reduce(0, +)
        // Expired/overflowed queue entries are counted too, so ≥.
        #expect(after - before >= result.errors.count)
        #expect(flows.count == result.flowCount)
        tally.flows += flows.count
        tally.errors += result.errors.count
    }

    private static func mutate(_ datagram: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var result = datagram
        let interesting: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x09, 0x0A, 0x7F, 0x80, 0xFF, 0xFE]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<7, using: &rng) {
            case 0 where !result.isEmpty:
                result[Int.random(in: 0..<result.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !result.isEmpty:
                result[Int.random(in: 0..<result.count, using: &rng)] = interesting.randomElement(using: &rng) ?? 0
            case 2 where !result.isEmpty:
                result.removeLast(Int.random(in: 1...result.count, using: &rng))
            case 3:
                result.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...result.count, using: &rng))
            case 4 where result.count > 2:
                // Lengths and counts are 16-bit fields: make one huge or tiny.
                let index = Int.random(in: 0..<(result.count - 1), using: &rng)
                let value: UInt16 = [0, 1, 3, 4, 5, 0xFFFF, 0x8000, UInt16(result.count)].randomElement(using: &rng) ?? 0
                result[index] = UInt8(value >> 8)
                result[index + 1] = UInt8(value & 0xFF)
            case 5:
                result += (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default:
                if let other = corpus.randomElement(using: &rng), !other.isEmpty, !result.isEmpty {
                    let cut = Int.random(in: 0..<result.count, using: &rng)
                    let from = Int.random(in: 0..<other.count, using: &rng)
                    result = Array(result[..<cut]) + Array(other[from...])
                }
            }
        }
        return result
    }

    @Test func mutatedDatagramsNeverTrap() {
        var rng = SplitMix64(seed: 0xF10F_0001)
        var decoder = NetFlowDecoder()
        var tally = Tally()
        let exporters = [address("192.0.2.1"), address("192.0.2.2"), address("2001:db8::1")]
        for iteration in 0..<80_000 {
            guard let seed = Self.corpus.randomElement(using: &rng) else { continue }
            let exporter = exporters[iteration % exporters.count]
            // Unmutated seeds now and then keep templates defined.
            let datagram = iteration % 10 == 0 ? seed : Self.mutate(seed, &rng)
            Self.exercise(datagram, decoder: &decoder, exporter: exporter, time: UInt64(iteration) * 10, tally: &tally)
        }
        // Both outcomes must occur, or the fuzzer is not reaching the decoders.
        #expect(tally.flows > 10_000)
        #expect(tally.errors > 5_000)
        #expect(decoder.templateCount <= decoder.configuration.templateLimit)
    }

    @Test func randomDatagramsOfEveryVersionNeverTrap() {
        var rng = SplitMix64(seed: 0xF10F_0002)
        var decoder = NetFlowDecoder()
        var tally = Tally()
        for iteration in 0..<40_000 {
            var datagram: [UInt8] = []
            datagram.put16([5, 9, 10, UInt16.random(in: 0...20, using: &rng)][iteration % 4])
            datagram += (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if iteration % 3 == 0 && datagram.count > 24 {
                // Plausible set headers after the v9/IPFIX header.
                let offset = datagram[1] == 9 ? 20 : 16
                let setID: UInt16 = [0, 1, 2, 3, 256, 300][Int.random(in: 0..<6, using: &rng)]
                datagram[offset] = UInt8(setID >> 8)
                datagram[offset + 1] = UInt8(setID & 0xFF)
                let length = UInt16(min(datagram.count - offset, Int.random(in: 0...300, using: &rng)))
                datagram[offset + 2] = UInt8(length >> 8)
                datagram[offset + 3] = UInt8(length & 0xFF)
            }
            Self.exercise(datagram, decoder: &decoder, exporter: address("192.0.2.9"), time: UInt64(iteration), tally: &tally)
        }
        #expect(tally.errors > 10_000)
    }
}
