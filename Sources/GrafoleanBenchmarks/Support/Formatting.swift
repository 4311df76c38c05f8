import Foundation

/// Number formatting for the results table.
enum Format {
    /// `1234567` → `1,234,567`.
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// A number with `digits` decimals.
    static func number(_ value: Double, _ digits: Int = 1) -> String {
        guard value.isFinite else { return "\(value)" }
        return String(format: "%.\(digits)f", value)
    }

    /// Seconds as milliseconds with an adaptive number of decimals (`0.042 ms`, `3.1 ms`, `1234 ms`).
    static func milliseconds(_ seconds: Double) -> String {
        let ms = seconds * 1000
        let digits = abs(ms) < 1 ? 3 : abs(ms) < 100 ? 1 : 0
        return number(ms, digits) + " ms"
    }

    /// Seconds as `12.3 s` (or milliseconds below one second).
    static func duration(_ seconds: Double) -> String {
        seconds < 1 ? milliseconds(seconds) : number(seconds, seconds < 100 ? 2 : 1) + " s"
    }

    /// KiB as `12.3 MiB`.
    static func mebibytes(kibibytes: Int) -> String {
        number(Double(kibibytes) / 1024, 1) + " MiB"
    }

    /// A rate such as `123,456/s`.
    static func rate(_ perSecond: Double, unit: String = "/s") -> String {
        perSecond >= 100 ? count(Int(perSecond.rounded())) + unit : number(perSecond, 1) + unit
    }

    /// Microseconds with one decimal.
    static func microseconds(_ seconds: Double) -> String {
        number(seconds * 1e6, 1) + " µs"
    }
}
