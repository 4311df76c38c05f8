import Foundation
import GrafoleanCollector
import SNMP

/// One SNMP sensor of an entity, checked: what to fetch and how to turn it into values.
///
/// Its details are `{"oids":[{"oid":"1.3.6.1.2.1.2.2.1.2","fetch_method":"walk"}, …],
/// "expression":"$2", "output_path":"if.in-octets.{$index}.{$1}"}`, as Grafolean's web UI stores them.
struct SNMPSensor: Sendable, Hashable {
    /// How one OID is fetched.
    enum FetchMethod: String, Sendable, Hashable {
        /// One value (GET); it repeats for every row of the walked OIDs.
        case get
        /// A subtree (a table column): one value per index.
        case walk
    }

    /// One of the sensor's OIDs (`$1`, `$2`, … in the order given).
    struct Source: Sendable, Hashable {
        var oid: OID
        var method: FetchMethod
    }

    /// The most OIDs one sensor may list.
    static let maximumOIDs = 64

    /// The sensor's id.
    let id: Int
    /// The sensor's name, for logs.
    let name: String
    /// Seconds between measurements.
    let interval: Int
    /// `$1`, `$2`, …
    let sources: [Source]
    /// Computes each value.
    let expression: SNMPExpression
    /// Where each value goes, below `entity.<id>.snmp.`.
    let outputPath: OutputPathTemplate

    /// Checks a sensor's configuration.
    ///
    /// - Throws: ``SNMPBotError`` (`invalidSensor`) naming the field, such as `oids[2].fetch_method`.
    init(id: Int, name: String, interval: Int, details: JSONValue, entityID: Int) throws(SNMPBotError) {
        func invalid(_ field: String, _ message: String) -> SNMPBotError {
            SNMPBotError(code: .invalidSensor, message: message, field: field)
        }
        guard case .object = details else {
            throw invalid("details", "is not an object with oids, expression and output_path")
        }
        guard let list = details["oids"]?.arrayValue, !list.isEmpty else {
            throw invalid("oids", "is missing or empty; list at least one {\"oid\": …, \"fetch_method\": \"walk\" or \"get\"}")
        }
        guard list.count <= Self.maximumOIDs else {
            throw invalid("oids", "lists \(list.count) OIDs; at most \(Self.maximumOIDs) are accepted")
        }
        var sources: [Source] = []
        for (offset, item) in list.enumerated() {
            let field = "oids[\(offset)]"
            guard let text = item["oid"]?.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                throw invalid("\(field).oid", "is missing; set a numeric OID such as 1.3.6.1.2.1.2.2.1.2")
            }
            guard let oid = OID(parsing: text) else {
                throw invalid("\(field).oid", "'\(text)' is not a numeric OID (write 1.3.6.1.2.1.2.2.1.2, not a MIB name)")
            }
            let methodText = item["fetch_method"]?.stringValue?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard let method = FetchMethod(rawValue: methodText) else {
                throw invalid("\(field).fetch_method", methodText.isEmpty ? "is missing; set 'get' or 'walk'" : "'\(methodText)' is not 'get' or 'walk'")
            }
            sources.append(Source(oid: oid, method: method))
        }

        guard let expressionText = details["expression"]?.stringValue else {
            throw invalid("expression", "is missing; write for example '$1'")
        }
        let expression: SNMPExpression
        do {
            expression = try SNMPExpression(parsing: expressionText)
        } catch {
            throw invalid("expression", "'\(expressionText)': \(error.message)")
        }
        if let beyond = expression.variables.first(where: { $0 > sources.count }) {
            throw invalid("expression", "'\(expressionText)' uses $\(beyond), but the sensor lists only \(sources.count) OID\(sources.count == 1 ? "" : "s")")
        }

        guard let pathText = details["output_path"]?.stringValue else {
            throw invalid("output_path", "is missing; write for example 'if.in-octets.{$index}.{$1}'")
        }
        let outputPath = try OutputPathTemplate(parsing: pathText)
        if let beyond = outputPath.values.sorted().first(where: { $0 > sources.count }) {
            throw invalid("output_path", "'\(pathText)' uses {$\(beyond)}, but the sensor lists only \(sources.count) OID\(sources.count == 1 ? "" : "s")")
        }
        if outputPath.usesIndex, !sources.contains(where: { $0.method == .walk }) {
            throw invalid("output_path", "'\(pathText)' uses {$index}, but no OID is walked (fetch_method 'walk'), so there is no index")
        }
        // A sample rendering catches literal parts the backend would refuse (`if..in`, `if in`).
        let sample = "entity.\(entityID).snmp." + (outputPath.render(index: "1", value: { _ in "x" }) ?? "")
        if let problem = ValuePath.problem(with: sample) {
            throw invalid("output_path", "'\(pathText)' gives invalid paths such as '\(sample)': \(problem)")
        }

        self.id = id
        self.name = name
        self.interval = interval
        self.sources = sources
        self.expression = expression
        self.outputPath = outputPath
    }

    /// The position of the first walked OID, whose indexes make the rows; nil when every OID is a GET.
    var primaryWalk: Int? {
        sources.firstIndex { $0.method == .walk }
    }
}
