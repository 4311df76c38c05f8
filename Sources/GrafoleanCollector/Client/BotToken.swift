import Foundation

/// A bot's secret token.
///
/// The token never prints: its `description` is `<redacted>`, so it cannot leak into a log line,
/// an error or a crash message by accident. Read ``secret`` only to put it on the wire.
public struct BotToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The token itself. Use it only to build a request.
    public let secret: String

    /// Wraps a token; surrounding white space (as in a token file) is stripped.
    public init(_ secret: String) {
        self.secret = String(secret.trimmingWhitespace())
    }

    /// Whether the token has the UUID form the backend accepts.
    public var looksValid: Bool {
        let parts = secret.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return parts.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }
    /// Always `BotToken(<redacted>)`.
    public var debugDescription: String { "BotToken(<redacted>)" }
}

/// Removes a bot token from text that is about to be logged or shown.
///
/// Replaces the value of every `b=` query parameter with `<redacted>` and, when the token is
/// known, every other occurrence of it too.
public func redactingBotToken(_ text: String, token: BotToken? = nil) -> String {
    var result = text
    if let token, !token.secret.isEmpty {
        result = result.replacingOccurrences(of: token.secret, with: "<redacted>")
    }
    var output = ""
    output.reserveCapacity(result.count)
    var index = result.startIndex
    while index < result.endIndex {
        let character = result[index]
        output.append(character)
        index = result.index(after: index)
        if (character == "?" || character == "&"), result[index...].hasPrefix("b=") {
            output.append("b=")
            index = result.index(index, offsetBy: 2)
            let end = result[index...].firstIndex(where: { $0 == "&" || $0 == " " || $0 == "#" || $0 == "\"" || $0 == "'" || $0 == "\n" }) ?? result.endIndex
            if end > index, result[index..<end] != "<redacted>" { output.append("<redacted>") } else { output.append(contentsOf: result[index..<end]) }
            index = end
        }
    }
    return output
}

