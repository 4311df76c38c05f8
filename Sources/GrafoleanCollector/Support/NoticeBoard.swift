import Logging
import Synchronization

/// Logs configuration problems once while they last, instead of at every refresh.
///
/// A bot refreshes its configuration every minute; a broken credential would otherwise log the
/// same warning 1,440 times a day. A notice is logged when it first appears, not again while it
/// stays, and again if it disappears (fixed) and comes back.
public final class NoticeBoard: Sendable {
    /// One notice: its text is its identity.
    public struct Notice: Sendable, Hashable {
        /// The log level.
        public var level: Logger.Level
        /// The message, which also identifies the notice.
        public var message: String
        /// Log metadata.
        public var metadata: [String: String]

        /// Creates a notice.
        public init(level: Logger.Level, message: String, metadata: [String: String] = [:]) {
            self.level = level
            self.message = message
            self.metadata = metadata
        }
    }

    private let current = Mutex<Set<String>>([])
    private let onceKeys = Mutex<Set<String>>([])

    /// Creates an empty board.
    public init() {}

    /// Logs the notices of this refresh that were not among the previous refresh's.
    public func refresh(_ notices: [Notice], logger: Logger) {
        let keys = Set(notices.map(\.message))
        let new = current.withLock { current in
            let new = keys.subtracting(current)
            current = keys
            return new
        }
        var logged: Set<String> = []
        for notice in notices where new.contains(notice.message) && logged.insert(notice.message).inserted {
            logger.log(level: notice.level, "\(notice.message)", metadata: notice.metadata.mapValues { .string($0) })
        }
    }

    /// True the first time it is called with `key` in this process, false afterwards.
    public func firstTime(_ key: String) -> Bool {
        onceKeys.withLock { $0.insert(key).inserted }
    }

    /// Makes `key` count as new again (the condition it reported has ended).
    public func reset(_ key: String) {
        _ = onceKeys.withLock { $0.remove(key) }
    }
}
