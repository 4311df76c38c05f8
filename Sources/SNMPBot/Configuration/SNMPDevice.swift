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
        do {
            credentials = try SNMPCredentials(grafoleanDetails: configuration.credentialDetails)
        } catch {
            return (nil, [problem("skipping \(entity): its SNMP credential (\(configuration.credentialID)) has an unusable \(error)")])
        }

        var problems: [Problem] = []
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
            host: host, port: port, credentials: credentials, timeout: options.timeout, retries: options.retries,
            maxVarBindsPerRequest: options.maxVarBindsPerRequest, maxRepetitions: options.maxRepetitions)
        let device = SNMPDevice(accountID: configuration.accountID, entityID: configuration.entityID, name: configuration.name, target: target, sensors: sensors)
        return (device, problems)
    }

    /// The agent's address: `details.ipv4`, and `details.snmp_port` or the default port.
    static func address(_ details: JSONValue, defaultPort: Int) throws(SNMPBotError) -> (host: String, port: Int) {
        guard let host = details["ipv4"]?.stringValue?.trimmingCharacters(in: .whitespaces), !host.isEmpty else {
            throw SNMPBotError(code: .invalidEntity, message: "is missing; the entity needs the agent's IPv4 address", field: "ipv4")
        }
        guard !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw SNMPBotError(code: .invalidEntity, message: "'\(host)' is not an address", field: "ipv4")
        }
        guard let raw = details["snmp_port"], raw != .null, raw != .string("") else { return (host, defaultPort) }
        guard let number = raw.numberValue, number.rounded() == number, (1...65_535).contains(number) else {
            let text = raw.stringValue ?? "\(raw)"
            throw SNMPBotError(code: .invalidEntity, message: "'\(text)' is not a UDP port (1 to 65535)", field: "snmp_port")
        }
        return (host, Int(number))
    }
}
