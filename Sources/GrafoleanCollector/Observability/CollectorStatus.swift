import Foundation

/// What `/status` answers (as JSON) and the status page shows: the bot, its backend, delivery,
/// and every job with its last and next run. Holds no secret: no token, credential or key.
public struct CollectorStatus: Sendable, Codable, Hashable {
    /// When the report was made.
    public var generatedAt: Date
    /// The bot.
    public var bot: Bot
    /// The backend as the bot sees it.
    public var backend: Backend
    /// Value delivery.
    public var delivery: Delivery
    /// Every job of this bot (this shard's, when sharded): problems first, then by entity.
    public var jobs: [Job]

    /// The bot itself.
    public struct Bot: Sendable, Codable, Hashable {
        /// The bot's name in Grafolean.
        public var name: String?
        /// The bot's user id in Grafolean.
        public var id: Int
        /// The protocol it collects.
        public var `protocol`: String
        /// Its shard, when it is one of several replicas.
        public var shard: ShardInfo?
        /// Whether `/health` answers 200.
        public var healthy: Bool
        /// Why not, when not.
        public var problems: [String]
    }

    /// A replica's shard.
    public struct ShardInfo: Sendable, Codable, Hashable {
        /// From 0 to `count` − 1.
        public var index: Int
        /// The number of replicas.
        public var count: Int
    }

    /// The backend as the bot sees it.
    public struct Backend: Sendable, Codable, Hashable {
        /// The backend's URL without user, password or query.
        public var url: String
        /// Whether the last configuration refresh and the last delivery reached it.
        public var reachable: Bool
        /// The last error talking to it (refresh or delivery), if the last attempt failed.
        public var lastError: String?
        /// When the configuration was last fetched.
        public var lastRefresh: Date?
    }

    /// Value delivery (``ValueSender/Statistics``).
    public struct Delivery: Sendable, Codable, Hashable {
        /// Values the backend accepted.
        public var sent: Int
        /// Values waiting for delivery.
        public var waiting: Int
        /// Values the bot or the backend refused as invalid.
        public var rejected: Int
        /// Values dropped, by reason (`duplicate`, `buffer_full`, `shutdown`).
        public var dropped: [String: Int]
        /// Delivery requests that failed and were retried.
        public var failedRequests: Int
    }

    /// One job.
    public struct Job: Sendable, Codable, Hashable {
        /// The job's id.
        public var id: String
        /// The entity (device) it polls, if any.
        public var entityID: Int?
        /// The entity's name, if known.
        public var entityName: String?
        /// Its intervals in seconds.
        public var intervals: [Int]
        /// Its last run, if it has run.
        public var lastRun: Run?
        /// Its next scheduled run.
        public var nextRun: Date?
        /// What is wrong, if anything: the run failed, timed out or was skipped, it sent no values, or it has not run for too long.
        public var problem: String?
    }

    /// One run of a job.
    public struct Run: Sendable, Codable, Hashable {
        /// When it was due.
        public var time: Date
        /// How long it took, in seconds (0 for a skipped fire).
        public var durationSeconds: Double
        /// `ok`, `failed`, `timed out`, `skipped` or `cancelled`.
        public var outcome: Outcome
        /// The error of a failed run.
        public var message: String?
        /// Values the run sent.
        public var values: Int
    }

    /// How a run ended.
    public enum Outcome: String, Sendable, Codable, Hashable {
        /// It returned.
        case ok
        /// It threw.
        case failed
        /// It outlived its timeout.
        case timedOut = "timed out"
        /// It did not start: the previous run was still going.
        case skipped
        /// Shutdown cancelled it.
        case cancelled
    }

    /// The report as JSON (ISO 8601 times, sorted keys).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Decodes a report made by ``json()``.
    public static func decode(_ data: Data) throws -> CollectorStatus {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(CollectorStatus.self, from: data)
    }
}
