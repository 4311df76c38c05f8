import GrafoleanCollector

/// The Python reference's way of fetching job configurations, reproduced with our client for a
/// fair comparison: the accounts, each account's entity list, then for every device one request
/// for the entity, one for its credential and one per sensor, strictly one after another.
///
/// With a keep-alive connection pool it is a lower bound of the reference's time (the reference's
/// `requests.get` opens a new connection for every request).
enum ReferenceStyleFetch {
    /// Returns the number of devices it would poll.
    static func fetch(client: GrafoleanClient, protocol protocolName: String, botUserID: Int) async throws -> Int {
        var usable = 0
        for account in try await client.accounts() {
            for listed in try await client.entities(account: account.id) where listed.entityType == "device" {
                let entity = try await client.entity(account: account.id, id: listed.id)
                guard let settings = entity.protocols[protocolName] else { continue }
                if let bot = settings.bot, bot != botUserID { continue }
                guard let credentialID = settings.credential, !settings.sensors.isEmpty else { continue }
                _ = try await client.credential(account: account.id, id: credentialID)
                for assignment in settings.sensors {
                    _ = try await client.sensor(account: account.id, id: assignment.sensor)
                }
                usable += 1
            }
        }
        return usable
    }
}
