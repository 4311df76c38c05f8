import Foundation

/// One measurement: a path, a finite number and the wall-clock time it was measured at.
public struct MeasuredValue: Sendable, Hashable {
    /// The series' path, such as `entity.123.ping.success` (see ``ValuePath``).
    public var path: String
    /// The measured number; must be finite.
    public var value: Double
    /// When it was measured. Sent as `t` when the value has to be re-sent after a failure.
    public var time: Date

    /// Creates a value measured at `time`.
    public init(path: String, value: Double, time: Date) {
        self.path = path
        self.value = value
        self.time = time
    }
}
