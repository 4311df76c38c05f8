/// An account ready for a ping bot (see ``GrafoleanTestBackend/addAccountWithPingSetup(name:targets:interval:)``).
public struct PingSetup: Sendable, Hashable {
    /// The account with its default credentials and sensors.
    public let defaults: AccountDefaults
    /// The ping bot (tied to the account, with the web UI's permissions).
    public let bot: TestBot
    /// One device entity per target, in the order of the targets.
    public let entities: [Int]

    /// The account id.
    public var account: Int { defaults.account }
}
