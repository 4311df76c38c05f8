/// Renders rows as a Markdown table, so that the output can be pasted into BENCHMARKS.md.
enum ResultTable {
    static func render(_ rows: [ResultRow]) -> String {
        let header = ["Part", "Case", "Metric", "Value", "Target", "Met"]
        let cells = rows.map { [$0.part, $0.scenario, $0.metric, $0.value, $0.target, $0.verdict.rawValue] }
        var widths = header.map(\.count)
        for row in cells {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ fields: [String]) -> String {
            "| " + fields.enumerated().map { index, field in
                field + String(repeating: " ", count: widths[index] - field.count)
            }.joined(separator: " | ") + " |"
        }
        var lines = [line(header), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"]
        lines += cells.map(line)
        return lines.joined(separator: "\n")
    }
}
