extension SNMPCollector {
    /// How the bot talks to agents and manages interface entities.
    ///
    /// Grafolean's web UI has no port, timeout or retry fields, so these are the bot's own
    /// settings, for every device. A port in the entity's `details.ipv4` (`10.0.0.1:1161`) or its
    /// `details.snmp_port` overrides the port; a credential's `snmp_timeout`, `snmp_retries`,
    /// `snmp_max_repetitions` and `snmp_walk_method` (set through the API) override the others.
    public struct Options: Sendable, Hashable {
        /// The agents' UDP port unless an entity sets `details.snmp_port`. Default 161.
        public var defaultPort: Int
        /// How long to wait for each answer. Default 2 s.
        public var timeout: Duration
        /// Extra transmissions after a timeout. Default 1.
        public var retries: Int
        /// The most OIDs in one GET request (larger GETs are split, and split further on `tooBig`). Default 60.
        public var maxVarBindsPerRequest: Int
        /// GETBULK repetitions per column when a table's size is not known yet. Default 25.
        public var maxRepetitions: Int
        /// The most rows kept per walked OID; longer walks are cut with a warning. Default 10,000.
        public var maxWalkRows: Int
        /// Keep interface entities in step with the devices' ifTable (the `<id>-interfaces` jobs). Default on.
        public var managesInterfaces: Bool
        /// Seconds between interface synchronisations. Default 300, as in the reference bot.
        public var interfacesInterval: Int

        /// Creates options; every parameter has a default.
        public init(
            defaultPort: Int = 161,
            timeout: Duration = .seconds(2),
            retries: Int = 1,
            maxVarBindsPerRequest: Int = 60,
            maxRepetitions: Int = 25,
            maxWalkRows: Int = 10_000,
            managesInterfaces: Bool = true,
            interfacesInterval: Int = 300
        ) {
            self.defaultPort = defaultPort
            self.timeout = timeout
            self.retries = max(0, retries)
            self.maxVarBindsPerRequest = max(1, maxVarBindsPerRequest)
            self.maxRepetitions = max(1, maxRepetitions)
            self.maxWalkRows = max(1, maxWalkRows)
            self.managesInterfaces = managesInterfaces
            self.interfacesInterval = max(1, interfacesInterval)
        }
    }
}
