// Measures NetFlow v9 decoding (and aggregation) speed on one core, without the network.
//
//   swift run -c release NetFlowBenchmark [--seconds S] [--records-per-datagram N]

import NetFlow
import NetFlowBot

#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func put(_ bytes: inout [UInt8], _ value: UInt64, _ length: Int) {
    for index in (0..<length).reversed() { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
}

var seconds = 3.0
var perDatagram = 30
var windowCount = FlowWindow.all.count
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next(), let value = arguments.next() {
    switch flag {
    case "--seconds": seconds = Double(value) ?? seconds
    case "--records-per-datagram": perDatagram = max(1, Int(value) ?? perDatagram)
    case "--windows": windowCount = min(max(1, Int(value) ?? windowCount), FlowWindow.all.count)
    default: break
    }
}

// softflowd's v9 IPv4 template (42-byte records).
let fields: [(UInt64, UInt64)] = [(8, 4), (12, 4), (22, 4), (21, 4), (1, 4), (2, 4), (10, 4), (14, 4), (61, 1), (136, 1), (7, 2), (11, 2), (4, 1), (6, 1), (60, 1), (5, 1)]
var template: [UInt8] = []
put(&template, 9, 2); put(&template, 1, 2); put(&template, 1000, 4); put(&template, 1_700_000_000, 4); put(&template, 1, 4); put(&template, 0, 4)
put(&template, 0, 2); put(&template, UInt64(8 + fields.count * 4), 2); put(&template, 1024, 2); put(&template, UInt64(fields.count), 2)
for (type, length) in fields { put(&template, type, 2); put(&template, length, 2) }

var datagrams: [[UInt8]] = []
for variant in 0..<64 {
    var data: [UInt8] = []
    put(&data, 9, 2); put(&data, UInt64(perDatagram), 2); put(&data, 1000, 4); put(&data, 1_700_000_000, 4); put(&data, UInt64(variant), 4); put(&data, 0, 4)
    put(&data, 1024, 2); put(&data, UInt64(4 + perDatagram * 42), 2)
    for record in 0..<perDatagram {
        put(&data, 0x0A00_0000 + UInt64(variant * 256 + record), 4); put(&data, 0x0B00_0001 + UInt64(record % 7), 4)
        put(&data, 900, 4); put(&data, 990, 4); put(&data, UInt64(40 + record * 10), 4); put(&data, 3, 4)
        put(&data, 1, 4); put(&data, 2, 4); put(&data, 0, 1); put(&data, 1, 1)
        put(&data, 40_000, 2); put(&data, [53, 80, 443][record % 3], 2); put(&data, 6, 1); put(&data, 0x10, 1); put(&data, 4, 1); put(&data, 0, 1)
    }
    datagrams.append(data)
}

let exporter = FlowAddress(ipv4: 0x7F00_0001)
var decoder = NetFlowDecoder()
var flows: [FlowRecord] = []
flows.reserveCapacity(perDatagram * 2)
decoder.decode(template, from: exporter, receivedAtMilliseconds: 0, into: &flows)
var decoded = 0
var checksum: UInt64 = 0
let start = now()
var elapsed = 0.0
while elapsed < seconds {
    for datagram in datagrams {
        flows.removeAll(keepingCapacity: true)
        decoder.decode(datagram, from: exporter, receivedAtMilliseconds: 0, into: &flows)
        decoded += flows.count
        checksum &+= flows.last?.bytes ?? 0
    }
    elapsed = now() - start
}
print("decode v9: \(Int(Double(decoded) / elapsed)) flows/s (\(perDatagram) records/datagram, checksum \(checksum))")

var map = ExporterMap()
map.assign(exporter, account: 1, entity: 1)
var aggregator = NetFlowAggregator(windows: Array(FlowWindow.all.prefix(windowCount)))
var aggregated = 0
let aggregationStart = now()
elapsed = 0
var batch: [FlowRecord] = []
while elapsed < seconds {
    for datagram in datagrams {
        batch.removeAll(keepingCapacity: true)
        decoder.decode(datagram, from: exporter, receivedAtMilliseconds: 0, into: &batch)
        aggregator.add(batch, receivedAt: 1_700_000_000, exporters: map)
        aggregated += batch.count
    }
    elapsed = now() - aggregationStart
}
print("decode + aggregate (\(windowCount) windows): \(Int(Double(aggregated) / elapsed)) flows/s")
