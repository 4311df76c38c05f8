import Foundation
import SNMP
import Synchronization

/// Turns Counter32/Counter64 samples into per-second rates against the previous sample of the same
/// entity, sensor and instance OID (the OID with its index).
///
/// rate = Δvalue / Δtime between the measurement times of two consecutive samples. There is no
/// value for the first sample of an instance, after any decrease (a wrap or an agent restart: the
/// reference bot treats both alike), after a change of counter type, or when the time did not
/// advance. Δvalue is computed on the integers, so Counter64 values near 2⁶⁴ lose no precision.
///
/// Samples live in memory and, with a state directory, in `snmp-counters.json` there (saved every
/// minute and at shutdown by ``CounterStateService``), so a restart costs no sample, as with the
/// reference's PostgreSQL table; samples older than 15 minutes are not restored. The store is
/// bounded by the configuration: each
/// update replaces the series' samples with the current ones (instances that disappeared are
/// forgotten), and ``retain(_:)`` drops the series of entities and sensors no longer configured.
final class CounterRates: Sendable {
    /// The samples of one sensor of one entity.
    struct SeriesKey: Sendable, Hashable {
        var entity: Int
        var sensor: Int
    }

    /// One counter reading.
    struct Sample: Sendable, Hashable {
        var value: UInt64
        var is64Bit: Bool
        var time: Date

        /// A sample of a counter value; nil for any other type.
        init?(_ value: SNMPValue, time: Date) {
            switch value {
            case .counter32(let counter): self.init(value: UInt64(counter), is64Bit: false, time: time)
            case .counter64(let counter): self.init(value: counter, is64Bit: true, time: time)
            default: return nil
            }
        }

        init(value: UInt64, is64Bit: Bool, time: Date) {
            self.value = value
            self.is64Bit = is64Bit
            self.time = time
        }
    }

    private let series = Mutex<[SeriesKey: [OID: Sample]]>([:])

    init() {}

    /// Stores the counters of one sensor's run and returns the rate of each instance that has a usable previous sample.
    ///
    /// `counters` are the run's counter values by instance OID; they replace the series' previous samples.
    func update(_ key: SeriesKey, counters: [OID: SNMPValue], time: Date) -> [OID: Double] {
        var current: [OID: Sample] = [:]
        current.reserveCapacity(counters.count)
        for (oid, value) in counters {
            if let sample = Sample(value, time: time) { current[oid] = sample }
        }
        let previous = series.withLock { series in
            let previous = series[key]
            series[key] = current.isEmpty ? nil : current
            return previous ?? [:]
        }
        var rates: [OID: Double] = [:]
        for (oid, sample) in current {
            if let before = previous[oid], let rate = Self.rate(from: before, to: sample) {
                rates[oid] = rate
            }
        }
        return rates
    }

    /// Forgets every series whose key is not in `keys` (entities or sensors no longer configured).
    func retain(_ keys: Set<SeriesKey>) {
        series.withLock { series in
            series = series.filter { keys.contains($0.key) }
        }
    }

    /// One sample as saved in the state file.
    struct SavedSample: Codable, Hashable {
        var entity: Int
        var sensor: Int
        var oid: String
        var value: UInt64
        var is64Bit: Bool
        var time: Double
    }

    /// Every sample, for the state file.
    func snapshot() -> [SavedSample] {
        series.withLock { series in
            series.flatMap { key, samples in
                samples.map { oid, sample in
                    SavedSample(
                        entity: key.entity, sensor: key.sensor, oid: oid.description, value: sample.value, is64Bit: sample.is64Bit,
                        time: sample.time.timeIntervalSince1970)
                }
            }
        }
    }

    /// Takes in saved samples measured after `cutoff` for series that have none yet; returns how many.
    func restore(_ saved: [SavedSample], notBefore cutoff: Date) -> Int {
        series.withLock { series in
            var restored = 0
            for entry in saved where entry.time >= cutoff.timeIntervalSince1970 {
                guard let oid = OID(parsing: entry.oid) else { continue }
                let key = SeriesKey(entity: entry.entity, sensor: entry.sensor)
                guard series[key]?[oid] == nil else { continue }
                series[key, default: [:]][oid] = Sample(value: entry.value, is64Bit: entry.is64Bit, time: Date(timeIntervalSince1970: entry.time))
                restored += 1
            }
            return restored
        }
    }

    /// How many samples are kept, over all series.
    var sampleCount: Int {
        series.withLock { $0.values.reduce(0) { $0 + $1.count } }
    }

    /// The per-second rate from `previous` to `current`; nil for a decrease, a type change or no time elapsed.
    static func rate(from previous: Sample, to current: Sample) -> Double? {
        guard previous.is64Bit == current.is64Bit, current.value >= previous.value else { return nil }
        let seconds = current.time.timeIntervalSince(previous.time)
        guard seconds > 0 else { return nil }
        return Double(current.value - previous.value) / seconds
    }
}
