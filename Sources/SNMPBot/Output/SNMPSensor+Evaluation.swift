import Foundation
import GrafoleanCollector
import SNMP

/// What one sensor produced in one run, and why rows gave no value.
struct SensorOutput: Sendable {
    /// The values, one per row that had all it needed.
    var values: [MeasuredValue] = []
    /// Rows without a value because a `$N` had none: the first sample of a counter, a decrease, text, a missing instance.
    var missingInputs = 0
    /// Rows whose expression failed (division by zero, a non-finite result).
    var failedEvaluations = 0
    /// The first such failure, for the log.
    var firstEvaluationError: String?
    /// Rows whose path the backend would refuse.
    var invalidPaths = 0
    /// The first such path with the reason.
    var firstInvalidPath: String?
    /// Rows that gave a path an earlier row already gave (only the last is kept).
    var duplicatePaths = 0
}

extension SNMPSensor {
    /// Computes the sensor's values from a run's data.
    ///
    /// With walked OIDs there is one row per index of the first walked OID; the other walked OIDs
    /// are taken at the same index and GET values repeat in every row. Counters become per-second
    /// rates through `rates` (the samples of every row are stored, whether or not the row gives a
    /// value). Each row's path is `entity.<entityID>.snmp.<output_path>` with the placeholders
    /// filled in and is checked against the backend's rules.
    func evaluate(entityID: Int, columns: [OID: WalkedColumn], scalars: [OID: SNMPValue], rates: CounterRates, time: Date) -> SensorOutput {
        let rowIndexes: [[UInt32]] = primaryWalk.map { columns[sources[$0].oid]?.rows.map(\.index) ?? [] } ?? [[]]

        // The run's counter samples, by instance OID, and their rates.
        var counters: [OID: SNMPValue] = [:]
        for source in sources {
            switch source.method {
            case .walk:
                for row in columns[source.oid]?.rows ?? [] where row.value.isCounter {
                    counters[OID(arcs: source.oid.arcs + row.index)] = row.value
                }
            case .get:
                if let value = scalars[source.oid], value.isCounter { counters[source.oid] = value }
            }
        }
        let counterRates = counters.isEmpty ? [:] : rates.update(.init(entity: entityID, sensor: id), counters: counters, time: time)

        var output = SensorOutput()
        var positionByPath: [String: Int] = [:]
        let prefix = "entity.\(entityID).snmp."
        for index in rowIndexes {
            func raw(_ number: Int) -> SNMPValue? {
                guard number >= 1, number <= sources.count else { return nil }
                let source = sources[number - 1]
                let value = source.method == .walk ? columns[source.oid]?.values[index] : scalars[source.oid]
                guard let value, !value.isException, value != .null else { return nil }
                return value
            }
            func number(_ number: Int) -> Double? {
                guard let value = raw(number) else { return nil }
                guard value.isCounter else { return value.doubleValue }
                let source = sources[number - 1]
                return counterRates[source.method == .walk ? OID(arcs: source.oid.arcs + index) : source.oid]
            }

            guard let path = outputPath.render(index: index.map(String.init).joined(separator: "."), value: { raw($0).map(Self.text) }) else {
                output.missingInputs += 1
                continue
            }
            let value: Double
            do {
                value = try expression.evaluate(number)
            } catch {
                if error.code == .missingValue {
                    output.missingInputs += 1
                } else {
                    output.failedEvaluations += 1
                    if output.firstEvaluationError == nil { output.firstEvaluationError = "\(error.message) at path '\(prefix)\(path)'" }
                }
                continue
            }
            let fullPath = prefix + path
            if let problem = ValuePath.problem(with: fullPath) {
                output.invalidPaths += 1
                if output.firstInvalidPath == nil { output.firstInvalidPath = "'\(fullPath.prefix(200))': \(problem)" }
                continue
            }
            let measured = MeasuredValue(path: fullPath, value: value, time: time)
            if let earlier = positionByPath[fullPath] {
                output.duplicatePaths += 1
                output.values[earlier] = measured
            } else {
                positionByPath[fullPath] = output.values.count
                output.values.append(measured)
            }
        }
        return output
    }

    /// A value as text for an output path (made path-safe by the template).
    static func text(_ value: SNMPValue) -> String {
        switch value {
        case .octetString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .integer(let number): String(number)
        case .counter32(let number), .gauge32(let number), .timeTicks(let number): String(number)
        case .counter64(let number): String(number)
        case .ipAddress(let bytes): bytes.map(String.init).joined(separator: ".")
        case .objectIdentifier(let oid): oid.description
        case .opaque(let bytes), .unknown(_, let bytes): bytes.map { String($0, radix: 16) }.joined(separator: "-")
        case .null, .noSuchObject, .noSuchInstance, .endOfMibView: ""
        }
    }
}
