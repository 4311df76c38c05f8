import Foundation
import Logging
import SNMP
import Testing

@testable import SNMPBot

/// The counters' samples survive a restart through the state directory.
@Suite("Counter samples survive a restart")
struct CounterStateTests {
    @Test func savedSamplesGiveTheFirstRunAfterARestartItsRate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("counters-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = CounterRates.SeriesKey(entity: 5, sensor: 6)
        let oid = try #require(OID(parsing: "1.3.6.1.2.1.2.2.1.10.2"))
        let now = Date()

        let before = CounterRates()
        _ = before.update(key, counters: [oid: .counter64(1_000)], time: now.addingTimeInterval(-60))
        CounterStateService(rates: before, directory: directory, logger: Logger(label: "test")).save()

        // The restarted bot: a fresh store, loaded from the file.
        let after = CounterRates()
        CounterStateService(rates: after, directory: directory, logger: Logger(label: "test")).load()
        let rates = after.update(key, counters: [oid: .counter64(7_000)], time: now)
        #expect(abs(rates[oid]! - 100) < 1e-6)  // (7,000 − 1,000) / 60 s

        // Stale samples (older than the limit) are not restored.
        let stale = CounterRates()
        var service = CounterStateService(rates: stale, directory: directory, logger: Logger(label: "test"))
        service.staleLimit = 30
        service.load()
        #expect(stale.sampleCount == 0)
    }
}
