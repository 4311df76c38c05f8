import Foundation
import GrafoleanCollector
import Logging
import NetFlow

extension NetFlowCollector {
    /// The job proposing unknown exporters as devices, in every account the bot sees and may
    /// create entities in; for the other accounts, the permission to grant is logged once.
    func proposalJob(context: JobsContext, state: NetFlowState) async throws -> CollectorJob? {
        let accounts = try await context.client.accounts().map(\.id).sorted()
        let permissions: [Permission]?
        do {
            permissions = try await context.client.permissions()
        } catch {
            // Unknown: try, and learn from a 403.
            context.logger.debug("cannot read the bot's permissions; proposing exporters anyway", metadata: ["error": "\(error)"])
            permissions = nil
        }
        var permitted: [Int] = []
        for account in accounts {
            if let permissions, !Self.mayCreateEntities(permissions, account: account) {
                let isNew = state.permissionNotices.withLock { $0.insert(account).inserted }
                if isNew {
                    context.logger.notice(
                        "not proposing unknown NetFlow exporters as devices in account \(account): the bot may not create its entities. To let it, grant the bot POST on 'accounts/\(account)/entities' (Grafolean: Settings → Bots → the bot → Permissions)",
                        metadata: ["account": "\(account)"])
                }
            } else {
                permitted.append(account)
            }
        }
        guard !permitted.isEmpty else { return nil }
        let client = context.client
        let parameters = ProposalJob(accounts: permitted)
        return CollectorJob(
            id: "exporters", intervals: [options.proposalInterval], start: Date(timeIntervalSince1970: 10), timeout: .seconds(60),
            parameters: parameters
        ) { run in
            try await Self.proposeUnknownExporters(accounts: parameters.accounts, client: client, state: state, run: run)
        }
    }

    /// Whether `permissions` allow creating entities in `account`.
    static func mayCreateEntities(_ permissions: [Permission], account: Int) -> Bool {
        permissions.contains { $0.allows("POST", on: "accounts/\(account)/entities") }
    }

    /// POSTs `{"name": "<ip> (NetFlow exporter)", "entity_type": "device", "details": {"ipv4": "<ip>"}}`
    /// for each exporter seen without an entity that no device of the account has as `details.ipv4`.
    static func proposeUnknownExporters(accounts: [Int], client: GrafoleanClient, state: NetFlowState, run: JobRun) async throws {
        let unknown = state.aggregator.withLock { $0.takeUnmappedExporters() }
        guard !unknown.isEmpty else { return }
        for account in accounts {
            let entities = try await client.entities(account: account)
            let known = Set(entities.compactMap { $0.details["ipv4"]?.stringValue.flatMap(FlowAddress.init) })
            for exporter in unknown where !known.contains(exporter) {
                let id = try await client.createEntity(
                    account: account,
                    NewEntity(name: "\(exporter) (NetFlow exporter)", entityType: "device", details: ["ipv4": .string("\(exporter)")]))
                run.logger.notice(
                    "proposed NetFlow exporter \(exporter) as a device: enable NetFlow on it in Grafolean to see its traffic",
                    metadata: ["account": "\(account)", "entity": "\(id)"])
            }
        }
    }
}
