/// A request target (`/api/profile/?b=...`) split and decoded as Starlette does: the path
/// percent-decoded, the query as `parse_qsl(keep_blank_values=True)` where the last value of a
/// repeated name wins.
struct RequestTarget: Sendable {
    /// The path as sent (still percent-encoded), for the request log.
    let rawPath: String
    /// The query as sent, nil without `?`.
    let rawQuery: String?
    /// The percent-decoded path, as the backend's routing and permission check see it.
    let path: String
    private let parameters: [(String, String)]

    init(_ target: String) {
        var target = Substring(target)
        // Absolute form (`http://host/api/...`): keep only the path and query.
        if !target.hasPrefix("/"), let schemeEnd = target.firstRange(of: "://") {
            let afterAuthority = target[schemeEnd.upperBound...]
            target = afterAuthority.firstIndex(of: "/").map { afterAuthority[$0...] } ?? "/"
        }
        if let fragment = target.firstIndex(of: "#") { target = target[..<fragment] }
        if let question = target.firstIndex(of: "?") {
            rawPath = String(target[..<question])
            rawQuery = String(target[target.index(after: question)...])
        } else {
            rawPath = String(target)
            rawQuery = nil
        }
        path = Self.percentDecode(Substring(rawPath), plusAsSpace: false)
        var parameters: [(String, String)] = []
        for pair in (rawQuery ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.percentDecode(parts[0], plusAsSpace: true)
            let value = parts.count > 1 ? Self.percentDecode(parts[1], plusAsSpace: true) : ""
            parameters.append((name, value))
        }
        self.parameters = parameters
    }

    /// The value of query parameter `name` (the last one if repeated), nil when absent.
    func value(_ name: String) -> String? {
        parameters.last { $0.0 == name }?.1
    }

    /// The query with every `b` parameter's value replaced, so that tokens never reach a log.
    var redactedQuery: String? {
        guard let rawQuery else { return nil }
        return rawQuery.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            // Any case: a `B=` is no token to the backend, but it may still be one to a human.
            return Self.percentDecode(name, plusAsSpace: true).lowercased() == "b" ? "b=REDACTED" : String(pair)
        }.joined(separator: "&")
    }

    /// Percent-decodes as UTF-8; invalid sequences become U+FFFD (Python's `errors="replace"`).
    static func percentDecode(_ text: Substring, plusAsSpace: Bool) -> String {
        guard text.contains("%") || (plusAsSpace && text.contains("+")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let high = hexValue(iterator[iterator.startIndex]),
                let low = hexValue(iterator[iterator.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else if byte == UInt8(ascii: "+"), plusAsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
