import Foundation
import GrafoleanCollectorTesting
import Logging
import ProcessSupport
import Synchronization
import Testing

@testable import GrafoleanCollector

/// A receiver that is away until told otherwise, and records what it stores.
final class ToggleTransport: ValueTransport {
    private let state = Mutex<(up: Bool, stored: [(value: MeasuredValue, timestamps: ValueTimestamps)])>((false, []))

    var up: Bool {
        get { state.withLock { $0.up } }
        set { state.withLock { $0.up = newValue } }
    }

    var stored: [(value: MeasuredValue, timestamps: ValueTimestamps)] { state.withLock { $0.stored } }

    func deliver(_ values: [MeasuredValue], account: Int, timestamps: ValueTimestamps) async -> DeliveryOutcome {
        state.withLock { state in
            guard state.up else { return .retryLater(reason: "refused (test)", isOutage: true) }
            state.stored += values.map { ($0, timestamps) }
            return .delivered
        }
    }
}

/// A temporary state directory, removed afterwards.
func withStateDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-test-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}

@Suite("The spool keeps undelivered values across restarts", .timeLimit(.minutes(2)))
struct ValueSpoolTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func configuration(memory: Int = 100_000) -> ValueSender.Configuration {
        .init(maximumBufferedValuesPerAccount: memory, initialRetryDelay: .milliseconds(20), maximumRetryDelay: .milliseconds(50), retryJitter: 0, shutdownTimeout: .milliseconds(100))
    }

    /// Runs a sender on the spool in `directory` while `body` runs, then stops it gracefully.
    func withSpoolingSender<T: Sendable>(
        _ directory: String, _ transport: ToggleTransport, configuration: ValueSender.Configuration, logs: LogCapture = LogCapture(),
        _ body: @Sendable (ValueSender) async throws -> T
    ) async throws -> T {
        try await ValueSender.opening(
            stateDirectory: directory, transport: transport, configuration: configuration, clock: SystemClock(), logger: logs.logger
        ).withRunning(body)
    }

    func values(_ range: Range<Int>) -> [MeasuredValue] {
        range.map { MeasuredValue(path: "entity.1.test.v\($0 % 3)", value: Double($0), time: Self.t0.addingTimeInterval(Double($0))) }
    }

    @Test func valuesWaitingAtShutdownAreDeliveredAfterARestartByPutWithTheirTimes() async throws {
        try await withStateDirectory { directory in
            let transport = ToggleTransport()
            try await withSpoolingSender(directory, transport, configuration: configuration()) { sender in
                for value in values(0..<50) { await sender.send([value], account: 7) }
                #expect(await sender.statistics.spooled == 50)
            }
            #expect(transport.stored.isEmpty)
            // A new sender (the restarted bot) on the same directory, backend back.
            transport.up = true
            let logs = LogCapture()
            let statistics = try await withSpoolingSender(directory, transport, configuration: configuration(), logs: logs) { sender in
                #expect(await sender.flush(timeout: .seconds(30)) == 0)
                return await sender.statistics
            }
            #expect(statistics.replayed == 50)
            #expect(!logs.messages(.notice, containing: "kept in the spool").isEmpty)
            let stored = transport.stored
            #expect(stored.map(\.value) == values(0..<50))
            #expect(stored.allSatisfy { $0.timestamps == .measured })
            // Delivered values leave the spool: a third start has nothing to replay.
            let third = try await withSpoolingSender(directory, transport, configuration: configuration()) { await $0.statistics }
            #expect(third.replayed == 0)
        }
    }

    @Test func valuesBeyondMemoryWaitOnDiskAndAllArriveInOrder() async throws {
        try await withStateDirectory { directory in
            let transport = ToggleTransport()
            try await withSpoolingSender(directory, transport, configuration: configuration(memory: 10)) { sender in
                for chunk in stride(from: 0, to: 300, by: 3) { await sender.send(values(chunk..<(chunk + 3)), account: 1) }
                let statistics = await sender.statistics
                #expect(statistics.buffered == 300)
                #expect(statistics.dropped == 0)
                transport.up = true
                #expect(await sender.flush(timeout: .seconds(30)) == 0)
            }
            #expect(transport.stored.map(\.value.value) == (0..<300).map(Double.init))
        }
    }

    @Test func aDirectoryThatIsAFileIsOneClearError() async throws {
        try await withStateDirectory { directory in
            try Data("x".utf8).write(to: URL(fileURLWithPath: directory))
            let error = await #expect(throws: SpoolError.self) {
                _ = try await ValueSender.opening(
                    stateDirectory: directory, transport: ToggleTransport(), configuration: configuration(), clock: SystemClock(), logger: Logger(label: "test"))
            }
            #expect(error?.code == .directoryUnusable)
            #expect(error?.message.contains(directory) == true)
        }
    }

    @Test func aDamagedSpoolIsMovedAsideAndTheBotStartsAfresh() async throws {
        try await withStateDirectory { directory in
            let transport = ToggleTransport()
            try await withSpoolingSender(directory, transport, configuration: configuration()) { sender in
                for value in values(0..<20) { await sender.send([value], account: 1) }
            }
            // Overwrite the middle of the database file (a torn or garbled write).
            let path = ValueSpool.databasePath(in: directory)
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: Data(repeating: 0x5A, count: 200))
            try handle.close()
            let logs = LogCapture()
            transport.up = true
            try await withSpoolingSender(directory, transport, configuration: configuration(), logs: logs) { sender in
                await sender.send(values(100..<101), account: 1)
                #expect(await sender.flush(timeout: .seconds(60)) == 0)
            }
            #expect(!logs.messages(.error, containing: "damaged").isEmpty)
            #expect(transport.stored.map(\.value.value) == [100])
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).contains { $0.contains(".damaged-") })
        }
    }
}

/// Full and read-only disks, on small tmpfs mounts the test makes.
@Suite(
    "The spool on a full or read-only disk", .serialized, .timeLimit(.minutes(2)),
    .enabled(if: getuid() == 0, "needs root to mount a small tmpfs (CI runs as root)"))
struct SpoolDiskTests {
    func run(_ command: String, _ arguments: [String]) throws -> Int32? {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("mount-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        return try ChildProcess.spawn(command, arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], output: .file(log)).wait().exitCode
    }

    /// A tmpfs of `size` with `options`, mounted for `body`.
    func withTmpfs<T>(size: String, readOnly: Bool = false, _ body: (String) async throws -> T) async throws -> T {
        try await withStateDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let options = "size=\(size)" + (readOnly ? ",ro" : "")
            try #require(try run("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", directory]) == 0, "mount failed")
            defer { _ = try? run("/bin/umount", [directory]) }
            return try await body(directory)
        }
    }

    @Test func aReadOnlyStateDirectoryIsOneClearErrorNamingIt() async throws {
        try await withTmpfs(size: "1m", readOnly: true) { directory in
            let error = await #expect(throws: SpoolError.self) {
                _ = try await ValueSender.opening(
                    stateDirectory: directory, transport: ToggleTransport(), configuration: .init(), clock: SystemClock(), logger: Logger(label: "test"))
            }
            #expect(error?.code == .directoryUnusable)
            #expect(error?.message.contains(directory) == true)
            #expect(error?.message.contains("not writable") == true)
        }
    }

    @Test func aFullDiskFallsBackToMemoryWithAWarningAndLosesNothing() async throws {
        try await withTmpfs(size: "256k") { directory in
            let transport = ToggleTransport()
            let logs = LogCapture()
            let sender = try await ValueSender.opening(
                stateDirectory: directory, transport: transport,
                configuration: .init(initialRetryDelay: .milliseconds(20), maximumRetryDelay: .milliseconds(50), retryJitter: 0),
                clock: SystemClock(), logger: logs.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await sender.run() }
                // About 20,000 values: far more than 256 kB of disk.
                for batch in 0..<200 {
                    let values = (0..<100).map { MeasuredValue(path: "entity.\(batch).test.v\($0)", value: Double($0), time: Date()) }
                    #expect(await sender.send(values, account: 1).accepted == 100)
                }
                #expect(!logs.messages(.warning, containing: "cannot write to the spool").isEmpty)
                transport.up = true
                #expect(await sender.flush(timeout: .seconds(60)) == 0)
                group.cancelAll()
            }
            #expect(transport.stored.count == 20_000)
            #expect(await sender.statistics.dropped == 0)
        }
    }
}
