import Logging

extension GrafoleanClient {
    /// Fetches the job configurations of every entity that this bot must poll for `protocol`.
    ///
    /// The rules are the reference library's: devices only; the protocol enabled on the entity; its
    /// `bot` unset or equal to `botUserID`; a credential set; at least one sensor. A sensor's interval
    /// is the entity's override, else the sensor's default, else `nil`.
    ///
    /// Unlike the reference (one request per entity, credential and sensor), this uses the list
    /// endpoints: one request for the accounts and three per account, with up to
    /// `maxConcurrentAccounts` accounts fetched at once.
    ///
    /// Problems that concern one entity or account do not fail the fetch: a dangling credential or
    /// sensor reference skips that entity or sensor, and an account that answers 403 is skipped; each
    /// is logged as a warning naming it. Any other failure (backend unreachable, 5xx, …) throws, so
    /// that a caller keeps its current jobs rather than dropping an account's.
    ///
    /// - Returns: the configurations, ordered by account and entity id.
    public func fetchJobConfigurations(
        protocol protocolName: String,
        botUserID: Int,
        maxConcurrentAccounts: Int = 4,
        logger: Logger? = nil
    ) async throws -> [JobConfiguration] {
        let logger = logger ?? self.logger
        let accounts = try await self.accounts()
        if accounts.isEmpty {
            logger.warning(
                "the bot can reach no account: grant it permissions in Grafolean (an account bot made in the web UI gets them)",
                metadata: ["protocol": "\(protocolName)"])
        }
        var results: [[JobConfiguration]] = []
        try await withThrowingTaskGroup(of: [JobConfiguration].self) { group in
            var next = accounts.makeIterator()
            func addNext() -> Bool {
                guard let account = next.next() else { return false }
                group.addTask {
                    try await self.fetchJobConfigurations(protocol: protocolName, botUserID: botUserID, account: account, logger: logger)
                }
                return true
            }
            for _ in 0..<max(1, maxConcurrentAccounts) where !addNext() { break }
            while let configurations = try await group.next() {
                results.append(configurations)
                _ = addNext()
            }
        }
        return results.joined().sorted { ($0.accountID, $0.entityID) < ($1.accountID, $1.entityID) }
    }

    /// One account's configurations: three requests, or nothing (with a warning) if the account answers 403.
    func fetchJobConfigurations(
        protocol protocolName: String,
        botUserID: Int,
        account: Account,
        logger: Logger
    ) async throws -> [JobConfiguration] {
        var logger = logger
        logger[metadataKey: "account"] = "\(account.id)"
        let entities: [Entity]
        let credentials: [Credential]
        let sensors: [Sensor]
        do {
            async let entitiesRequest = self.entities(account: account.id)
            async let credentialsRequest = self.credentials(account: account.id)
            async let sensorsRequest = self.sensors(account: account.id)
            (entities, credentials, sensors) = try await (entitiesRequest, credentialsRequest, sensorsRequest)
        } catch let error as GrafoleanError where error.code == .permissionDenied {
            logger.warning(
                "skipping account '\(account.name)': the bot may not read its configuration; grant the bot GET on accounts/\(account.id)/entities, accounts/\(account.id)/credentials and accounts/\(account.id)/sensors",
                metadata: ["error": "\(error)"])
            return []
        }
        return Self.jobConfigurations(
            protocol: protocolName, botUserID: botUserID, accountID: account.id,
            entities: entities, credentials: credentials, sensors: sensors, logger: logger)
    }

    /// Applies the reference library's selection rules to one account's lists.
    static func jobConfigurations(
        protocol protocolName: String,
        botUserID: Int,
        accountID: Int,
        entities: [Entity],
        credentials: [Credential],
        sensors: [Sensor],
        logger: Logger
    ) -> [JobConfiguration] {
        let credentialsByID = Dictionary(credentials.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let sensorsByID = Dictionary(sensors.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var configurations: [JobConfiguration] = []
        for entity in entities where entity.entityType == "device" {
            guard let settings = entity.protocols[protocolName] else { continue }
            if let bot = settings.bot, bot != botUserID { continue }
            guard let credentialID = settings.credential else { continue }
            guard !settings.sensors.isEmpty else { continue }
            let entityMetadata: Logger.Metadata = ["entity": "\(entity.id)", "entity_name": "\(entity.name)"]
            guard let credential = credentialsByID[credentialID] else {
                logger.warning(
                    "skipping entity '\(entity.name)' (\(entity.id)): its \(protocolName) credential \(credentialID) does not exist (deleted?)",
                    metadata: entityMetadata)
                continue
            }
            var sensorConfigurations: [SensorConfiguration] = []
            for assignment in settings.sensors {
                guard let sensor = sensorsByID[assignment.sensor] else {
                    logger.warning(
                        "skipping sensor \(assignment.sensor) of entity '\(entity.name)' (\(entity.id)): the sensor does not exist (deleted?)",
                        metadata: entityMetadata)
                    continue
                }
                sensorConfigurations.append(
                    SensorConfiguration(
                        sensorID: sensor.id, name: sensor.name,
                        interval: assignment.interval ?? sensor.defaultInterval, details: sensor.details))
            }
            guard !sensorConfigurations.isEmpty else {
                logger.warning(
                    "skipping entity '\(entity.name)' (\(entity.id)): none of its \(protocolName) sensors exists",
                    metadata: entityMetadata)
                continue
            }
            configurations.append(
                JobConfiguration(
                    accountID: accountID, entityID: entity.id, name: entity.name, entityType: entity.entityType,
                    parent: entity.parent, details: entity.details, credentialID: credential.id,
                    credentialDetails: credential.details, sensors: sensorConfigurations))
        }
        return configurations
    }
}
