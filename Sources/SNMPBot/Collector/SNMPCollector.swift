import GrafoleanCollector
import Logging
import SNMP
import ServiceLifecycle

/// Grafolean's SNMP bot on the collector library: polls the devices assigned to it with their
/// SNMP sensors and keeps their interface entities up to date.
///
/// Per device (entity) it runs two jobs:
/// - `<entity id>` at the sensors' intervals: each run fetches only the sensors whose interval
///   fired, walks every OID once for all of them (the three default sensors share ifDescr),
///   walks the columns side by side with GETBULK, merges all GET OIDs into as few requests as the
///   agent allows, and sends the values in one batch: `entity.<id>.snmp.<output_path>`, with
///   counters turned into per-second rates;
/// - `<entity id>-interfaces` every ``Options/interfacesInterval`` seconds (300): walks ifDescr and
///   ifSpeed and creates, updates and deletes the device's `interface` child entities, as the
///   reference bot does. Bots made in the web UI may not write entities: then the bot logs once
///   per account which permission to grant, and leaves the job out until it is granted.
///
/// All jobs share one ``SNMPClient`` (its sockets) and one in-memory store of counter samples
/// (a restart of the bot costs one sample per counter: its first run has nothing to compare with).
public struct SNMPCollector: Collector {
    /// `snmp`.
    public let protocolName = "snmp"
    let client: SNMPClient
    let options: Options
    let state: SNMPBotState

    /// Creates the collector on an SNMP client that stays open while it runs.
    public init(client: SNMPClient, options: Options = Options()) {
        self.client = client
        self.options = options
        self.state = SNMPBotState()
    }

    /// The interfaces job of a device: what it needs, for change detection.
    struct InterfacesTarget: Sendable, Hashable {
        var accountID: Int
        var entityID: Int
        var name: String
        var target: SNMPTarget

        var label: String { "'\(name)' (\(entityID))" }
    }

    /// One polling job per usable device, and one interfaces job per device whose account lets the bot write entities.
    ///
    /// Problems (an unusable credential or address, an invalid sensor, a missing permission) are
    /// logged once while they last, naming the entity and the field; so is the weakness of each
    /// credential that uses DES.
    public func jobs(context: JobsContext) async throws -> [CollectorJob] {
        let configurations = try await context.jobConfigurations()
        var notices: [NoticeBoard.Notice] = []
        var devices: [SNMPDevice] = []
        for configuration in configurations {
            let (device, problems) = SNMPDevice.make(from: configuration, options: options)
            notices += problems.map { NoticeBoard.Notice(level: .warning, message: $0.message, metadata: $0.metadata) }
            if let device { devices.append(device) }
        }

        var manageable: Set<Int> = []
        if options.managesInterfaces {
            let accounts = Set(devices.map(\.accountID))
            let permissions: [Permission]?
            do {
                permissions = try await context.client.permissions()
            } catch {
                // Unknown: try, and learn from a 403.
                context.logger.debug("cannot read the bot's permissions; trying to manage interfaces anyway", metadata: ["error": "\(error)"])
                permissions = nil
            }
            for account in accounts.sorted() {
                if let permissions, !Self.mayWriteEntities(permissions, account: account) {
                    notices.append(Self.permissionNotice(account: account))
                } else {
                    manageable.insert(account)
                }
            }
        }
        state.notices.refresh(notices, logger: context.logger)
        state.rates.retain(Set(devices.flatMap { device in device.sensors.map { CounterRates.SeriesKey(entity: device.entityID, sensor: $0.id) } }))
        state.retainWalkSizes(Set(devices.flatMap { ["\($0.entityID)", "\($0.entityID)-interfaces"] }))

        var jobs: [CollectorJob] = []
        for device in devices {
            let client = self.client
            let options = self.options
            let state = self.state
            jobs.append(
                CollectorJob(
                    id: "\(device.entityID)", intervals: device.intervals, timeout: Self.runTimeout(intervals: device.intervals, target: device.target),
                    entityID: device.entityID, entityName: device.name, parameters: device
                ) { run in
                    try await Self.poll(device, client: client, options: options, state: state, run: run)
                })
            guard manageable.contains(device.accountID) else { continue }
            let target = InterfacesTarget(accountID: device.accountID, entityID: device.entityID, name: device.name, target: device.target)
            let grafolean = context.client
            jobs.append(
                CollectorJob(
                    id: "\(device.entityID)-interfaces", intervals: [options.interfacesInterval],
                    timeout: Self.runTimeout(intervals: [options.interfacesInterval], target: device.target), entityID: device.entityID,
                    entityName: device.name, parameters: target
                ) { run in
                    try await Self.synchronizeInterfaces(target, client: client, grafolean: grafolean, options: options, state: state, run: run)
                })
        }
        return jobs
    }

    /// How long one run may take: its smallest interval, but at least three requests that each time
    /// out on every try (a slow agent with a large table still finishes; a run on a short interval
    /// then overlaps the next fire instead of being cut short).
    static func runTimeout(intervals: [Int], target: SNMPTarget) -> Duration {
        let perRequest = target.timeout * (target.retries + 1)
        let interval = Duration.seconds(intervals.min() ?? 60)
        return max(interval, perRequest * 3 + .seconds(1))
    }

    /// With a state directory: the counters' samples are kept there across restarts.
    public func services(context: ServicesContext) -> [any Service] {
        guard let directory = context.stateDirectory else { return [] }
        return [CounterStateService(rates: state.rates, directory: directory, logger: context.logger)]
    }

    /// Whether `permissions` allow creating, changing and deleting entities of `account`.
    static func mayWriteEntities(_ permissions: [Permission], account: Int) -> Bool {
        let resource = "accounts/\(account)/entities"
        return ["POST", "PUT", "DELETE"].allSatisfy { method in permissions.contains { $0.allows(method, on: resource) } }
    }

    /// The advice for an account whose entities the bot may not write.
    static func permissionNotice(account: Int) -> NoticeBoard.Notice {
        NoticeBoard.Notice(
            level: .warning,
            message:
                "not managing the interface entities of account \(account): the bot may not create, change or delete its entities (bots made in the web UI cannot). To let it, grant the bot POST, PUT and DELETE on 'accounts/\(account)/entities' (Grafolean: Settings → Bots → the bot → Permissions). Polling and sending values go on meanwhile.",
            metadata: ["account": "\(account)"])
    }
}
