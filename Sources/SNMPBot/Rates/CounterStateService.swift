import Foundation
import GrafoleanCollector
import Logging
import ServiceLifecycle

/// Keeps the counters' previous samples in the bot's state directory, so that a restart of the
/// bot costs no rate sample (Grafolean's bot keeps them in PostgreSQL for the same reason).
///
/// Loads `snmp-counters.json` at start (samples older than ``staleLimit`` are ignored), saves it
/// every ``saveInterval`` and once more when the bot shuts down (after its jobs stopped).
struct CounterStateService: Service {
    let rates: CounterRates
    let directory: String
    let logger: Logger
    var saveInterval: Duration = .seconds(60)
    var staleLimit: TimeInterval = 900

    var path: String { (directory as NSString).appendingPathComponent("snmp-counters.json") }

    func run() async throws {
        load()
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: saveInterval)
                save()
            }
        }
        save()
    }

    func load() {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        do {
            let saved = try JSONDecoder().decode([CounterRates.SavedSample].self, from: data)
            let restored = rates.restore(saved, notBefore: Date().addingTimeInterval(-staleLimit))
            logger.info("restored counter samples from the state directory", metadata: ["samples": "\(restored)", "path": "\(path)"])
        } catch {
            logger.warning("ignoring an unreadable counter state file: \(error)", metadata: ["path": "\(path)"])
        }
    }

    func save() {
        do {
            let data = try JSONEncoder().encode(rates.snapshot())
            // Written aside, then renamed: a crash mid-write leaves the previous file whole.
            let temporary = path + ".tmp"
            try data.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            logger.warning("cannot save the counter samples: \(error)", metadata: ["path": "\(path)"])
        }
    }
}
