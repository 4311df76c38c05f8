import Foundation
import GrafoleanCollectorTesting
import ProcessSupport
import Testing

@testable import GrafoleanCollector

/// Several processes of the built example bot, each one replica, against one backend.
@Suite("Replicas of a built bot share the devices", .serialized, .timeLimit(.minutes(4)))
struct ShardedReplicasTests {
    static let executable = ChildProcess.builtProduct("MyProtocolBot")
    /// Seconds between runs of every device.
    static let interval = 4

    /// A replica process and its log.
    struct Replica {
        let index: Int
        let process: ChildProcess
        let log: String
        var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    }

    static func spawn(index: Int, environment: [String: String]) throws -> Replica {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("replica-\(index)-\(UUID().uuidString).log").path
        return Replica(index: index, process: try ChildProcess.spawn(executable, [], environment: environment, output: .file(log)), log: log)
    }

    /// 300 devices, three replicas, then a fourth: each device is polled by exactly one replica, once
    /// per interval; adding the fourth moves only the devices it now owns, and the others go on
    /// without losing or repeating a run; every run's value reaches the backend once.
    @Test func threeReplicasThenFour() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "MyProtocolBot was not built next to the tests: \(Self.executable)")
        let backend = try await GrafoleanTestBackend.start()
        let account = await backend.addAccount(name: "Sharded")
        // One bot per replica only so that the backend tells whose values are whose; in a deployment
        // all replicas share one bot and its token. The devices are assigned to no bot, so every replica sees all of them.
        var bots: [TestBot] = []
        for index in 0..<4 { bots.append(await backend.addBot(name: "replica \(index)", protocol: "myprotocol", account: account)) }
        let credential = await backend.addCredential(account: account, name: "c", protocol: "myprotocol", details: [:])
        let sensor = await backend.addSensor(account: account, name: "s", protocol: "myprotocol", defaultInterval: Self.interval, details: [:])
        var devices: [Int] = []
        for number in 0..<300 {
            devices.append(
                await backend.addEntity(
                    account: account, name: "device \(number)", details: ["ipv4": "127.0.0.1"],
                    protocols: ["myprotocol": EntityProtocolSettings(credential: credential, sensors: [.init(sensor: sensor, interval: nil)], bot: nil)]))
        }
        let countFile = FileManager.default.temporaryDirectory.appendingPathComponent("shard-count-\(UUID().uuidString)").path
        try "3\n".write(toFile: countFile, atomically: true, encoding: .utf8)
        func environment(_ index: Int) -> [String: String] {
            [
                "BACKEND_URL": backend.baseURL, "BOT_TOKEN": bots[index].token, "JOBS_REFRESH_INTERVAL": "2", "LOG_LEVEL": "debug",
                "SHARD_COUNT_FROM_FILE": countFile, "HOSTNAME": "grafolean-myprotocol-bot-\(index)",
            ]
        }
        var replicas = try (0..<3).map { try Self.spawn(index: $0, environment: environment($0)) }
        defer {
            for replica in replicas {
                replica.process.terminate()
                try? FileManager.default.removeItem(atPath: replica.log)
            }
            try? FileManager.default.removeItem(atPath: countFile)
        }
        let botIndex = Dictionary(uniqueKeysWithValues: bots.enumerated().map { ($0.element.id, $0.offset) })
        func device(of value: ReceivedValue) -> Int? {
            value.path.split(separator: ".").dropFirst().first.flatMap { Int($0) }
        }
        // The replicas log every run at debug level (the checks below read those lines); a failure shows the rest.
        func logs() -> String {
            replicas.map { replica in
                let lines = replica.output.split(separator: "\n").filter { !$0.hasSuffix(" collected") }.suffix(40)
                return "replica \(replica.index):\n\(lines.joined(separator: "\n"))"
            }.joined(separator: "\n")
        }

        // Three replicas: wait until every device delivered twice.
        var ready = false
        for _ in 0..<6_000 where !ready {
            let values = await backend.receivedValues(account: account)
            ready = Dictionary(grouping: values.compactMap(device), by: { $0 }).filter { $0.value.count >= 2 }.count == devices.count
            if !ready { try await Task.sleep(for: .milliseconds(10)) }
        }
        try #require(ready, "not every device delivered within 60 s:\n\(logs())")
        let threeFrom = Date().timeIntervalSince1970
        try await Task.sleep(for: .seconds(4 * Self.interval))

        // A fourth replica, and the count goes to 4 (in Kubernetes: scale the StatefulSet, edit the ConfigMap).
        try "4\n".write(toFile: countFile, atomically: true, encoding: .utf8)
        let switched = Date().timeIntervalSince1970
        replicas.append(try Self.spawn(index: 3, environment: environment(3)))
        let moved = Set(devices.filter { Shard.owner(of: "\($0)", count: 3) != Shard.owner(of: "\($0)", count: 4) })
        var settled = false
        for _ in 0..<6_000 where !settled {
            let fromFourth = await backend.receivedValues(account: account).filter { botIndex[$0.bot] == 3 }.compactMap(device)
            settled = Set(fromFourth) == moved
            if !settled { try await Task.sleep(for: .milliseconds(10)) }
        }
        try #require(settled, "the fourth replica did not take over its devices within 60 s:\n\(logs())")
        // Past two refreshes of the old replicas: they have let go of the moved devices.
        try await Task.sleep(for: .seconds(5))
        let fourFrom = Date().timeIntervalSince1970
        try await Task.sleep(for: .seconds(4 * Self.interval))
        let fourUntil = Date().timeIntervalSince1970
        // Stopping flushes every replica's values; then each run the logs name must have arrived.
        for replica in replicas { replica.process.send(SIGTERM) }
        for replica in replicas {
            let status = await replica.process.termination(within: .seconds(30))
            try #require(status?.exitCode == 0, "replica \(replica.index) did not stop cleanly: \(String(describing: status))\n\(logs())")
        }
        let values = await backend.receivedValues(account: account)

        // Runs are told apart by the slot they were scheduled for, from each replica's log, not by
        // the backend's stamps: values go by POST, stamped on arrival, and a loaded machine delays a
        // whole batch by seconds (CI saw 4 s), enough to make an on-time series look irregular.
        var runs: [Int: [Run]] = [:]
        var skippedFires = Set<Int>()
        for replica in replicas {
            let output = replica.output
            for run in Self.runs(in: output, replica: replica.index) { runs[run.device, default: []].append(run) }
            // A replica starved of the CPU for over a second skips the fires it missed (the
            // reference's 1 s misfire grace), and says so: a gap there is the rule, not a loss.
            if output.contains("Skipped missed fires") { skippedFires.insert(replica.index) }
        }
        var delivered: [Int: [Int: Int]] = [:]
        for value in values {
            if let device = device(of: value), let replica = botIndex[value.bot] { delivered[device, default: [:]][replica, default: 0] += 1 }
        }

        // About a quarter moved, and only to the new replica.
        let share = Double(moved.count) / Double(devices.count)
        #expect(share > 0.15 && share < 0.35, "moved share \(share)")
        let interval = Int64(Self.interval)
        for device in devices {
            let own = (runs[device] ?? []).sorted { $0.scheduled < $1.scheduled }
            let before = own.filter { Double($0.scheduled) >= threeFrom && Double($0.scheduled) < switched }
            let after = own.filter { Double($0.scheduled) >= fourFrom && Double($0.scheduled) < fourUntil }
            // Exactly one replica per device, the rendezvous owner, before and after.
            #expect(Set(before.map(\.replica)) == [Shard.owner(of: "\(device)", count: 3)], "device \(device) before")
            #expect(Set(after.map(\.replica)) == [Shard.owner(of: "\(device)", count: 4)], "device \(device) after")
            #expect(after.count >= 3, "device \(device): \(after.count) runs in \(4 * Self.interval) s")
            // Every run's value arrived once, written by the replica that ran it.
            let ranBy = Dictionary(grouping: own, by: \.replica).mapValues(\.count)
            #expect(delivered[device] ?? [:] == ranBy, "device \(device): values per replica \(delivered[device] ?? [:]), runs \(ranBy)")
            guard !moved.contains(device) else { continue }
            // A device that stayed: one replica, one run per slot of its grid from the first to the
            // last, none lost, none repeated, across the change of the shard count.
            #expect(Set(own.map(\.replica)).count == 1, "device \(device) changed replica")
            let steps = zip(own.dropFirst(), own).map { $0.scheduled - $1.scheduled }
            let skipped = own.first.map { skippedFires.contains($0.replica) } ?? false
            #expect(
                steps.allSatisfy { $0 == interval || (skipped && $0 > 0 && $0 % interval == 0) },
                "device \(device): slots \(own.map(\.scheduled))")
        }
        try await backend.shutdown()
    }

    /// One run of a device's job, as the example bot logs it at debug level.
    struct Run {
        let replica: Int
        let device: Int
        /// The whole second of the job's grid that the run was due at.
        let scheduled: Int64
    }

    /// The runs in a replica's log: its debug lines `… job=ENTITY-SENSOR … scheduled=SECOND … collected`.
    static func runs(in log: String, replica: Int) -> [Run] {
        log.split(separator: "\n").compactMap { line -> Run? in
            guard line.hasSuffix(" collected") else { return nil }
            var entity: Int?
            var scheduled: Int64?
            for field in line.split(separator: " ") {
                if field.hasPrefix("job=") { entity = field.dropFirst(4).split(separator: "-").first.flatMap { Int($0) } }
                if field.hasPrefix("scheduled=") { scheduled = Int64(field.dropFirst(10)) }
            }
            guard let entity, let scheduled else { return nil }
            return Run(replica: replica, device: entity, scheduled: scheduled)
        }
    }

    @Test(arguments: [
        ["SHARD_COUNT": "3", "SHARD_INDEX": "3"],
        ["SHARD_COUNT": "3", "SHARD_INDEX": "-1"],
        ["SHARD_COUNT": "3", "SHARD_INDEX": "two"],
        ["SHARD_COUNT": "3", "HOSTNAME": "collector"],
    ])
    func aBadShardIsOneClearErrorAtStart(shard: [String: String]) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "MyProtocolBot was not built next to the tests: \(Self.executable)")
        var environment = ["BACKEND_URL": "http://127.0.0.1:9/api", "BOT_TOKEN": "5e1d0b07-0000-4000-8000-00000000b0a1", "HOSTNAME": "bot-1"]
        environment.merge(shard) { $1 }
        let replica = try Self.spawn(index: 0, environment: environment)
        defer {
            replica.process.terminate()
            try? FileManager.default.removeItem(atPath: replica.log)
        }
        let status = await replica.process.termination(within: .seconds(30))
        try #require(status != nil, "the bot did not stop on a bad shard:\n\(replica.output)")
        #expect(status?.exitCode == 1)
        let lines = replica.output.split(separator: "\n")
        #expect(lines.count == 1, "\(replica.output)")
        #expect(lines.first?.contains(shard["HOSTNAME"] == nil ? "SHARD_INDEX" : "host name 'collector'") == true, "\(replica.output)")
        #expect(!replica.output.contains("Usage"))
    }
}
