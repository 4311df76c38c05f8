extension GrafoleanTestBackend {
    /// The backend's health as `GET /api/status/info` and bot calls show it.
    public enum Readiness: Sendable, Hashable {
        /// Everything works.
        case ready
        /// A fresh database that still needs `POST /api/admin/migratedb`: `status/info` answers
        /// `db_migration_needed: true, db_version: 0, user_exists: null`; a bot call with a
        /// well-formed token answers 500 `Could not validate access` (the tables do not exist).
        case migrationNeeded
        /// The database is unreachable: `status/info` answers 500 `Internal Server Error`, a bot call
        /// with a well-formed token 500 `Could not validate access`.
        case databaseDown
    }
}
