import ArgumentParser
import Foundation
import Testing

@testable import GrafoleanCollector

/// Rendezvous hashing: every device to exactly one replica, balanced, and a new replica takes only
/// its own share.
@Suite("Shard assignment by rendezvous hashing")
struct ShardAssignmentTests {
    static let ids = (1...10_000).map { "\(100_000 + $0 * 7_919)" }

    @Test(arguments: [2, 3, 4, 7])
    func balancedWithinAFewPercent(count: Int) {
        var sizes = [Int](repeating: 0, count: count)
        for id in Self.ids { sizes[Shard.owner(of: id, count: count)] += 1 }
        let fair = Double(Self.ids.count) / Double(count)
        for size in sizes {
            #expect(abs(Double(size) - fair) / fair < 0.05, "shard sizes \(sizes) for \(count) replicas")
        }
    }

    @Test func everyDeviceHasExactlyOneOwner() throws {
        let shards = try (0..<4).map { try Shard(index: $0, count: 4) }
        for id in Self.ids.prefix(2_000) {
            #expect(shards.filter { $0.owns(id) }.count == 1)
        }
    }

    @Test func goingFromThreeToFourMovesAboutAQuarterAllToTheNewReplica() {
        var moved = 0
        for id in Self.ids {
            let before = Shard.owner(of: id, count: 3)
            let after = Shard.owner(of: id, count: 4)
            if before != after {
                moved += 1
                // Only the new replica wins devices: none move between the old ones.
                #expect(after == 3, "\(id) moved from \(before) to \(after)")
            }
        }
        let share = Double(moved) / Double(Self.ids.count)
        #expect(share > 0.22 && share < 0.28, "moved share \(share)")
    }

    @Test func stableAcrossProcessesAndPlatforms() {
        // Pinned: a change here reshuffles every deployment's devices.
        #expect((0..<12).map { Shard.owner(of: "\($0)", count: 4) } == Self.pinnedOwners)
    }
    static let pinnedOwners = [2, 3, 2, 0, 3, 2, 3, 3, 2, 0, 0, 0]

    @Test func aDevicesJobsStayTogether() throws {
        func job(_ id: String, entity: Int?) -> CollectorJob {
            CollectorJob(id: id, intervals: [60], entityID: entity, parameters: id) { _ in }
        }
        var jobs: [CollectorJob] = [job("no-entity", entity: nil)]
        for entity in 1...200 { jobs += [job("\(entity)", entity: entity), job("\(entity)-interfaces", entity: entity)] }
        var seen: [String: Int] = [:]
        for index in 0..<3 {
            for kept in JobFilter.shard(try Shard(index: index, count: 3)).apply(jobs) {
                #expect(seen.updateValue(index, forKey: kept.id) == nil, "\(kept.id) kept by two shards")
            }
        }
        #expect(seen.count == jobs.count)
        for entity in 1...200 {
            #expect(seen["\(entity)"] == seen["\(entity)-interfaces"])
        }
        #expect(seen["no-entity"] == Shard.owner(of: "no-entity", count: 3))
    }

    @Test func theIndexComesFromAStatefulSetPodsHostName() throws {
        #expect(try Shard.resolve(index: nil, count: "4", hostName: "grafolean-ping-bot-2") == Shard(index: 2, count: 4))
        #expect(try Shard.resolve(index: nil, count: "4", hostName: "grafolean-ping-bot-0.bots.monitoring.svc.cluster.local") == Shard(index: 0, count: 4))
        #expect(try Shard.resolve(index: "3", count: "4", hostName: "anything") == Shard(index: 3, count: 4))
        #expect(try Shard.resolve(index: nil, count: nil, hostName: "grafolean-ping-bot-2") == nil)
    }

    @Test(arguments: [
        ("4", "4", "bot-1", ShardError.Code.invalidIndex),
        ("-1", "4", "bot-1", .invalidIndex),
        ("two", "4", "bot-1", .invalidIndex),
        (nil, "4", "collector", .noOrdinalInHostName),
        (nil, "4", "bot-7", .invalidIndex),
        (nil, "0", "bot-1", .invalidCount),
        (nil, "many", "bot-1", .invalidCount),
        ("1", nil, "bot-1", .indexWithoutCount),
    ] as [(String?, String?, String, ShardError.Code)])
    func aBadSettingIsOneClearError(index: String?, count: String?, host: String, code: ShardError.Code) {
        #expect {
            try Shard.resolve(index: index, count: count, hostName: host)
        } throws: { error in
            guard let error = error as? ShardError, error.code == code else { return false }
            return error.message.contains("SHARD_")
        }
    }

    @Test func optionsAndEnvironmentMakeAShardFilter() throws {
        let environment = ["BACKEND_URL": "http://grafolean/api", "BOT_TOKEN": "t", "SHARD_COUNT": "3", "HOSTNAME": "grafolean-snmp-bot-1"]
        let fromHost = try CollectorOptions.parse([]).settings(environment: environment)
        #expect(fromHost.jobFilter.shard == (try Shard(index: 1, count: 3)))
        let fromOptions = try CollectorOptions.parse(["--shard-index", "0", "--shard-count", "2"]).settings(environment: environment)
        #expect(fromOptions.jobFilter.shard == (try Shard(index: 0, count: 2)))
        let unsharded = try CollectorOptions.parse([]).settings(environment: ["BACKEND_URL": "http://grafolean/api", "BOT_TOKEN": "t"])
        #expect(unsharded.jobFilter.shard == nil)
    }

    @Test func aCountFileIsReadAtEveryRefresh() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shard-count-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "3\n".write(toFile: path, atomically: true, encoding: .utf8)
        let settings = try CollectorOptions.parse([]).settings(environment: [
            "BACKEND_URL": "http://grafolean/api", "BOT_TOKEN": "t", "SHARD_COUNT_FROM_FILE": path, "SHARD_INDEX": "2",
        ])
        #expect(settings.jobFilter.shard == (try Shard(index: 2, count: 3)))
        try "4".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(settings.jobFilter.shard == (try Shard(index: 2, count: 4)))
        try "garbage".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(settings.jobFilter.shard == (try Shard(index: 2, count: 4)), "an unusable file keeps the last good count")
        try "2".write(toFile: path, atomically: true, encoding: .utf8)
        let jobs = (1...50).map { CollectorJob(id: "\($0)", intervals: [60], entityID: $0, parameters: $0) { _ in } }
        #expect(settings.jobFilter.apply(jobs).isEmpty, "a replica beyond the count polls nothing")
    }
}
