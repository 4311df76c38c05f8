import Logging
import Metrics

/// Turns the aggregator's counters of flows it could not count into metrics and log lines.
///
/// Called every checkpoint interval with the aggregator's running totals: each increase goes to
/// `netflow_flows_uncounted_total{reason}` (and dropped tiles to `netflow_tiles_dropped_total`)
/// at once, and to the log at most once per ``logInterval`` per reason, with the count since the
/// last line, so that an exporter sending odd flows all day does not flood the log.
struct UncountedFlowsReport {
    /// Why flows were not counted, as the metric's `reason` and the log's explanation.
    enum Reason: String, CaseIterable {
        case unknownExporter = "unknown_exporter"
        case otherDirection = "other_direction"
        case late
        case droppedTile = "dropped_tile"

        var explanation: String {
            switch self {
            case .unknownExporter: "flows from exporters that no entity has were not counted (an entity's details.ipv4 must be the exporter's address)"
            case .otherDirection: "flows whose direction (field 61) is neither 0 nor 1 were not counted"
            case .late: "flows were added after their window had been posted and were not counted (the bot was busy for longer than the grace time)"
            case .droppedTile: "window tiles were dropped before they were posted (the bot was paused for longer than a window): their flows are lost"
            }
        }

        /// `netflow_tiles_dropped_total` for dropped tiles, `netflow_flows_uncounted_total{reason}` otherwise.
        func makeCounter() -> Counter {
            self == .droppedTile
                ? Counter(label: "netflow_tiles_dropped_total")
                : Counter(label: "netflow_flows_uncounted_total", dimensions: [("reason", rawValue)])
        }

        func count(in statistics: NetFlowAggregator.Statistics) -> Int {
            switch self {
            case .unknownExporter: statistics.unmappedFlows
            case .otherDirection: statistics.otherDirectionFlows
            case .late: statistics.lateFlows
            case .droppedTile: statistics.staleTiles
            }
        }
    }

    /// The least time between two log lines of one reason.
    static let logInterval: Double = 600

    private var reported: NetFlowAggregator.Statistics
    private let counters = Dictionary(uniqueKeysWithValues: Reason.allCases.map { ($0, $0.makeCounter()) })
    private var unlogged: [Reason: Int] = [:]
    private var lastLogged: [Reason: Double] = [:]

    /// Starts from `statistics` (restored with a checkpoint: those were reported before).
    init(from statistics: NetFlowAggregator.Statistics) {
        reported = statistics
    }

    /// What to log now, given the running totals at `now` (Unix s); counts the metrics.
    mutating func update(_ statistics: NetFlowAggregator.Statistics, now: Double) -> [(reason: Reason, count: Int)] {
        var lines: [(reason: Reason, count: Int)] = []
        for reason in Reason.allCases {
            let increase = reason.count(in: statistics) - reason.count(in: reported)
            if increase > 0 {
                counters[reason]?.increment(by: increase)
                unlogged[reason, default: 0] += increase
            }
            if let count = unlogged[reason], count > 0, now >= (lastLogged[reason] ?? -.infinity) + Self.logInterval {
                lines.append((reason, count))
                unlogged[reason] = 0
                lastLogged[reason] = now
            }
        }
        reported = statistics
        return lines
    }

    /// Updates and writes the lines to `logger`.
    mutating func log(_ statistics: NetFlowAggregator.Statistics, now: Double, to logger: Logger) {
        for (reason, count) in update(statistics, now: now) {
            let level: Logger.Level = reason == .unknownExporter ? .notice : .warning
            logger.log(level: level, "\(count) \(reason.explanation)", metadata: ["reason": "\(reason.rawValue)", "count": "\(count)"])
        }
    }
}
