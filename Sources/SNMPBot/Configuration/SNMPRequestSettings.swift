import GrafoleanCollector
import SNMP

/// Per-credential request settings that Grafolean's web UI cannot enter but its API can:
/// `snmp_timeout`, `snmp_retries`, `snmp_max_repetitions` and `snmp_walk_method`.
///
/// Each overrides the bot's option for the devices using the credential, whatever the SNMP
/// version. Values may be numbers or strings (`"3"`, `"1.5"`), as the UI stores everything as
/// text; a missing, `null` or empty value means the bot's option.
struct SNMPRequestSettings: Sendable, Hashable {
    /// How long to wait for each answer.
    var timeout: Duration
    /// Extra transmissions after a timeout.
    var retries: Int
    /// GETBULK max-repetitions.
    var maxRepetitions: Int
    /// GETBULK or GETNEXT walks.
    var walkMethod: SNMPWalkMethod

    /// Accepted ranges, also quoted in messages.
    static let timeoutRange = 0.01...60.0
    static let retriesRange = 0...10
    static let maxRepetitionsRange = 1...1000

    /// Creates settings.
    init(timeout: Duration, retries: Int, maxRepetitions: Int, walkMethod: SNMPWalkMethod) {
        self.timeout = timeout
        self.retries = retries
        self.maxRepetitions = maxRepetitions
        self.walkMethod = walkMethod
    }

    /// The settings of a credential's `details`, defaulting to the bot's options.
    ///
    /// - Throws: ``SNMPBotError`` (`invalidCredential`) naming the field, the value and what is accepted.
    init(grafoleanDetails details: JSONValue, defaults options: SNMPCollector.Options) throws(SNMPBotError) {
        timeout = options.timeout
        retries = options.retries
        maxRepetitions = options.maxRepetitions
        walkMethod = .getBulk
        if let seconds = try Self.number(details, "snmp_timeout", accepted: "a number of seconds from 0.01 to 60, such as \"1.5\"") {
            guard Self.timeoutRange.contains(seconds) else {
                throw SNMPBotError(code: .invalidCredential, message: "'\(Self.show(seconds))' is out of range; accepted: seconds from 0.01 to 60", field: "snmp_timeout")
            }
            timeout = .milliseconds(Int64((seconds * 1000).rounded()))
        }
        if let count = try Self.integer(details, "snmp_retries", range: Self.retriesRange) { retries = count }
        if let count = try Self.integer(details, "snmp_max_repetitions", range: Self.maxRepetitionsRange) { maxRepetitions = count }
        if let method = SNMPCredentials.text(details, "snmp_walk_method") {
            guard let parsed = SNMPWalkMethod(rawValue: method.lowercased()) else {
                throw SNMPBotError(code: .invalidCredential, message: "'\(method)' is not a walk method; accepted: getbulk (default), getnext", field: "snmp_walk_method")
            }
            walkMethod = parsed
        }
    }

    private static func number(_ details: JSONValue, _ field: String, accepted: String) throws(SNMPBotError) -> Double? {
        guard let text = SNMPCredentials.text(details, field) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw SNMPBotError(code: .invalidCredential, message: "'\(text)' is not a number; accepted: \(accepted)", field: field)
        }
        return value
    }

    private static func integer(_ details: JSONValue, _ field: String, range: ClosedRange<Int>) throws(SNMPBotError) -> Int? {
        let accepted = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let value = try number(details, field, accepted: accepted) else { return nil }
        guard value.rounded() == value, value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw SNMPBotError(code: .invalidCredential, message: "'\(show(value))' is not \(accepted)", field: field)
        }
        return Int(value)
    }

    private static func show(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
