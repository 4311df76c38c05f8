import Foundation
import Logging
import Synchronization

/// A shard count read from a file at every configuration refresh (`SHARD_COUNT_FROM_FILE`), so
/// that replicas can be added without restarting the others: in Kubernetes a mounted ConfigMap,
/// which the kubelet updates in place.
///
/// When the count changes, the next refresh hands the scheduler the new share: jobs that stay
/// keep running untouched (same phase, no run lost or repeated), jobs that moved away stop, jobs
/// that moved here start. An unreadable or invalid file keeps the last good count (logged once).
final class ShardCountFile: Sendable {
    let path: String
    let index: Int
    private let state: Mutex<(count: Int, problem: String?)>
    private let logger = Logger(label: "grafolean.collector.shard")

    /// Starts from `initialCount` (read and checked at start, see ``read(_:)``).
    init(path: String, index: Int, initialCount: Int) {
        self.path = path
        self.index = index
        self.state = Mutex((initialCount, nil))
    }

    /// The count in `path`'s text, or why there is none.
    static func read(_ path: String) -> Result<Int, ShardError> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .failure(ShardError(code: .invalidCount, message: "cannot read the shard count file \(path) (SHARD_COUNT_FROM_FILE)"))
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let count = Int(trimmed), count >= 1 else {
            return .failure(
                ShardError(code: .invalidCount, message: "the shard count file \(path) (SHARD_COUNT_FROM_FILE) must hold a whole number of at least 1, not '\(trimmed)'"))
        }
        return .success(count)
    }

    /// The shard now: the file's count if it is usable, else the last good one.
    var current: Shard? {
        let (count, news) = state.withLock { state -> (Int, String?) in
            switch Self.read(path) {
            case .success(let count):
                let changed = count != state.count
                state = (count, nil)
                return (count, changed ? "shard count changed to \(count)" : nil)
            case .failure(let error):
                // Said once per distinct problem, not at every refresh.
                let news = state.problem == error.message ? nil : error.message
                state.problem = error.message
                return (state.count, news.map { "\($0); keeping \(state.count)" })
            }
        }
        if let news { logger.notice("\(news)", metadata: ["shard_index": "\(index)"]) }
        // An index beyond a lowered count: this replica is being scaled away and polls nothing.
        return try? Shard(index: index, count: count)
    }
}

extension JobFilter {
    /// Keeps the jobs that belong to shard `index` of the count in `countFile`, read at every refresh.
    static func shard(index: Int, countFile: ShardCountFile) -> JobFilter {
        JobFilter(currentShard: { countFile.current }) { jobs, shard in
            guard let shard else { return [] }
            return jobs.filter { shard.owns(Shard.key(of: $0)) }
        }
    }
}
