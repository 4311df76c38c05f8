/// An aggregation window: a label used in paths and a length. Windows are aligned tiles: a
/// tile covers `[end − seconds, end)` and its end is a multiple of `seconds` since the epoch.
public struct FlowWindow: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The path label (`1min`, `15min`, `1h`, `4h`, `24h`).
    public var label: String
    /// Length in seconds.
    public var seconds: Int64

    /// A window.
    public init(label: String, seconds: Int64) {
        self.label = label
        self.seconds = max(1, seconds)
    }

    /// 60 s.
    public static let oneMinute = FlowWindow(label: "1min", seconds: 60)
    /// 900 s.
    public static let fifteenMinutes = FlowWindow(label: "15min", seconds: 900)
    /// 3,600 s.
    public static let oneHour = FlowWindow(label: "1h", seconds: 3_600)
    /// 14,400 s.
    public static let fourHours = FlowWindow(label: "4h", seconds: 14_400)
    /// 86,400 s.
    public static let oneDay = FlowWindow(label: "24h", seconds: 86_400)
    /// The reference's five windows.
    public static let all: [FlowWindow] = [.oneMinute, .fifteenMinutes, .oneHour, .fourHours, .oneDay]

    /// The end of the tile holding `time` (Unix seconds).
    public func tileEnd(containing time: Int64) -> Int64 {
        let (quotient, remainder) = time.quotientAndRemainder(dividingBy: seconds)
        return (remainder < 0 ? quotient - 1 : quotient) &* seconds &+ seconds
    }

    /// The label.
    public var description: String { label }
}
