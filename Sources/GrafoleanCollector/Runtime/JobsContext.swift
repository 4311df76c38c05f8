import Logging

/// What a ``Collector`` gets to build its jobs: the client, who the bot is, a logger.
public struct JobsContext: Sendable {
    /// The backend client.
    public let client: GrafoleanClient
    /// The bot's profile (its user id decides which entities are its own).
    public let profile: BotProfile
    /// The protocol of the collector.
    public let protocolName: String
    /// A logger for the refresh.
    public let logger: Logger

    /// Creates a context.
    public init(client: GrafoleanClient, profile: BotProfile, protocolName: String, logger: Logger) {
        self.client = client
        self.profile = profile
        self.protocolName = protocolName
        self.logger = logger
    }

    /// The job configurations of the collector's protocol that this bot must poll.
    public func jobConfigurations() async throws -> [JobConfiguration] {
        try await client.fetchJobConfigurations(protocol: protocolName, botUserID: profile.userID, logger: logger)
    }
}
