/// Everything a bot needs to poll one entity for one protocol: the entity, its credential and its sensors.
///
/// Values are `Hashable`, so a bot can use them (or parts of them) as a job's parameters and the
/// runtime can tell whether a job changed between two configuration refreshes.
public struct JobConfiguration: Sendable, Hashable {
    /// The account the entity belongs to (values go to this account).
    public var accountID: Int
    /// The entity's id.
    public var entityID: Int
    /// The entity's name.
    public var name: String
    /// `device` (the only type that carries protocols today).
    public var entityType: String
    /// The entity's parent, if any.
    public var parent: Int?
    /// The entity's details; for a device `{"ipv4": "..."}`.
    public var details: JSONValue
    /// The credential's id.
    public var credentialID: Int
    /// The credential's details (protocol-specific; numbers often as strings).
    public var credentialDetails: JSONValue
    /// The sensors enabled on the entity for this protocol, in the entity's order.
    public var sensors: [SensorConfiguration]

    /// Creates a job configuration.
    public init(
        accountID: Int, entityID: Int, name: String, entityType: String = "device", parent: Int? = nil,
        details: JSONValue, credentialID: Int, credentialDetails: JSONValue, sensors: [SensorConfiguration]
    ) {
        self.accountID = accountID
        self.entityID = entityID
        self.name = name
        self.entityType = entityType
        self.parent = parent
        self.details = details
        self.credentialID = credentialID
        self.credentialDetails = credentialDetails
        self.sensors = sensors
    }

    /// The distinct intervals of the sensors, ascending; sensors without an interval are left out.
    public var intervals: [Int] {
        Array(Set(sensors.compactMap(\.interval))).sorted()
    }
}

/// One sensor of a ``JobConfiguration``.
public struct SensorConfiguration: Sendable, Hashable {
    /// The sensor's id.
    public var sensorID: Int
    /// The sensor's name.
    public var name: String
    /// Seconds between measurements: the entity's override, else the sensor's default; `nil` if neither is set.
    public var interval: Int?
    /// The sensor's details (protocol-specific).
    public var details: JSONValue

    /// Creates a sensor configuration.
    public init(sensorID: Int, name: String, interval: Int?, details: JSONValue) {
        self.sensorID = sensorID
        self.name = name
        self.interval = interval
        self.details = details
    }
}
