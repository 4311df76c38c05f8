import NetFlow

/// Grafolean path segments: `[0-9a-zA-Z_-]+`, with addresses escaped as the reference does.
public enum PathSegment {
    /// Whether a character may appear in a path segment unescaped.
    public static func isSafe(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        case UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// An address as the reference writes it: `.` → `%2e`, `:` → `%3a` (`10%2e0%2e0%2e1`,
    /// `2001%3adb8%3a%3a1`).
    public static func address(_ address: FlowAddress) -> String {
        var text = ""
        for character in address.description {
            switch character {
            case ".": text += "%2e"
            case ":": text += "%3a"
            default: text.append(character)
            }
        }
        return text
    }
}
