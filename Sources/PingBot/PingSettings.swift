import GrafoleanCollector

/// How to ping one entity: the entity's credential details, checked.
///
/// The web UI stores them as strings (`"3"`, `"1.0"`); numbers are accepted too. Missing fields take
/// the reference bot's defaults.
public struct PingSettings: Sendable, Hashable {
    /// Echo requests per run (`n_packets`, default 3, 1 to 100).
    public var packets: Int
    /// Seconds between requests (`sleep_packets`, default 1.0, 0 to 60).
    public var spacing: Double
    /// Seconds to wait for each reply (`timeout`, above 0 up to 60; default 2.0 when the key is
    /// missing, as in the reference bot; the web UI's form fills in 1.0).
    public var timeout: Double
    /// Extra tries for a lost packet (`retry`, default 0, 0 to 10).
    public var retries: Int

    /// Creates settings.
    public init(packets: Int = 3, spacing: Double = 1.0, timeout: Double = 2.0, retries: Int = 0) {
        self.packets = packets
        self.spacing = spacing
        self.timeout = timeout
        self.retries = retries
    }

    /// Reads and checks credential details.
    ///
    /// - Throws: ``PingSettingsError`` naming the field, the value and the accepted range.
    public init(credentialDetails details: JSONValue) throws(PingSettingsError) {
        func number(_ field: String, default value: Double, range: ClosedRange<Double>, whole: Bool, positive: Bool = false) throws(PingSettingsError) -> Double {
            guard let raw = details[field], raw != .null, raw != .string("") else { return value }
            guard let number = raw.numberValue, number.isFinite else {
                throw PingSettingsError(field: field, message: "'\(Self.describe(raw))' is not a number")
            }
            if whole, number.rounded() != number {
                throw PingSettingsError(field: field, message: "\(Self.describe(raw)) is not a whole number")
            }
            guard range.contains(number), !positive || number > 0 else {
                let lower = positive ? "above \(Self.format(range.lowerBound))" : "from \(Self.format(range.lowerBound))"
                throw PingSettingsError(field: field, message: "\(Self.describe(raw)) is out of range (\(lower) to \(Self.format(range.upperBound)))")
            }
            return number
        }
        packets = Int(try number("n_packets", default: 3, range: 1...100, whole: true))
        spacing = try number("sleep_packets", default: 1.0, range: 0...60, whole: false)
        timeout = try number("timeout", default: 2.0, range: 0...60, whole: false, positive: true)
        retries = Int(try number("retry", default: 0, range: 0...10, whole: true))
    }

    /// The longest one run can take: the spacing between the packets, every try's full timeout for
    /// the last one, and a second of margin. A run's timeout; when it is longer than the interval,
    /// runs of the device overlap, so every interval still delivers its result (as in the reference).
    public var longestRun: Duration {
        let seconds = Double(packets - 1) * spacing + timeout * Double(retries + 1) + 1
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let string): return string
        case .number(let number): return format(number)
        default: return "\(value)"
        }
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number ? String(Int(number)) : String(number)
    }
}

/// A credential field that cannot be used.
public struct PingSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The credential field, such as `n_packets`.
    public var field: String
    /// What is wrong with it.
    public var message: String

    /// `credential field 'n_packets': ...`.
    public var description: String { "credential field '\(field)': \(message)" }
}
