/// One measured figure, as printed in the results table and written to a results file.
struct ResultRow: Sendable, Hashable {
    /// Whether a figure meets its target.
    enum Verdict: String, Sendable {
        case met = "yes"
        case missed = "NO"
        case none = ""
    }

    /// The benchmark part (`fetch`, `scheduler`, …).
    var part: String
    /// The case within the part (`1,000 devices / 1 account`).
    var scenario: String
    /// What is measured (`wall time`).
    var metric: String
    /// The figure with its unit.
    var value: String
    /// The target, if there is one (`< 100 ms`).
    var target: String = ""
    /// Whether the target is met.
    var verdict: Verdict = .none

    /// A row whose verdict is `met` when `isMet`, else `missed`.
    static func checked(
        _ part: String, _ scenario: String, _ metric: String, _ value: String, target: String, isMet: Bool
    ) -> ResultRow {
        ResultRow(part: part, scenario: scenario, metric: metric, value: value, target: target, verdict: isMet ? .met : .missed)
    }

    /// The row as one tab-separated line (tabs and newlines in fields become spaces).
    var line: String {
        [part, scenario, metric, value, target, verdict.rawValue]
            .map { $0.replacing("\t", with: " ").replacing("\n", with: " ") }
            .joined(separator: "\t")
    }

    /// Parses a line written by ``line``; `nil` for anything else.
    init?(line: Substring) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 6 else { return nil }
        self.init(
            part: fields[0], scenario: fields[1], metric: fields[2], value: fields[3], target: fields[4],
            verdict: Verdict(rawValue: fields[5]) ?? .none)
    }

    init(part: String, scenario: String, metric: String, value: String, target: String = "", verdict: Verdict = .none) {
        self.part = part
        self.scenario = scenario
        self.metric = metric
        self.value = value
        self.target = target
        self.verdict = verdict
    }
}
