import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// The sender's durable copy of every value it accepted and the backend has not acknowledged:
/// a SQLite database (`values.sqlite3`, write-ahead log) in the bot's state directory.
///
/// All SQLite work runs on one thread of its own, in the order it was asked for, so the caller
/// (the sender's actor) gets ids in the order it appended and never blocks Swift's cooperative
/// pool on the disk. A row is appended before `send` returns and deleted once the backend has
/// acknowledged its value (PUT is idempotent, so a value whose deletion was lost in a crash is
/// re-sent harmlessly).
///
/// Durability with ``SpoolSyncPolicy/normal`` (the default): a committed append survives the bot's
/// crash or `kill -9` (it is in the operating system's cache), and a power loss loses at most the
/// appends since the last write-ahead-log checkpoint (SQLite's `synchronous=NORMAL`, about every
/// 4 MB of log); with ``SpoolSyncPolicy/full`` every append is on the disk (fsync) before `send` returns.
final class ValueSpool: Sendable {
    /// One spooled value.
    struct Row: Sendable {
        var id: Int64
        var account: Int
        var value: MeasuredValue
    }

    /// What a spool held when it was opened.
    struct Inventory: Sendable {
        /// Values per account.
        var counts: [Int: Int]
    }

    let path: String
    private let threadPool: NIOThreadPool
    private let connection: SQLiteConnection

    private init(path: String, threadPool: NIOThreadPool, connection: SQLiteConnection) {
        self.path = path
        self.threadPool = threadPool
        self.connection = connection
    }

    /// The database file in `directory`.
    static func databasePath(in directory: String) -> String {
        (directory as NSString).appendingPathComponent("values.sqlite3")
    }

    /// Opens (or creates) the spool in `directory`.
    ///
    /// - Throws: ``SpoolError`` naming the directory and what is wrong (missing, not writable).
    static func open(directory: String, sync: SpoolSyncPolicy, logger: Logger) async throws -> (ValueSpool, Inventory) {
        try checkDirectory(directory)
        let path = databasePath(in: directory)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        do {
            let connection = try await openDatabase(path: path, sync: sync, threadPool: threadPool, logger: logger)
            let spool = ValueSpool(path: path, threadPool: threadPool, connection: connection)
            return (spool, try await spool.inventory())
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    private static func checkDirectory(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw SpoolError(
                    code: .directoryUnusable,
                    message: "the state directory \(directory) does not exist and cannot be created (\(error.localizedDescription)); create it and let the bot's user write to it")
            }
        } else if !isDirectory.boolValue {
            throw SpoolError(code: .directoryUnusable, message: "the state directory \(directory) is not a directory")
        }
        // access(2) answers for root too, but not for a read-only mount: try a real write.
        let probe = (directory as NSString).appendingPathComponent(".write-test-\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data("ok".utf8)) else {
            throw SpoolError(
                code: .directoryUnusable,
                message: "the state directory \(directory) is not writable (read-only file system or missing write permission for user \(getuid())); give the bot's user write permission on it (chown/chmod u+w), or mount it read-write")
        }
        try? FileManager.default.removeItem(atPath: probe)
    }

    private static func openDatabase(path: String, sync: SpoolSyncPolicy, threadPool: NIOThreadPool, logger: Logger) async throws -> SQLiteConnection {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        for attempt in 0..<2 {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop).get()
            do {
                _ = try await connection.query("PRAGMA journal_mode=WAL").get()
                _ = try await connection.query("PRAGMA synchronous=\(sync == .full ? "FULL" : "NORMAL")").get()
                _ = try await connection.query("PRAGMA auto_vacuum=INCREMENTAL").get()
                _ = try await connection.query(
                    "CREATE TABLE IF NOT EXISTS value (id INTEGER PRIMARY KEY AUTOINCREMENT, account INTEGER NOT NULL, path TEXT NOT NULL, v REAL NOT NULL, t REAL NOT NULL)"
                ).get()
                _ = try await connection.query("CREATE INDEX IF NOT EXISTS value_account ON value (account, id)").get()
                let check = try await connection.query("PRAGMA quick_check").get()
                guard check.first?.column("quick_check")?.string == "ok" else {
                    throw SpoolError(code: .damaged, message: check.compactMap { $0.column("quick_check")?.string }.prefix(3).joined(separator: "; "))
                }
                return connection
            } catch where attempt == 0 && Self.isDamage(error) {
                // A damaged file (a torn write, a truncated copy): keep it for inspection, start afresh.
                try? await connection.close().get()
                let aside = path + ".damaged-\(Int(Date().timeIntervalSince1970))"
                for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                    try? FileManager.default.moveItem(atPath: path + suffix, toPath: aside + suffix)
                }
                logger.error(
                    "the spool database is damaged (\(error)); moved it aside and started a new one: values in it are lost",
                    metadata: ["path": "\(path)", "moved_to": "\(aside)"])
            } catch {
                try? await connection.close().get()
                throw error
            }
        }
        throw SpoolError(code: .damaged, message: "the spool database \(path) could not be opened")
    }

    private static func isDamage(_ error: any Error) -> Bool {
        if let error = error as? SQLiteError { return error.reason == .corrupt || error.reason == .notADatabase }
        return (error as? SpoolError)?.code == .damaged
    }

    private func inventory() async throws -> Inventory {
        let rows = try await connection.query("SELECT account, count(*) AS n FROM value GROUP BY account").get()
        var counts: [Int: Int] = [:]
        for row in rows {
            if let account = row.column("account")?.integer, let count = row.column("n")?.integer { counts[Int(account)] = Int(count) }
        }
        return Inventory(counts: counts)
    }

    // MARK: - Operations (submitted in call order, run one at a time)

    /// Most rows in one INSERT (4 parameters each, under SQLite's 32,766).
    private static var rowsPerStatement: Int { 8_000 }

    /// Appends values; the future gives their ids, in order.
    func append(_ values: [MeasuredValue], account: Int) -> EventLoopFuture<[Int64]> {
        var futures: [EventLoopFuture<[SQLiteRow]>] = []
        let chunks = stride(from: 0, to: values.count, by: Self.rowsPerStatement).map { values[$0..<min($0 + Self.rowsPerStatement, values.count)] }
        if chunks.count > 1 { futures.append(connection.query("BEGIN")) }
        for chunk in chunks {
            var binds: [SQLiteData] = []
            binds.reserveCapacity(chunk.count * 4)
            for value in chunk {
                binds.append(.integer(account))
                binds.append(.text(value.path))
                binds.append(.float(value.value))
                binds.append(.float(value.time.timeIntervalSince1970))
            }
            let placeholders = Array(repeating: "(?,?,?,?)", count: chunk.count).joined(separator: ",")
            futures.append(connection.query("INSERT INTO value (account, path, v, t) VALUES \(placeholders) RETURNING id", binds))
        }
        if chunks.count > 1 { futures.append(connection.query("COMMIT")) }
        return EventLoopFuture.whenAllSucceed(futures, on: connection.eventLoop).map { results in
            // Rows get increasing ids in the order they are inserted; RETURNING may list them in any order.
            results.flatMap { $0.compactMap { $0.column("id")?.integer.map(Int64.init) } }.sorted()
        }
    }

    /// Deletes acknowledged values.
    func remove(_ ids: [Int64]) -> EventLoopFuture<Void> {
        guard !ids.isEmpty else { return connection.eventLoop.makeSucceededVoidFuture() }
        var futures: [EventLoopFuture<[SQLiteRow]>] = []
        for start in stride(from: 0, to: ids.count, by: 30_000) {
            let chunk = ids[start..<min(start + 30_000, ids.count)]
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            futures.append(connection.query("DELETE FROM value WHERE id IN (\(placeholders))", chunk.map { .integer(Int($0)) }))
        }
        return EventLoopFuture.andAllSucceed(futures.map { $0.map { _ in } }, on: connection.eventLoop)
    }

    /// The oldest values of `account` with ids above `id`.
    func load(account: Int, after id: Int64, limit: Int) -> EventLoopFuture<[Row]> {
        connection.query(
            "SELECT id, path, v, t FROM value WHERE account = ? AND id > ? ORDER BY id LIMIT ?", [.integer(account), .integer(Int(id)), .integer(limit)]
        ).map { rows in
            rows.compactMap { row in
                guard let id = row.column("id")?.integer, let path = row.column("path")?.string, let value = row.column("v")?.double,
                    let time = row.column("t")?.double
                else { return nil }
                return Row(id: Int64(id), account: account, value: MeasuredValue(path: path, value: value, time: Date(timeIntervalSince1970: time)))
            }
        }
    }

    /// Bytes the live rows take (pages in use; free pages are given back by incremental vacuum).
    func usedBytes() -> EventLoopFuture<Int> {
        let pages = connection.query("PRAGMA page_count")
        let free = connection.query("PRAGMA freelist_count")
        let size = connection.query("PRAGMA page_size")
        return pages.and(free).and(size).map { pair, size in
            let (pages, free) = pair
            let count = pages.first?.column("page_count")?.integer ?? 0
            let freeCount = free.first?.column("freelist_count")?.integer ?? 0
            let pageSize = size.first?.column("page_size")?.integer ?? 4096
            return Int(count - freeCount) * Int(pageSize)
        }
    }

    /// Deletes the `count` oldest values; returns how many of them each account lost, and the
    /// highest id deleted.
    func dropOldest(_ count: Int) -> EventLoopFuture<(perAccount: [Int: Int], throughID: Int64)> {
        let bound = connection.query("SELECT id FROM value ORDER BY id LIMIT 1 OFFSET ?", [.integer(max(0, count - 1))])
        return bound.flatMap { rows in
            guard let through = rows.first?.column("id")?.integer else {
                return self.connection.eventLoop.makeSucceededFuture(([:], 0))
            }
            let counts = self.connection.query("SELECT account, count(*) AS n FROM value WHERE id <= ? GROUP BY account", [.integer(through)])
            let deleted = self.connection.query("DELETE FROM value WHERE id <= ?", [.integer(through)])
            let vacuum = self.connection.query("PRAGMA incremental_vacuum")
            return counts.and(deleted).and(vacuum).map { pair, _ in
                var perAccount: [Int: Int] = [:]
                for row in pair.0 {
                    if let account = row.column("account")?.integer, let n = row.column("n")?.integer { perAccount[Int(account)] = Int(n) }
                }
                return (perAccount, Int64(through))
            }
        }
    }

    /// When the oldest spooled value was measured.
    func oldestTime() -> EventLoopFuture<Date?> {
        connection.query("SELECT min(t) AS t FROM value").map { rows in
            rows.first?.column("t")?.double.map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Closes the database and its thread.
    func close() async {
        try? await connection.query("PRAGMA wal_checkpoint(TRUNCATE)").get()
        try? await connection.close().get()
        try? await threadPool.shutdownGracefully()
    }
}

/// A state directory or spool that cannot be used.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The directory is missing, not a directory, or not writable.
        public static let directoryUnusable = Code(name: "state directory unusable")
        /// The database could not be opened even afresh.
        public static let damaged = Code(name: "spool damaged")
        /// The code's name.
        public var description: String { name }
    }

    /// What is wrong.
    public var code: Code
    /// What happened and what to do, naming the directory.
    public var message: String

    /// The message.
    public var description: String { message }
}
