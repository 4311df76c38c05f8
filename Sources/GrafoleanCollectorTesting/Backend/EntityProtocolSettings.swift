/// How an entity is monitored over one protocol: `protocols.<protocol>` of an entity.
public struct EntityProtocolSettings: Sendable, Hashable {
    /// The credential id. The backend keys an entity's protocols by its credentials, so a
    /// protocol without a credential (or with a credential of another protocol) is not listed.
    public var credential: Int?
    /// The sensors to poll, each with an interval in seconds (nil: the sensor's default interval).
    public var sensors: [SensorAssignment]
    /// The user id of the bot that polls this entity for this protocol (nil or a bot of another
    /// protocol: listed as `null`).
    public var bot: Int?

    /// One sensor of an entity.
    public struct SensorAssignment: Sendable, Hashable {
        /// The sensor id.
        public var sensor: Int
        /// The interval in seconds; nil means the sensor's `default_interval`.
        public var interval: Int?

        /// Creates a sensor assignment.
        public init(sensor: Int, interval: Int? = nil) {
            self.sensor = sensor
            self.interval = interval
        }
    }

    /// Creates protocol settings.
    public init(credential: Int?, sensors: [SensorAssignment] = [], bot: Int?) {
        self.credential = credential
        self.sensors = sensors
        self.bot = bot
    }
}
