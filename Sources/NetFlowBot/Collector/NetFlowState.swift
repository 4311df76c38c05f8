import Foundation
import Logging
import NetFlow
import Synchronization

/// What the listener and the window jobs share: the decoder (templates, sampling), the
/// aggregator (open window tiles) and the exporter → entity map, each behind its own lock.
///
/// The listener is the decoder's only user; the aggregator's lock is held for one datagram's
/// flows or one account's window at a time, so neither side waits long for the other.
public final class NetFlowState: Sendable {
    /// The decoder's templates and sampling rates (kept across restarts in `templates.json`).
    package let decoder: Mutex<NetFlowDecoder>
    /// The open tiles (kept across restarts in `aggregator.json`).
    package let aggregator: Mutex<NetFlowAggregator>
    /// The map from the latest configuration refresh.
    let exporters = Mutex(ExporterMap())
    /// Since when (Unix s) each entity has been mapped; `nil` before the first refresh. A window
    /// that began earlier lacks the entity's flows from before, so the entity is left out of it.
    let mappedSince = Mutex<[ExporterMap.Target: Int64]?>(nil)
    /// One account's job for one window.
    struct PostedWindow: Hashable, Sendable {
        var account: Int
        var seconds: Int64
    }
    /// The end of the latest tile each window job has posted (or claimed), so that a run posts
    /// the tiles its job missed and no tile twice.
    let postedThrough = Mutex<[PostedWindow: Int64]>([:])
    /// Accounts whose missing permission to propose exporters was logged (once each).
    let permissionNotices = Mutex(Set<Int>())
    /// The version of the longer windows' tiles last written, and where.
    let savedDerivedVersion = Mutex<(directory: String, version: UInt64)?>(nil)

    /// Fresh state: no templates, nothing aggregated, coverage from `now` (its first tiles are partial).
    public init(windows: [FlowWindow], directionRule: NetFlowAggregator.DirectionRule, now: Date) {
        decoder = Mutex(NetFlowDecoder())
        aggregator = Mutex(NetFlowAggregator(windows: windows, directionRule: directionRule, coverageStart: Int64(now.timeIntervalSince1970.rounded(.up))))
    }

    /// The state saved in `directory`, or fresh state when there is none (or it cannot be used).
    ///
    /// A checkpoint older than `maximumGap` means flows were missed while the bot was down: the
    /// restored tiles are kept, but coverage starts again at `now`, so the windows that missed
    /// flows are treated as partial (not posted) instead of posting too little.
    public static func load(
        from directory: String?, windows: [FlowWindow], directionRule: NetFlowAggregator.DirectionRule,
        now: Date, maximumGap: Double, logger: Logger
    ) -> NetFlowState {
        let state = NetFlowState(windows: windows, directionRule: directionRule, now: now)
        guard let directory else { return state }
        let templates = URL(fileURLWithPath: directory).appendingPathComponent(Self.templatesFile)
        if let bytes = try? Data(contentsOf: templates) {
            do {
                try state.decoder.withLock { try $0.restoreState(from: Array(bytes)) }
                logger.info("restored NetFlow templates", metadata: ["templates": "\(state.decoder.withLock { $0.templateCount })"])
            } catch {
                logger.warning("ignoring unreadable NetFlow templates file", metadata: ["file": "\(templates.path)", "error": "\(error)"])
            }
        }
        let checkpoint = URL(fileURLWithPath: directory).appendingPathComponent(Self.aggregatorFile)
        if let bytes = try? Data(contentsOf: checkpoint) {
            do {
                let windowsFile = URL(fileURLWithPath: directory).appendingPathComponent(Self.windowsFile)
                var restored = try NetFlowAggregator(checkpoint: Array(bytes), derived: (try? Data(contentsOf: windowsFile)).map { Array($0) })
                guard restored.windows == windows, restored.directionRule == directionRule else {
                    logger.notice("not restoring the NetFlow checkpoint: it was made with other windows or another direction rule")
                    return state
                }
                let saved = (try? FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as? Date) ?? .distantPast
                let gap = now.timeIntervalSince(saved)
                if gap > maximumGap || restored.coverageStart == nil {
                    restored.coverageStart = Int64(now.timeIntervalSince1970.rounded(.up))
                    logger.notice(
                        "the NetFlow checkpoint is \(Int(gap)) s old: flows were missed meanwhile, so the windows in progress are not posted")
                } else {
                    logger.info("restored the NetFlow checkpoint", metadata: ["age_seconds": "\(Int(gap))"])
                }
                state.aggregator.withLock { $0 = restored }
            } catch {
                logger.warning("ignoring unreadable NetFlow checkpoint", metadata: ["file": "\(checkpoint.path)", "error": "\(error)"])
            }
        }
        return state
    }

    /// Installs the map of a configuration refresh. Entities of the first refresh count as mapped
    /// since coverage began (restored tiles hold their flows); later ones since `now`.
    public func updateMapping(_ map: ExporterMap, now: Int64) {
        let coverage = aggregator.withLock { $0.coverageStart } ?? now
        exporters.withLock { $0 = map }
        mappedSince.withLock { since in
            var updated: [ExporterMap.Target: Int64] = [:]
            for account in map.accounts {
                for entity in map.entities(inAccount: account) {
                    let target = ExporterMap.Target(account: account, entity: entity)
                    updated[target] = since?[target] ?? (since == nil ? coverage : now)
                }
            }
            since = updated
        }
    }

    /// The decoder state file in the state directory.
    public static let templatesFile = "netflow-templates.json"
    /// The aggregator checkpoint file in the state directory (all but the longer windows' tiles).
    public static let aggregatorFile = "netflow-aggregator.json"
    /// The longer windows' tiles (`15min` … `24h`), rewritten only when they changed (about once a minute).
    public static let windowsFile = "netflow-windows.json"

    /// Writes templates and the aggregator checkpoint to `directory`, each atomically (a temporary
    /// file renamed over the old one: a crash leaves the old or the new file, never half of one).
    public func save(to directory: String) throws {
        // Copies (shared storage) taken under the locks, encoded outside them: the listener
        // keeps decoding meanwhile (encoding a large tile takes seconds).
        let templates = try decoder.withLock { $0 }.serializedState()
        let saved = savedDerivedVersion.withLock { $0?.directory == directory ? $0?.version : nil }
        let checkpoint = try aggregator.withLock { $0 }.checkpoint(derivedSavedAt: saved)
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.writeAtomically(templates, to: folder.appendingPathComponent(Self.templatesFile))
        // The longer windows first: a stop between the two writes leaves parts that do not go
        // together, which loading detects (never tiles counted twice).
        if let derived = checkpoint.derived {
            try Self.writeAtomically(derived, to: folder.appendingPathComponent(Self.windowsFile))
        }
        try Self.writeAtomically(checkpoint.base, to: folder.appendingPathComponent(Self.aggregatorFile))
        savedDerivedVersion.withLock { $0 = (directory, checkpoint.derivedVersion) }
    }

    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        try Data(bytes).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            throw NetFlowBotError(code: .stateNotWritten, message: "cannot rename \(temporary.path) to \(url.path): errno \(errno)")
        }
    }
}
