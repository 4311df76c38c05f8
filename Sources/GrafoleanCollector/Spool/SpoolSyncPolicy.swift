/// When values kept in the spool reach the disk itself (see the README's delivery guarantee).
public enum SpoolSyncPolicy: String, Sendable, Hashable, CaseIterable {
    /// Each value is written to the operating system before `send` returns, so it survives a crash
    /// or `kill -9` of the bot; the disk is synced at checkpoints (SQLite `synchronous=NORMAL` with
    /// a write-ahead log), so a power loss may lose the last few seconds of values.
    case normal
    /// Each value is synced to the disk before `send` returns: it survives a power loss too.
    case full
}
