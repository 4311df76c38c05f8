import Foundation
import Logging
import NIOConcurrencyHelpers

@testable import GrafoleanCollector

enum JSONDecoderForTests {
    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }
}

/// Collects log messages of one logger, for assertions.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }
    private let entries = NIOLockedValueBox<[Entry]>([])

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    func messages(level: Logger.Level? = nil) -> [String] {
        entries.withLockedValue { $0.filter { level == nil || $0.level == level }.map { "\($0.message) \($0.metadata)" } }
    }

    var all: [Entry] { entries.withLockedValue { $0 } }

    fileprivate func append(_ entry: Entry) { entries.withLockedValue { $0.append(entry) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            capture.append(Entry(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}
