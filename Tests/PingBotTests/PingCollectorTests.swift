import Foundation
import GrafoleanCollector
import ICMPEcho
import Logging
import Synchronization
import Testing

@testable import PingBot

@Suite("The ping bot emits the reference series")
struct PingCollectorTests {
    let time = Date(timeIntervalSince1970: 1_700_000_000)

    func reply(_ microseconds: Int) -> EchoReply {
        EchoReply(source: ICMPEchoAddress(ipv4: 127, 0, 0, 1), roundTripTime: .microseconds(microseconds), identifier: 1, sequence: 1, timeToLive: 64)
    }

    @Test func seriesOfAPartlyLostRun() {
        let results = [
            ProbeResult(index: 0, reply: reply(1_500), attempts: 1),
            ProbeResult(index: 1, reply: nil, attempts: 1),
            ProbeResult(index: 2, reply: reply(500), attempts: 2),
        ]
        let values = PingCollector.values(for: results, entityID: 42, time: time, options: .init())
        let byPath = Dictionary(uniqueKeysWithValues: values.map { ($0.path, $0.value) })
        #expect(byPath == [
            "entity.42.ping.p0.ok": 1, "entity.42.ping.p0.rtt": 0.0015,
            "entity.42.ping.p1.ok": 0,
            "entity.42.ping.p2.ok": 1, "entity.42.ping.p2.rtt": 0.0005,
            "entity.42.ping.success": 2.0 / 3.0,
        ])
        #expect(values.allSatisfy { $0.time == time })
    }

    @Test func extraSeriesOnlyWhenAskedAndOnlyWithReplies() {
        let results = [ProbeResult(index: 0, reply: reply(1_000), attempts: 1), ProbeResult(index: 1, reply: reply(3_000), attempts: 1)]
        let values = PingCollector.values(for: results, entityID: 7, time: time, options: .init(extraSeries: true))
        let byPath = Dictionary(uniqueKeysWithValues: values.map { ($0.path, $0.value) })
        #expect(byPath["entity.7.ping.rtt.min"] == 0.001)
        #expect(byPath["entity.7.ping.rtt.avg"] == 0.002)
        #expect(byPath["entity.7.ping.rtt.max"] == 0.003)
        // Replies of 1 and 3 ms: standard deviation 1 ms, one difference of 2 ms.
        #expect(abs(byPath["entity.7.ping.rtt.mdev"]! - 0.001) < 1e-12)
        #expect(abs(byPath["entity.7.ping.rtt.jitter"]! - 0.002) < 1e-12)
        let three = [1_000, 4_000, 2_000].enumerated().map { ProbeResult(index: $0.offset, reply: reply($0.element), attempts: 1) }
        let jitter = PingCollector.values(for: three, entityID: 7, time: time, options: .init(extraSeries: true)).first { $0.path.hasSuffix("jitter") }
        #expect(abs(jitter!.value - 0.0025) < 1e-12)  // (3 ms + 2 ms) / 2
        let lost = PingCollector.values(for: [ProbeResult(index: 0, reply: nil, attempts: 1)], entityID: 7, time: time, options: .init(extraSeries: true))
        #expect(lost.map(\.path) == ["entity.7.ping.p0.ok", "entity.7.ping.success"])
        #expect(lost.last?.value == 0)
    }

    @Test func addressesHostNamesAndUnusableEntities() throws {
        func configuration(_ details: JSONValue, credential: JSONValue = ["n_packets": "3"]) -> JobConfiguration {
            JobConfiguration(
                accountID: 1, entityID: 9, name: "router", details: details, credentialID: 2, credentialDetails: credential,
                sensors: [SensorConfiguration(sensorID: 3, name: "s", interval: 60, details: [:])])
        }
        // What works with the reference bot works here: IPv4, IPv6 literals and host names.
        #expect(try PingCollector.target(for: configuration(["ipv4": "127.0.0.1"])).get().intervals == [60])
        #expect(try PingCollector.target(for: configuration(["ipv4": "::1"])).get().address?.family == .ipv6)
        let named = try PingCollector.target(for: configuration(["ipv4": "router.example"])).get()
        #expect(named.address == nil && named.host == "router.example")
        // The rest is one notice naming the entity and the field.
        var problems: [String] = []
        for bad in [configuration([:]), configuration(["ipv4": "not an address!"]), configuration(["ipv4": "127.0.0.1"], credential: ["n_packets": "x"])] {
            if case .failure(let problem) = PingCollector.target(for: bad) { problems.append(problem.notice.message) }
        }
        #expect(problems.count == 3)
        #expect(problems.allSatisfy { $0.contains("'router' (9)") })
        #expect(problems[1].contains("details.ipv4 'not an address!'"))
        #expect(problems[2].contains("n_packets"))
    }
}
