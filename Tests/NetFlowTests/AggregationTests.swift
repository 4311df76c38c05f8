import Foundation
import NetFlow
@testable import NetFlowBot
import Testing

@Suite("Aggregating flows into the reference's series")
struct AggregationTests {
    static let router = address("192.0.2.1")
    static let switchA = address("192.0.2.2")
    static let silent = address("192.0.2.3")

    static var map: ExporterMap {
        var map = ExporterMap()
        map.assign(router, account: 1, entity: 10)
        map.assign(switchA, account: 1, entity: 11)
        map.assign(silent, account: 1, entity: 12)
        map.assign(router, account: 2, entity: 20)  // the same exporter in another account
        return map
    }

    static func flow(_ exporter: FlowAddress, _ source: String, _ destination: String, port: UInt16, proto: UInt8, bytes: UInt64, input: UInt32 = 0, output: UInt32 = 0, direction: UInt8 = 0) -> FlowRecord {
        FlowRecord(
            exporter: exporter, sourceAddress: address(source), destinationAddress: address(destination),
            sourcePort: 40000, destinationPort: port, protocolNumber: proto, direction: direction, hasDirection: direction != 0,
            bytes: bytes, packets: 1, inputInterface: input, outputInterface: output
        )
    }

    @Test func exactPathsAndTotalsForAKnownFlowSet() {
        var aggregator = NetFlowAggregator(windows: [.oneMinute], coverageStart: 0)
        let flows = [
            Self.flow(Self.router, "10.0.0.1", "10.9.0.1", port: 443, proto: 6, bytes: 1000, input: 1, output: 2),
            Self.flow(Self.router, "10.0.0.1", "10.9.0.2", port: 53, proto: 17, bytes: 300, input: 1, output: 3),
            Self.flow(Self.router, "10.0.0.2", "10.9.0.1", port: 443, proto: 6, bytes: 200, input: 2, output: 1),
            Self.flow(Self.router, "2001:db8::1", "10.9.0.1", port: 0, proto: 124, bytes: 50, input: 2, output: 1, direction: 1),
            Self.flow(Self.switchA, "10.5.0.1", "10.6.0.1", port: 22, proto: 6, bytes: 70, input: 7),
        ]
        aggregator.add(flows, receivedAt: 1_700_000_010, exporters: Self.map)
        let end = FlowWindow.oneMinute.tileEnd(containing: 1_700_000_010)
        #expect(end == 1_700_000_040)
        #expect(!aggregator.isPartial(window: .oneMinute, endingAt: end))
        let values = aggregator.values(account: 1, window: .oneMinute, endingAt: end, exporters: Self.map)
        let expected: [String: Double] = [
            "netflow.1min.ingress": 1570,
            "netflow.1min.ingress.entity.10": 1500,
            "netflow.1min.ingress.entity.10.if.1": 1300,
            "netflow.1min.ingress.entity.10.if.1.topip.10%2e0%2e0%2e1": 1300,
            "netflow.1min.ingress.entity.10.if.1.topprotocol.TCP": 1000,
            "netflow.1min.ingress.entity.10.if.1.topprotocol.UDP": 300,
            "netflow.1min.ingress.entity.10.if.2": 200,
            "netflow.1min.ingress.entity.10.if.2.topip.10%2e0%2e0%2e2": 200,
            "netflow.1min.ingress.entity.10.if.2.topprotocol.TCP": 200,
            "netflow.1min.ingress.entity.10.topip.10%2e0%2e0%2e1": 1300,
            "netflow.1min.ingress.entity.10.topip.10%2e0%2e0%2e2": 200,
            "netflow.1min.ingress.entity.10.topprotocol.TCP": 1200,
            "netflow.1min.ingress.entity.10.topprotocol.UDP": 300,
            "netflow.1min.ingress.entity.10.topconn.10%2e0%2e0%2e1.10%2e9%2e0%2e1": 1000,
            "netflow.1min.ingress.entity.10.topconn.10%2e0%2e0%2e1.10%2e9%2e0%2e2": 300,
            "netflow.1min.ingress.entity.10.topconn.10%2e0%2e0%2e2.10%2e9%2e0%2e1": 200,
            "netflow.1min.ingress.entity.10.topdstports.443": 1200,
            "netflow.1min.ingress.entity.10.topdstports.53": 300,
            "netflow.1min.ingress.entity.11": 70,
            "netflow.1min.ingress.entity.11.if.7": 70,
            "netflow.1min.ingress.entity.11.if.7.topip.10%2e5%2e0%2e1": 70,
            "netflow.1min.ingress.entity.11.if.7.topprotocol.TCP": 70,
            "netflow.1min.ingress.entity.11.topip.10%2e5%2e0%2e1": 70,
            "netflow.1min.ingress.entity.11.topprotocol.TCP": 70,
            "netflow.1min.ingress.entity.11.topconn.10%2e5%2e0%2e1.10%2e6%2e0%2e1": 70,
            "netflow.1min.ingress.entity.11.topdstports.22": 70,
            "netflow.1min.ingress.entity.12": 0,
            "netflow.1min.egress": 50,
            "netflow.1min.egress.entity.10": 50,
            "netflow.1min.egress.entity.10.if.1": 50,
            "netflow.1min.egress.entity.10.if.1.topip.10%2e9%2e0%2e1": 50,
            "netflow.1min.egress.entity.10.if.1.topprotocol.IS-IS-over-IPv4": 50,
            "netflow.1min.egress.entity.10.topip.10%2e9%2e0%2e1": 50,
            "netflow.1min.egress.entity.10.topprotocol.IS-IS-over-IPv4": 50,
            "netflow.1min.egress.entity.10.topconn.2001%3adb8%3a%3a1.10%2e9%2e0%2e1": 50,
            "netflow.1min.egress.entity.10.topdstports.0": 50,
            "netflow.1min.egress.entity.11": 0,
            "netflow.1min.egress.entity.12": 0,
        ]
        #expect(values.count == expected.count)
        #expect(Dictionary(values.map { ($0.path, $0.value) }, uniquingKeysWith: { $0 + $1 }) == expected)
        #expect(values.allSatisfy(Self.isValidPath))

        // Account 2 gets the router's flows under its own entity.
        let other = aggregator.values(account: 2, window: .oneMinute, endingAt: end, exporters: Self.map)
        #expect(other.first { $0.path == "netflow.1min.ingress.entity.20" }?.value == 1500)
        // A tile is reported once: asked again it only has zeros.
        let again = aggregator.values(account: 1, window: .oneMinute, endingAt: end, exporters: Self.map)
        #expect(again.allSatisfy { $0.value == 0 })
        #expect(again.count == 8)
    }

    @Test func silentEntitiesGetZeroTotalsInEveryWindow() {
        var aggregator = NetFlowAggregator()
        var map = ExporterMap()
        map.assign(Self.silent, account: 3, entity: 30)
        map.addEntity(account: 3, entity: 31)
        for window in FlowWindow.all {
            let values = aggregator.values(account: 3, window: window, endingAt: window.tileEnd(containing: 1_700_000_000), exporters: map)
            #expect(values == [
                FlowValue(path: "netflow.\(window.label).ingress", value: 0),
                FlowValue(path: "netflow.\(window.label).ingress.entity.30", value: 0),
                FlowValue(path: "netflow.\(window.label).ingress.entity.31", value: 0),
                FlowValue(path: "netflow.\(window.label).egress", value: 0),
                FlowValue(path: "netflow.\(window.label).egress.entity.30", value: 0),
                FlowValue(path: "netflow.\(window.label).egress.entity.31", value: 0),
            ])
        }
    }

    @Test func windowsAreAlignedTilesAndFlowsLandInEveryWindow() {
        #expect(FlowWindow.fifteenMinutes.tileEnd(containing: 900) == 1800)
        #expect(FlowWindow.fifteenMinutes.tileEnd(containing: 899) == 900)
        #expect(FlowWindow.oneDay.tileEnd(containing: 1_700_000_000) == 1_700_006_400)
        var aggregator = NetFlowAggregator()
        aggregator.add([Self.flow(Self.router, "10.0.0.1", "10.0.0.2", port: 1, proto: 6, bytes: 5)], receivedAt: 1_700_000_000, exporters: Self.map)
        aggregator.add([Self.flow(Self.router, "10.0.0.1", "10.0.0.2", port: 1, proto: 6, bytes: 7)], receivedAt: 1_700_000_100, exporters: Self.map)
        for window in FlowWindow.all {
            let first = window.tileEnd(containing: 1_700_000_000)
            let second = window.tileEnd(containing: 1_700_000_100)
            let total = aggregator.values(account: 1, window: window, endingAt: first, exporters: Self.map).first { $0.path == "netflow.\(window.label).ingress.entity.10" }
            if first == second {
                #expect(total?.value == 12, "\(window)")
            } else {
                #expect(total?.value == 5, "\(window)")
            }
        }
        #expect(aggregator.isPartial(window: .oneMinute, endingAt: 60))
    }

    @Test func topTenOrderingAndTies() {
        var aggregator = NetFlowAggregator(windows: [.oneMinute])
        var flows: [FlowRecord] = []
        for index in 1...15 {
            // 10.0.0.15 biggest; 10.0.0.1 and 10.0.0.2 tie at the bottom.
            let bytes = UInt64(max(index, 2) * 100)
            flows.append(Self.flow(Self.router, "10.0.0.\(index)", "10.1.0.1", port: UInt16(index), proto: 17, bytes: bytes))
        }
        aggregator.add(flows.shuffled(), receivedAt: 120, exporters: Self.map)
        let values = aggregator.values(account: 1, window: .oneMinute, endingAt: 180, exporters: Self.map)
        let top = values.filter { $0.path.hasPrefix("netflow.1min.ingress.entity.10.topip.") }
        #expect(top.count == 10)
        #expect(top.map { $0.path.split(separator: ".").last.map(String.init) } == (6...15).reversed().map { "10%2e0%2e0%2e\($0)" })
        let ports = values.filter { $0.path.hasPrefix("netflow.1min.ingress.entity.10.topdstports.") }
        #expect(ports.map(\.value) == (6...15).reversed().map { Double($0 * 100) })
    }

    @Test func protocolLabelsAreValidPathSegments() {
        #expect(ProtocolNames.label(6) == "TCP")
        #expect(ProtocolNames.label(58) == "IPv6-ICMP")
        #expect(ProtocolNames.label(39) == "TP--")
        #expect(ProtocolNames.label(84) == "TTP-IPTM")
        #expect(ProtocolNames.label(107) == "A-N")
        #expect(ProtocolNames.label(124) == "IS-IS-over-IPv4")
        #expect(ProtocolNames.label(135) == "Mobility-Header")
        #expect(ProtocolNames.label(93) == "AX-25")
        #expect(ProtocolNames.keyword(145) == "NSH")
        #expect(ProtocolNames.label(146) == "proto146")
        #expect(ProtocolNames.label(61) == "proto61")
        #expect(ProtocolNames.label(255) == "proto255")
        for number in 0...255 {
            let label = ProtocolNames.label(UInt8(number))
            #expect(!label.isEmpty && label.allSatisfy(PathSegment.isSafe), "\(number): \(label)")
        }
        #expect(PathSegment.address(address("2001:db8::1")) == "2001%3adb8%3a%3a1")
        #expect(PathSegment.address(address("10.0.0.1")) == "10%2e0%2e0%2e1")
    }

    @Test func directionRules() {
        let ingressOnly = Self.flow(Self.router, "10.0.0.1", "10.0.0.2", port: 1, proto: 6, bytes: 10, input: 1, output: 2)
        let odd = FlowRecord(exporter: Self.router, direction: 2, hasDirection: true, bytes: 99)
        var reference = NetFlowAggregator(windows: [.oneMinute])
        reference.add([ingressOnly, odd], receivedAt: 0, exporters: Self.map)
        #expect(reference.statistics.otherDirectionFlows == 1)
        let referenceValues = reference.values(account: 1, window: .oneMinute, endingAt: 60, exporters: Self.map)
        #expect(referenceValues.first { $0.path == "netflow.1min.egress" }?.value == 0)
        var inferred = NetFlowAggregator(windows: [.oneMinute], directionRule: .inferEgressFromOutputInterface)
        inferred.add([ingressOnly], receivedAt: 0, exporters: Self.map)
        let inferredValues = inferred.values(account: 1, window: .oneMinute, endingAt: 60, exporters: Self.map)
        #expect(inferredValues.first { $0.path == "netflow.1min.egress.entity.10.if.2" }?.value == 10)
        #expect(inferredValues.first { $0.path == "netflow.1min.ingress.entity.10.if.1" }?.value == 10)
    }

    @Test func unmappedExportersAndLateFlows() {
        var aggregator = NetFlowAggregator(windows: [.oneMinute])
        aggregator.add([Self.flow(address("198.51.100.7"), "10.0.0.1", "10.0.0.2", port: 1, proto: 6, bytes: 1)], receivedAt: 10, exporters: Self.map)
        #expect(aggregator.takeUnmappedExporters() == [address("198.51.100.7")])
        #expect(aggregator.takeUnmappedExporters().isEmpty)
        _ = aggregator.values(account: 1, window: .oneMinute, endingAt: 60, exporters: Self.map)
        aggregator.add([Self.flow(Self.router, "10.0.0.1", "10.0.0.2", port: 1, proto: 6, bytes: 1)], receivedAt: 30, exporters: Self.map)
        #expect(aggregator.statistics.lateFlows == 1)
        #expect(aggregator.endedTiles(at: 1_000).isEmpty)
    }

    @Test func checkpointRoundTrip() throws {
        var aggregator = NetFlowAggregator(limits: .init(exactKeys: 4))
        var flows: [FlowRecord] = []
        for index in 1...20 {
            flows.append(Self.flow(Self.router, "10.0.0.\(index)", "10.1.0.\(index)", port: UInt16(index), proto: 6, bytes: UInt64(index * 10), input: UInt32(index % 3)))
            // IPv6 keys too: summaries are packed into the checkpoint as bytes.
            flows.append(Self.flow(Self.router, "2001:db8::\(index)", "2001:db8:1::\(index)", port: UInt16(index), proto: 17, bytes: UInt64(index * 7), input: 1))
        }
        aggregator.add(flows, receivedAt: 1_700_000_000, exporters: Self.map)
        var restored = try NetFlowAggregator(checkpoint: try aggregator.checkpoint())
        for window in FlowWindow.all {
            let end = window.tileEnd(containing: 1_700_000_000)
            #expect(restored.values(account: 1, window: window, endingAt: end, exporters: Self.map)
                == aggregator.values(account: 1, window: window, endingAt: end, exporters: Self.map))
        }
        #expect(restored.endedTiles(at: .max).count == aggregator.endedTiles(at: .max).count)
    }

    @Test func aDamagedPackedSummaryIsAnErrorNotATrap() throws {
        var aggregator = NetFlowAggregator()
        aggregator.add([Self.flow(Self.router, "10.0.0.1", "10.1.0.1", port: 80, proto: 6, bytes: 10)], receivedAt: 1_700_000_000, exporters: Self.map)
        let text = String(decoding: try aggregator.checkpoint(), as: UTF8.self)
        // Replace every packed summary by one byte that is not a key's tag.
        let damaged = text.replacing(/"packed":"[^"]*"/, with: #""packed":"/w==""#)
        #expect(damaged != text)
        #expect(throws: (any Error).self) { try NetFlowAggregator(checkpoint: Array(damaged.utf8)) }
    }

    @Test func longerWindowsFoldedFromMinuteTilesEqualDirectAggregation() {
        var rng = SplitMix64(seed: 11)
        var combined = NetFlowAggregator(coverageStart: 0)
        var separate = FlowWindow.all.map { NetFlowAggregator(windows: [$0], coverageStart: 0) }
        let start: Int64 = 1_700_000_000
        var nextEnd = FlowWindow.all.map { $0.tileEnd(containing: start) }
        var compared = 0
        var time = start
        for _ in 0..<3_000 {
            time += Int64.random(in: 0...5, using: &rng)
            // Report every tile that has ended, as the bot does, before adding later flows.
            for (index, window) in FlowWindow.all.enumerated() {
                while nextEnd[index] <= time {
                    for account in [1, 2] {
                        let folded = combined.values(account: account, window: window, endingAt: nextEnd[index], exporters: Self.map)
                        let direct = separate[index].values(account: account, window: window, endingAt: nextEnd[index], exporters: Self.map)
                        #expect(folded == direct, "\(window) ending \(nextEnd[index])")
                        compared += folded.count
                    }
                    nextEnd[index] += window.seconds
                }
            }
            let flow = FlowRecord(
                exporter: [Self.router, Self.switchA][Int.random(in: 0...1, using: &rng)],
                sourceAddress: FlowAddress(ipv4: 0x0A00_0000 + UInt32.random(in: 0..<40, using: &rng)),
                destinationAddress: FlowAddress(ipv4: 0x0B00_0000 + UInt32.random(in: 0..<40, using: &rng)),
                destinationPort: UInt16.random(in: 1...25, using: &rng),
                protocolNumber: [1, 6, 17][Int.random(in: 0...2, using: &rng)],
                direction: UInt8.random(in: 0...1, using: &rng), hasDirection: true,
                bytes: UInt64.random(in: 40...1500, using: &rng), packets: 1,
                inputInterface: UInt32.random(in: 1...4, using: &rng), outputInterface: UInt32.random(in: 1...4, using: &rng)
            )
            combined.add([flow], receivedAt: time, exporters: Self.map)
            for index in separate.indices { separate[index].add([flow], receivedAt: time, exporters: Self.map) }
        }
        #expect(compared > 10_000)
        #expect(combined.statistics.lateFlows == 0)
        #expect(combined.statistics.staleTiles == 0)
    }

    @Test func foldedWindowsStayWithinTheMergedBound() {
        let limit = 300
        var aggregator = NetFlowAggregator(windows: [.oneMinute, .fifteenMinutes], limits: .init(exactKeys: limit, interfaceExactKeys: limit))
        var map = ExporterMap()
        map.assign(Self.router, account: 1, entity: 1)
        var rng = SplitMix64(seed: 12)
        var truth: [UInt32: UInt64] = [:]
        let start: Int64 = 1_700_000_100  // a 15-minute boundary
        for minute in 0..<10 {
            var flows: [FlowRecord] = []
            for step in 0..<5_000 {
                let source: UInt32 = step % 4 == 0 ? 0x0A00_0000 + UInt32(step / 4 % 8) : 0x0B00_0000 + UInt32.random(in: 0..<100_000, using: &rng)
                let bytes = UInt64.random(in: 40...1500, using: &rng)
                truth[source, default: 0] += bytes
                flows.append(FlowRecord(exporter: Self.router, sourceAddress: FlowAddress(ipv4: source), bytes: bytes))
            }
            aggregator.add(flows, receivedAt: start + Int64(minute) * 60 + 1, exporters: map)
        }
        let values = aggregator.values(account: 1, window: .fifteenMinutes, endingAt: start + 900, exporters: map)
        let total = truth.values.reduce(0, +)
        #expect(values.first { $0.path == "netflow.15min.ingress.entity.1" }?.value == Double(total))
        let top = values.filter { $0.path.hasPrefix("netflow.15min.ingress.entity.1.topip.") }
        #expect(top.count == 8 + 2)
        // Each folded minute was summarised: |estimate − truth| ≤ 2N/m + one per merge.
        let bound = Double(2 * total / UInt64(limit) + 20)
        for value in top {
            let text = String(value.path.split(separator: ".").last ?? "").replacing("%2e", with: ".")
            let actual = Double(truth[address(text).ipv4 ?? 0] ?? 0)
            #expect(abs(value.value - actual) <= bound, "\(text): \(value.value) vs \(actual)")
        }
        // The eight heavy sources lead the list.
        #expect(Set(top.prefix(8).map { $0.path.split(separator: ".").last.map(String.init) ?? "" }) == Set((0..<8).map { "10%2e0%2e0%2e\($0)" }))
    }

    static func isValidPath(_ value: FlowValue) -> Bool {
        value.path.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty && segment.replacing("%2e", with: "").replacing("%3a", with: "").allSatisfy(PathSegment.isSafe)
        }
    }
}

@Suite("Heavy hitters beyond the exact limit")
struct HeavyHittersTests {
    @Test func exactBelowTheLimit() {
        var summary = HeavyHitters<UInt32>(capacity: 100)
        for key in 0..<100 { summary.add(UInt32(key), UInt64(key + 1)) }
        #expect(summary.isExact && summary.errorBound == 0)
        #expect(summary.top(3).map(\.key) == [99, 98, 97])
        #expect(summary.top(3).map(\.estimate) == [100, 99, 98])
    }

    @Test func spaceSavingErrorBoundHoldsOnASkewedStream() {
        var rng = SplitMix64(seed: 0x4EA7)
        let capacity = 200
        var summary = HeavyHitters<UInt32>(capacity: capacity)
        var truth: [UInt32: UInt64] = [:]
        // 20 heavy keys among 50,000 light ones, interleaved, weighted like flows.
        for step in 0..<200_000 {
            let key: UInt32
            let weight: UInt64
            if step % 5 == 0 {
                key = UInt32(step / 5 % 20)
                weight = UInt64.random(in: 500...1500, using: &rng)
            } else {
                key = 1_000 + UInt32.random(in: 0..<50_000, using: &rng)
                weight = UInt64.random(in: 1...100, using: &rng)
            }
            summary.add(key, weight)
            truth[key, default: 0] += weight
        }
        #expect(!summary.isExact)
        #expect(summary.count <= capacity + capacity / 2)
        let total = truth.values.reduce(0, +)
        #expect(summary.total == total)
        let bound = summary.errorBound
        #expect(bound <= total / UInt64(capacity) + 1)
        // Every counter: true ≤ estimate ≤ true + its error ≤ true + N/m.
        for entry in summary.entries {
            let actual = truth[entry.key] ?? 0
            #expect(actual <= entry.estimate)
            #expect(entry.estimate - actual <= entry.maximumError)
            #expect(entry.maximumError <= bound)
        }
        // Every key heavier than N/m is held, and the top 10 are exactly the 10 heaviest keys.
        for (key, weight) in truth where weight > bound {
            #expect(summary.entries.contains { $0.key == key }, "heavy key \(key) lost")
        }
        let trueTop = truth.sorted { $0.value > $1.value }.prefix(10).map(\.key)
        #expect(Set(summary.top(10).map(\.key)) == Set(trueTop))
    }

    /// Every key new and of equal weight, cycling: each arrival evicts (Space-Saving's worst case).
    @Test func theBoundHoldsForEveryKeyWhenEveryArrivalIsNew() throws {
        var rng = SplitMix64(seed: 0xC1C1E)
        let capacity = 100
        var summary = HeavyHitters<UInt16>(capacity: capacity)
        var truth: [UInt16: UInt64] = [:]
        for step in 0..<60_000 {
            // Key 7 gets 2 % of the bytes; the rest cycle through 3,000 keys.
            let key: UInt16 = step % 50 == 0 ? 7 : UInt16(100 + step % 3_000)
            let weight = UInt64.random(in: 40...60, using: &rng)
            summary.add(key, weight)
            truth[key, default: 0] += weight
        }
        let total = truth.values.reduce(0, +)
        let bound = summary.errorBound
        #expect(bound <= total / UInt64(capacity) + 1)
        #expect(summary.count <= capacity + capacity / 2)
        let held = Dictionary(uniqueKeysWithValues: summary.entries.map { ($0.key, $0) })
        for (key, actual) in truth {
            if let entry = held[key] {
                #expect(actual <= entry.estimate && entry.estimate - actual <= entry.maximumError && entry.maximumError <= bound)
            } else {
                #expect(actual <= bound, "key \(key) with \(actual) of \(total) bytes evicted")
            }
        }
        #expect(summary.top(1).first?.key == 7)

        // Restored from a checkpoint, it carries on exactly as the original (same floor).
        var restored = try JSONDecoder().decode(HeavyHitters<UInt16>.self, from: JSONEncoder().encode(summary))
        for key: UInt16 in [5_000, 5_001, 7] {
            summary.add(key, 10)
            restored.add(key, 10)
        }
        #expect(Set(restored.entries) == Set(summary.entries))
    }

    @Test func selectionFindsTheValueOfEachRank() {
        var rng = SplitMix64(seed: 5)
        for count in [1, 2, 3, 10, 101, 1_000] {
            let values = (0..<count).map { _ in UInt64.random(in: 0..<50, using: &rng) }
            let sorted = values.sorted()
            for rank in Set([0, count / 2, count - 1]) {
                var scratch = values
                #expect(HeavyHitters<UInt16>.select(&scratch, rank: rank) == sorted[rank])
            }
        }
    }

    @Test func aggregatorTopListsStayWithinTheBound() {
        let limit = 500
        var aggregator = NetFlowAggregator(windows: [.oneMinute], limits: .init(exactKeys: limit, interfaceExactKeys: limit))
        var map = ExporterMap()
        map.assign(address("192.0.2.1"), account: 1, entity: 1)
        var rng = SplitMix64(seed: 7)
        var truth: [UInt32: UInt64] = [:]
        var flows: [FlowRecord] = []
        for step in 0..<50_000 {
            let source: UInt32 = step % 4 == 0 ? 0x0A00_0000 + UInt32(step % 12) : 0x0B00_0000 + UInt32.random(in: 0..<100_000, using: &rng)
            let bytes = UInt64.random(in: 40...1500, using: &rng)
            truth[source, default: 0] += bytes
            flows.append(FlowRecord(exporter: address("192.0.2.1"), sourceAddress: FlowAddress(ipv4: source), bytes: bytes))
        }
        aggregator.add(flows, receivedAt: 0, exporters: map)
        let values = aggregator.values(account: 1, window: .oneMinute, endingAt: 60, exporters: map)
        let total = truth.values.reduce(0, +)
        #expect(values.first { $0.path == "netflow.1min.ingress.entity.1" }?.value == Double(total))
        let top = values.filter { $0.path.hasPrefix("netflow.1min.ingress.entity.1.topip.") }
        #expect(top.count == 10)
        for value in top {
            let text = String(value.path.split(separator: ".").last!).replacing("%2e", with: ".")
            let actual = Double(truth[address(text).ipv4!] ?? 0)
            #expect(value.value >= actual && value.value - actual <= Double(total / UInt64(limit) + 1))
        }
    }
}
