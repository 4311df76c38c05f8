import HostResolution
import Foundation
import GrafoleanCollector
import Logging
import SNMP

/// One device the bot polls, checked: where the agent is, how to authenticate, which sensors.
///
/// Used as the jobs' parameters, so any change to it (a new credential, an edited sensor)
/// reschedules the device's jobs at the next configuration refresh.
struct SNMPDevice: Sendable, Hashable {
    /// The account the values go to.
    let accountID: Int
    /// The entity's id.
    let entityID: Int
    /// The entity's name.
    let name: String
    /// The agent.
    let target: SNMPTarget
    /// The usable sensors, in the entity's order.
    let sensors: [SNMPSensor]

    /// `'router' (123)`, for messages.
    var label: String { "'\(name)' (\(entityID))" }

    /// The distinct sensor intervals, ascending.
    var intervals: [Int] { Array(Set(sensors.map(\.interval))).sorted() }

    /// Something about the configuration a user should know (logged once while it lasts).
    struct Problem: Sendable, Hashable {
        var message: String
        var metadata: [String: String]
    }

    /// Checks one job configuration.
    ///
    /// - Returns: the device (nil when the entity cannot be polled at all) and the problems found:
    ///   an unusable address or credential skips the entity; an invalid sensor skips that sensor.
    static func make(from configuration: JobConfiguration, options: SNMPCollector.Options) -> (device: SNMPDevice?, problems: [Problem]) {
        let entity = "entity '\(configuration.name)' (\(configuration.entityID))"
        let metadata = ["entity": "\(configuration.entityID)", "account": "\(configuration.accountID)"]
        func problem(_ message: String) -> Problem { Problem(message: message, metadata: metadata) }

        let host: String
        let port: Int
        do {
            (host, port) = try address(configuration.details, defaultPort: options.defaultPort)
        } catch {
            return (nil, [problem("skipping \(entity): its \(error)")])
        }
        let credentials: SNMPCredentials
        let settings: SNMPRequestSettings
        do {
            credentials = try SNMPCredentials(grafoleanDetails: configuration.credentialDetails)
            settings = try SNMPRequestSettings(grafoleanDetails: configuration.credentialDetails, defaults: options)
        } catch {
            return (nil, [problem("skipping \(entity): its SNMP credential (\(configuration.credentialID)) has an unusable \(error)")])
        }

        var problems: [Problem] = []
        if case .v3(let user) = credentials, let privacy = user.privacy, privacy.protocol.isWeak {
            // Worded without the entity, so that the notice board logs it once per credential.
            problems.append(
                Problem(
                    message:
                        "SNMP credential (\(configuration.credentialID)) uses DES privacy: DES is weak (56-bit keys, broken for decades); if the devices allow, configure AES (AES-128 or better) on them and in the credential",
                    metadata: ["credential": "\(configuration.credentialID)", "account": "\(configuration.accountID)"]))
        }
        var sensors: [SNMPSensor] = []
        for sensor in configuration.sensors {
            guard let interval = sensor.interval, interval > 0 else {
                // Neither the entity nor the sensor sets an interval: nothing to schedule (as in the reference).
                continue
            }
            do {
                sensors.append(try SNMPSensor(id: sensor.sensorID, name: sensor.name, interval: interval, details: sensor.details, entityID: configuration.entityID))
            } catch {
                var sensorProblem = problem("skipping sensor '\(sensor.name)' (\(sensor.sensorID)) of \(entity): \(error)")
                sensorProblem.metadata["sensor"] = "\(sensor.sensorID)"
                problems.append(sensorProblem)
            }
        }
        guard !sensors.isEmpty else {
            if problems.isEmpty {
                problems.append(problem("skipping \(entity): none of its SNMP sensors has an interval (set one on the sensor or on the entity)"))
            }
            return (nil, problems)
        }
        let target = SNMPTarget(
            host: host, port: port, credentials: credentials, timeout: settings.timeout, retries: settings.retries,
            maxVarBindsPerRequest: options.maxVarBindsPerRequest, maxRepetitions: settings.maxRepetitions, walkMethod: settings.walkMethod)
        let device = SNMPDevice(accountID: configuration.accountID, entityID: configuration.entityID, name: configuration.name, target: target, sensors: sensors)
        return (device, problems)
    }

    /// What `details.ipv4` accepts, for messages.
    static let acceptedAddresses =
        "accepted: an IPv4 address (192.0.2.1), an IPv6 address (2001:db8::1) or a DNS host name (router.example.com), optionally with a UDP port: 192.0.2.1:1161, [2001:db8::1]:1161, router.example.com:1161"

    /// The agent's address: `details.ipv4` (an IPv4 or IPv6 address or a host name, optionally
    /// with `:port`, IPv6 then in brackets), and the port from there, from `details.snmp_port`
    /// or the default port, in this order. Host names are resolved when the device is polled.
    static func address(_ details: JSONValue, defaultPort: Int) throws(SNMPBotError) -> (host: String, port: Int) {
        guard let text = details["ipv4"]?.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw SNMPBotError(code: .invalidEntity, message: "is missing; the entity needs the agent's address (\(acceptedAddresses))", field: "ipv4")
        }
        func invalid(_ why: String) -> SNMPBotError {
            SNMPBotError(code: .invalidEntity, message: "'\(text)' \(why); \(acceptedAddresses)", field: "ipv4")
        }
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("has no closing bracket") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw invalid("has something other than :port after the bracket") }
                portText = rest.dropFirst()
            }
            guard host.contains(":"), HostResolver.isIPLiteral(host) else { throw invalid("has no IPv6 address in the brackets") }
        } else if text.count(where: { $0 == ":" }) > 1 {
            guard HostResolver.isIPLiteral(text) else { throw invalid("is not an IPv6 address (write a port as [2001:db8::1]:1161)") }
        } else if let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        if !HostResolver.isIPLiteral(host) {
            guard isHostName(host) else {
                throw invalid(host.allSatisfy { $0.isNumber || $0 == "." } ? "is not a valid IPv4 address" : "is not an IP address or a valid host name")
            }
        }
        if let portText {
            guard let port = Int(portText), (1...65_535).contains(port) else { throw invalid("has no UDP port (1 to 65535) after the colon") }
            return (host, port)
        }
        guard let raw = details["snmp_port"], raw != .null, raw != .string("") else { return (host, defaultPort) }
        guard let number = raw.numberValue, number.rounded() == number, (1...65_535).contains(number) else {
            let text = raw.stringValue ?? "\(raw)"
            throw SNMPBotError(code: .invalidEntity, message: "'\(text)' is not a UDP port (1 to 65535)", field: "snmp_port")
        }
        return (host, Int(number))
    }

    /// A DNS name: dot-separated labels of letters, digits, `-` and `_`, 1 to 63 characters each,
    /// not starting or ending with `-`, at most 253 in all, not all digits (that would be an IPv4 typo).
    static func isHostName(_ text: String) -> Bool {
        let name = text.hasSuffix(".") ? String(text.dropLast()) : text
        guard !name.isEmpty, name.utf8.count <= 253, !name.allSatisfy({ $0.isNumber || $0 == "." }) else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }
}
