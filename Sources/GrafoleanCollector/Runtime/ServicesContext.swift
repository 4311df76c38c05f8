import Logging

/// What a ``Collector`` gets to make its services: where values go, and a logger.
public struct ServicesContext: Sendable {
    /// Where values go (the bot's sender), for a service that receives pushed data.
    public let sink: any ValueSink
    /// A logger for the services.
    public let logger: Logger
    /// The bot's state directory (for state that must survive a restart), if it has one.
    public let stateDirectory: String?

    /// Creates a context.
    public init(sink: any ValueSink, logger: Logger, stateDirectory: String? = nil) {
        self.sink = sink
        self.logger = logger
        self.stateDirectory = stateDirectory
    }
}
