import GrafoleanCollector

/// A sensor's `output_path`, such as `if.in-octets.{$index}.{$1}`, with its placeholders parsed.
///
/// `{$index}` becomes the row's OID index (`1`, or `1.4` for a two-part index: more path segments,
/// as in the reference bot), `{$N}` the N-th OID's value made path-safe: every character outside
/// `[0-9a-zA-Z_-]` becomes `-` (`eth0.100` → `eth0-100`), as the reference bot does it.
struct OutputPathTemplate: Sendable, Hashable, CustomStringConvertible {
    enum Part: Sendable, Hashable {
        case literal(String)
        case index
        case value(Int)
    }

    /// The template's text as configured.
    let source: String
    let parts: [Part]

    /// Parses a template.
    ///
    /// - Throws: ``SNMPBotError`` (`invalidSensor`) for an empty template, a `{` without `}`, or a
    ///   placeholder other than `{$index}` and `{$N}`.
    init(parsing source: String) throws(SNMPBotError) {
        self.source = source
        guard !source.isEmpty else {
            throw SNMPBotError(code: .invalidSensor, message: "the output path is empty; write for example 'if.in-octets.{$index}.{$1}'", field: "output_path")
        }
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(source)
        while let opening = rest.firstIndex(of: "{") {
            literal += rest[..<opening]
            let position = source.distance(from: source.startIndex, to: opening) + 1
            guard let closing = rest[opening...].firstIndex(of: "}") else {
                throw SNMPBotError(code: .invalidSensor, message: "'{' at character \(position) is not closed by '}'", field: "output_path")
            }
            let name = rest[rest.index(after: opening)..<closing]
            let part: Part
            if name == "$index" {
                part = .index
            } else if name.hasPrefix("$"), let number = Int(name.dropFirst()), number >= 1, name.dropFirst().allSatisfy(\.isASCII) {
                part = .value(number)
            } else {
                throw SNMPBotError(
                    code: .invalidSensor,
                    message: "unknown placeholder '{\(name)}' at character \(position): use {$index} or {$1}, {$2}, …",
                    field: "output_path")
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = ""
            parts.append(part)
            rest = rest[rest.index(after: closing)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// Whether the template uses `{$index}`.
    var usesIndex: Bool { parts.contains(.index) }

    /// The `N` of the `{$N}` it uses.
    var values: Set<Int> {
        Set(parts.compactMap { if case .value(let number) = $0 { number } else { nil } })
    }

    /// The path with the placeholders filled in; `value(N)` gives the N-th value's text (made
    /// path-safe here), nil when there is none (then the result is nil).
    func render(index: String, value: (Int) -> String?) -> String? {
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .index: result += index
            case .value(let number):
                guard let text = value(number) else { return nil }
                result += Self.pathSafe(text)
            }
        }
        return result
    }

    /// `text` with every character outside `[0-9a-zA-Z_-]` replaced by `-`; empty text becomes `-`
    /// (an empty segment would make the path invalid).
    static func pathSafe(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-": result.unicodeScalars.append(scalar)
            default: result += "-"
            }
        }
        return result.isEmpty ? "-" : result
    }

    /// The template's text.
    var description: String { source }
}
