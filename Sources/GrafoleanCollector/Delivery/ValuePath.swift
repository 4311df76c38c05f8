/// Grafolean's rules for value paths, and a helper that makes arbitrary text path-safe.
///
/// A path is dot-separated segments of `[a-zA-Z0-9_-]` and the escapes `%2e` (`.`) and `%3a` (`:`),
/// lower case only, and must not start with `system.`. The backend rejects a whole batch for one bad
/// path, so the sender checks every value with these rules before it goes out.
public enum ValuePath {
    /// The longest path the sender lets through.
    ///
    /// The backend stores a 2,000-character path but answers 500 around 2,700 characters (its
    /// database index overflows), which would block delivery; so longer paths are refused up front.
    public static let maximumLength = 2_000

    /// Why `path` would be rejected by the backend, or `nil` if it is valid.
    public static func problem(with path: String) -> String? {
        if path.isEmpty { return "the path is empty" }
        let bytes = Array(path.utf8)
        if bytes.count > maximumLength { return "the path is \(bytes.count) characters long; at most \(maximumLength) are stored safely" }
        if path.hasPrefix("system.") { return "paths starting with 'system.' are reserved by Grafolean" }
        var index = 0
        var segmentLength = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                if segmentLength == 0 { return "empty segment at character \(index + 1) (two dots in a row, or a leading dot)" }
                segmentLength = 0
                index += 1
                continue
            }
            if isSafe(byte) {
                segmentLength += 1
                index += 1
                continue
            }
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                (bytes[index + 1] == UInt8(ascii: "2") && bytes[index + 2] == UInt8(ascii: "e"))
                    || (bytes[index + 1] == UInt8(ascii: "3") && bytes[index + 2] == UInt8(ascii: "a"))
            {
                segmentLength += 3
                index += 3
                continue
            }
            let character = String(decoding: bytes[index...].prefix(4), as: UTF8.self).first.map(String.init) ?? "?"
            if byte == UInt8(ascii: "%") {
                return "invalid escape at character \(index + 1): only lower-case %2e and %3a are allowed"
            }
            return "invalid character '\(character)' at character \(index + 1): use [a-zA-Z0-9_-], %2e or %3a"
        }
        if segmentLength == 0 { return "the path ends with a dot" }
        return nil
    }

    /// Whether the backend accepts `path`.
    public static func isValid(_ path: String) -> Bool {
        problem(with: path) == nil
    }

    /// Turns arbitrary text (an IP address, an interface name) into one valid path segment,
    /// as Grafolean's bots do: `.` becomes `%2e`, `:` becomes `%3a`, any other character outside
    /// `[a-zA-Z0-9_-]` becomes `-`. Empty text becomes `-`.
    ///
    /// `ValuePath.segment("192.0.2.1")` is `192%2e0%2e2%2e1`; `ValuePath.segment("eth0/1")` is `eth0-1`.
    public static func segment(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.isASCII, isSafe(UInt8(scalar.value)) {
                result.unicodeScalars.append(scalar)
            } else if scalar == "." {
                result += "%2e"
            } else if scalar == ":" {
                result += "%3a"
            } else {
                result += "-"
            }
        }
        return result.isEmpty ? "-" : result
    }

    @inline(__always)
    static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
