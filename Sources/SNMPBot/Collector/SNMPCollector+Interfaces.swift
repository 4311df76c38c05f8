import GrafoleanCollector
import Logging
import SNMP

extension SNMPCollector {
    /// One run of an interfaces job: walk ifDescr and ifSpeed (and ifHighSpeed), read the account's
    /// entities, and create, update and delete the device's `interface` children to match.
    ///
    /// An empty ifDescr walk changes nothing (an agent glitch must not delete every interface).
    /// A 403 on a write is logged once per account with the permission to grant; later runs try
    /// again quietly, so that a permission granted meanwhile takes effect.
    static func synchronizeInterfaces(
        _ device: InterfacesTarget, client: SNMPClient, grafolean: GrafoleanClient, options: Options, state: SNMPBotState, run: JobRun
    ) async throws {
        let metadata: Logger.Metadata = ["entity": "\(device.entityID)", "account": "\(device.accountID)"]
        try await checkHostResolves(device.target, of: device.label, client: client)
        let walk: ColumnWalk
        do {
            walk = try await client.walkColumns(
                [DiscoveredInterface.ifDescr, DiscoveredInterface.ifSpeed, DiscoveredInterface.ifHighSpeed], on: device.target,
                maxRows: options.maxWalkRows, expectedRows: state.expectedRows(run.jobID))
        } catch {
            throw SNMPBotError(code: .pollFailed, message: "walking the interfaces of \(device.label) at \(device.target.endpointDescription) failed: \(error)")
        }
        state.requests.increment(by: walk.requests)
        let interfaces = DiscoveredInterface.list(from: walk.columns)
        guard !interfaces.isEmpty else {
            run.logger.notice("the agent of \(device.label) lists no interfaces (ifDescr is empty); leaving its interface entities as they are", metadata: metadata)
            return
        }
        state.recordRows(interfaces.count, for: run.jobID)

        var plan = InterfacePlan(device: device.entityID, interfaces: interfaces, entities: try await grafolean.entities(account: device.accountID))
        if walk.columns[DiscoveredInterface.ifDescr]?.truncated == true {
            // The agent has more interfaces than were read: keep the entities of the unread ones.
            run.logger.warning(
                "\(device.label) has more than \(options.maxWalkRows) interfaces; only the first are synchronised and none is deleted",
                metadata: metadata)
            plan.deletions = []
        }
        guard !plan.isEmpty else { return }
        let key = "interfaces-forbidden-\(device.accountID)"
        var changes = 0
        do {
            for entity in plan.creations {
                _ = try await grafolean.createEntity(account: device.accountID, entity)
                changes += 1
            }
            for (id, entity) in plan.updates.sorted(by: { $0.key < $1.key }) {
                try await grafolean.updateEntity(account: device.accountID, id: id, entity)
                changes += 1
            }
            for id in plan.deletions {
                do {
                    try await grafolean.deleteEntity(account: device.accountID, id: id)
                } catch let error as GrafoleanError where error.code == .notFound {
                    // Deleted meanwhile (a user, or the device's removal): nothing left to do.
                }
                changes += 1
            }
        } catch let error as GrafoleanError where error.code == .permissionDenied {
            state.interfaceChanges.increment(by: changes)
            if state.notices.firstTime(key) {
                run.logger.warning("\(permissionNotice(account: device.accountID).message)", metadata: metadata)
            } else {
                run.logger.debug("interface entities of \(device.label) not updated: permission denied", metadata: metadata)
            }
            return
        }
        state.notices.reset(key)
        state.interfaceChanges.increment(by: changes)
        run.logger.info(
            "updated the interface entities of \(device.label): \(plan.creations.count) created, \(plan.updates.count) changed, \(plan.deletions.count) deleted",
            metadata: metadata)
    }
}
