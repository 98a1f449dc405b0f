import Foundation

// MARK: - The tracking schema

/// What Strata keeps in the database it migrates, version 1: two tables written together, a
/// view, and the version.
///
/// - `__migrations__`: where each migration stands now, one row per migration that is applied,
///   failed midway outside a transaction, or claimed by a run running it outside a transaction
///   now (`status`, `failed_statement`, `error`, and the `pid` of the run that wrote it). `up`
///   inserts a migration's row, a rollback deletes it, a claim's outcome and a repair rewrite
///   it. `status`, `up`'s plan, `rollback`'s plan, `repair` and `backup`'s check read it.
/// - `__migration_events__`: everything that happened, append-only (never updated or deleted):
///   each apply, failure, attempt retried after a lock timeout, rollback, failed rollback, repair and mark-applied, with its time,
///   actor, duration, checksum, a rollback's reason, risk, `--force` and backup, a failure's
///   error. `history`, `metrics` and the rollback records read it, and nothing else does: in
///   time order, events of one millisecond in the order written (`event_id`).
/// - `__migration_rollbacks__`: a view of the `rolled_back` events, for people reading the
///   database; Strata reads the events themselves.
/// - `__strata_schema__`: one row, the version of this design (`trackingSchemaVersion`), so a
///   later release can change it in place. A database whose version is newer than this Strata
///   knows is refused by every command, never read or written; tables that are not this design
///   (some missing, no version) are refused as well, never "upgraded".
///
/// The invariant: every change to a row is written with its event, in one transaction, by one
/// function (`record(_:_:)`), so the events always hold the whole story and `history` needs
/// nothing else. The one exception is a claim on a migration about to run (or be rolled back)
/// outside a transaction: a row written without an event, since nothing has happened yet; the
/// claim's outcome, written over it, is an event.
///
/// Speed, on SQLite: each migration's commit journals and writes every B-tree page it dirties,
/// and its tracking row and event dirty one page each (the last of each B-tree, but for page
/// splits): `__migrations__` is `WITHOUT ROWID` (its rows live in the B-tree of `id`, with no
/// second B-tree for the key's index), and `event_id` is a plain `INTEGER PRIMARY KEY` (the
/// rowid; no AUTOINCREMENT, whose `sqlite_sequence` row would be one more page per commit;
/// events are never deleted, so the ids still increase in the order written). The event's page
/// is the price of a history that needs nothing but the events: the fsyncs of a commit are the
/// same. On PostgreSQL a row and its event go in one statement, so each migration costs the
/// round trips it did with the row alone.
extension Ledger {
    /// The version of the tracking schema this Strata creates, reads and writes.
    public static let trackingSchemaVersion: Int64 = 1

    /// The version of the tracking schema in this database; nil when it has none of the tables
    /// yet. Throws, having read nothing else, when the version recorded is newer than this
    /// Strata knows, or the tables are not the tracking schema.
    public func trackingSchema() throws(ApplyError) -> Int64? {
        let present = try tablesPresent()
        guard !present.isEmpty else { return nil }
        let recorded = present.contains(Self.schemaTable)
            ? try database.query("SELECT max(version) FROM \(versionTable)").first?.first?.integer : nil
        if let recorded, recorded > Self.trackingSchemaVersion {
            throw ApplyError(.trackingTables, "the tracking tables have tracking schema \(recorded), from a newer Strata; this one knows tracking schema \(Self.trackingSchemaVersion) and does not read or write them: upgrade strata")
        }
        let missing = [Self.table, Self.events, Self.schemaTable].filter { !present.contains($0) }
        guard missing.isEmpty, recorded == Self.trackingSchemaVersion else {
            let what = !missing.isEmpty ? "\(missing.joined(separator: " and ")) missing"
                : recorded.map { "\(Self.schemaTable) records version \($0)" } ?? "\(Self.schemaTable) records no version"
            throw ApplyError(.trackingTables, "the tracking tables are not the tracking schema this Strata knows (\(what)); it does not read or write them: if another tool made them, keep Strata's tables elsewhere (another database, or on PostgreSQL another schema)")
        }
        return recorded
    }

    /// Creates the tracking schema in one step when the database has none of it; else checks
    /// that it is this one (`trackingSchema`). Call inside the migration lock.
    public func ensure() throws(ApplyError) {
        guard try trackingSchema() == nil else { return }
        let (key, rowOptions) = database.dialect == .sqlite ? ("INTEGER PRIMARY KEY", " WITHOUT ROWID") : ("BIGSERIAL PRIMARY KEY", "")
        try database.execute("""
            CREATE TABLE \(migrationsTable) (
              id TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              checksum TEXT NOT NULL,
              down_checksum TEXT,
              applied_at TEXT NOT NULL,
              execution_ms BIGINT NOT NULL,
              applied_by TEXT NOT NULL,
              status TEXT NOT NULL,
              failed_statement TEXT,
              error TEXT,
              pid BIGINT
            )\(rowOptions);
            CREATE TABLE \(eventsTable) (
              event_id \(key),
              occurred_at TEXT NOT NULL,
              event TEXT NOT NULL,
              migration_id TEXT NOT NULL,
              actor TEXT NOT NULL,
              execution_ms BIGINT,
              checksum TEXT,
              reason TEXT,
              risk TEXT,
              forced BOOLEAN,
              backup_path TEXT,
              error TEXT
            );
            CREATE VIEW \(rollbacksView) AS
              SELECT event_id AS rollback_id, migration_id, occurred_at AS rolled_back_at, reason, forced, risk, backup_path,
                execution_ms, actor AS rolled_back_by
              FROM \(eventsTable) WHERE event = '\(HistoryEvent.Kind.rolledBack.rawValue)';
            CREATE TABLE \(versionTable) (version BIGINT NOT NULL);
            INSERT INTO \(versionTable) (version) VALUES (\(Self.trackingSchemaVersion))
            """)
    }

    /// Which of `__migrations__`, `__migration_events__` and `__strata_schema__` exist, in one
    /// catalogue lookup.
    private func tablesPresent() throws(ApplyError) -> Set<String> {
        let names = [Self.table, Self.events, Self.schemaTable]
        if database.dialect == .sqlite {
            return Set(try database.query("SELECT name FROM \(Self.quoted(schema)).sqlite_schema WHERE type = 'table' AND name IN (?1, ?2, ?3)",
                                          names.map(DatabaseValue.text)).compactMap { $0.first?.text })
        }
        // to_regclass is a catalogue lookup; information_schema costs milliseconds in a
        // database with thousands of relations.
        let row = try database.query("SELECT (to_regclass($1) IS NOT NULL)::int, (to_regclass($2) IS NOT NULL)::int, (to_regclass($3) IS NOT NULL)::int",
                                     [.text(migrationsTable), .text(eventsTable), .text(versionTable)]).first ?? []
        return Set(zip(names, row).filter { $0.1.integer == 1 }.map(\.0))
    }
}
