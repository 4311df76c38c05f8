import Logging
import Synchronization

/// Collects what a bot logs, for assertions: hand ``logger`` to the code under test.
///
/// ```swift
/// let logs = LogCapture()
/// try await CollectorRuntime(settings: settings, logger: logs.logger).run(MyCollector())
/// #expect(logs.messages(.warning, containing: "skipping").count == 1)
/// ```
public final class LogCapture: Sendable {
    /// One log record.
    public struct Entry: Sendable, Hashable {
        /// The level it was logged at.
        public var level: Logger.Level
        /// The message.
        public var message: String
        /// The logger's and the call's metadata, flattened to strings.
        public var metadata: [String: String]

        /// The message followed by its metadata, to search both at once.
        public var line: String {
            metadata.isEmpty ? message : message + " " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }

    private let entries = Mutex<[Entry]>([])

    /// Creates an empty capture.
    public init() {}

    /// A logger at level `trace` whose records land here.
    public var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Every record so far, in order.
    public var all: [Entry] { entries.withLock { $0 } }

    /// The records whose message contains `text`.
    public func records(containing text: String) -> [Entry] {
        all.filter { $0.message.contains(text) }
    }

    /// The messages at `level` (any level if `nil`) that contain `text`.
    public func messages(_ level: Logger.Level? = nil, containing text: String = "") -> [String] {
        all.filter { (level == nil || $0.level == level) && (text.isEmpty || $0.message.contains(text)) }.map(\.message)
    }

    /// The records at `level` (any level if `nil`) as message-and-metadata lines.
    public func lines(_ level: Logger.Level? = nil) -> [String] {
        all.filter { level == nil || $0.level == level }.map(\.line)
    }

    fileprivate func append(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
                flat[key] = "\(value)"
            }
            capture.append(Entry(level: event.level, message: "\(event.message)", metadata: flat))
        }
    }
}
