import Foundation

// MARK: - Layouts of the tracking tables

/// The tables' layout is versioned in `__strata_schema__`; each release that changes them adds
/// a step that brings the previous layout up to its own, run by `ensure` inside the migration
/// lock, so a database is upgraded in place by the first `up` (or `repair`) of a newer Strata.
/// A layout newer than this Strata knows is refused, never read or written.
///
/// - 1: the first release (`__migrations__` up to `error`).
/// - 2: `__migrations__.pid`, the process id of the run that wrote the row, which tells
///   whether the run that claimed a migration outside a transaction is still alive.
/// - 3: `__migration_events__`, every apply, failure, rollback and repair for `strata history`
///   (`__migrations__` loses a migration's row when it is rolled back). The upgrade fills it
///   with what the other tables still show: each row's apply or failure, each rollback.
/// - 4: on SQLite, `__migrations__` is `WITHOUT ROWID` and `__migration_events__.event_id` a
///   plain `INTEGER PRIMARY KEY` (no AUTOINCREMENT). Each migration commits with its tracking
///   row and event, and every B-tree page a commit dirties is journaled and written: a rowid
///   `__migrations__` dirtied its table and the automatic index on `id`, AUTOINCREMENT the
///   `sqlite_sequence` row besides the events' own page. That was 4 pages per migration; now
///   2, a little more on average (a WITHOUT ROWID table is an index B-tree: a full page is
///   split by sharing its rows with its neighbours, where a rowid table appending at its end
///   adds a page). The upgrade rebuilds both tables, rows, values and event ids kept.
///   PostgreSQL's tables are unchanged: its step is the recorded version alone.
/// - 5: the tables are unchanged; what changes is where an apply's event is kept. While a
///   migration's tracking row shows it applied, the row is that event: `up` writes the row
///   alone, and the row is written to `__migration_events__` before it is changed or deleted
///   (`keepAppliedEvent`); `history` merges the rows' applies with the events. An event row
///   per migration was a third of what each migration's commit wrote on SQLite. The step is
///   the recorded version alone: a layout 4 database holds every apply as an event already,
///   and a Strata that knows only layout 4 must not read the history as complete without the
///   rows' applies.
extension Ledger {
    /// The layout the tables have: nil when there are none yet. `__migrations__` without a
    /// recorded layout has the first one.
    public func layout() throws(ApplyError) -> Int64? {
        let (hasMigrations, hasLayout) = try tablesPresent()
        let recorded = hasLayout ? try database.query("SELECT max(version) FROM \(layoutTable)").first?.first?.integer : nil
        if let recorded, recorded > Self.version {
            throw ApplyError(.trackingTables, "the tracking tables have layout \(recorded), from a newer Strata; this one knows layouts up to \(Self.version) and does not read or write them: upgrade strata")
        }
        guard hasMigrations else { return nil }
        return recorded ?? 1
    }

    /// Creates the tables, or brings older ones up to `version` step by step, rows kept.
    /// Call inside the migration lock.
    public func ensure() throws(ApplyError) {
        let found = try layout()
        if found == Self.version { return }
        if let found {
            for step in found..<Self.version { try upgrade(from: step) }
        } else {
            try database.execute("CREATE TABLE IF NOT EXISTS \(migrationsTable) \(migrationsTableDefinition())")
        }
        let serial = database.dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        try database.execute("""
            CREATE TABLE IF NOT EXISTS \(rollbacksTable) (
              rollback_id \(serial),
              migration_id TEXT NOT NULL,
              rolled_back_at TEXT NOT NULL,
              reason TEXT,
              forced BOOLEAN NOT NULL,
              risk TEXT,
              backup_path TEXT,
              execution_ms BIGINT NOT NULL,
              rolled_back_by TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS \(layoutTable) (version BIGINT NOT NULL);
            DELETE FROM \(layoutTable)
            """)
        try createEventsTable()
        try database.query("INSERT INTO \(layoutTable) (version) VALUES (\(database.placeholder(1)))", [.integer(Self.version)])
    }

    /// The step from layout `version` to the next.
    private func upgrade(from version: Int64) throws(ApplyError) {
        switch version {
        case 1:
            try database.execute("ALTER TABLE \(migrationsTable) ADD COLUMN pid BIGINT")
        case 2:
            // Read before the table exists: history() of layout 2 rebuilds them from the rows.
            let known = try reconstructedEvents()
            try database.execute("CREATE TABLE IF NOT EXISTS \(eventsTable) \(eventsTableDefinition(layout: 3))")
            try recordEvents(known)
        case 3:
            // PostgreSQL's layout 4 is its layout 3: only the version `ensure` records changes.
            guard database.dialect == .sqlite else { return }
            try rebuildSQLiteTable(Self.table, as: migrationsTableDefinition(), columns: Self.columns(3))
            try rebuildSQLiteTable(Self.events, as: eventsTableDefinition(), columns: "event_id, " + Self.eventColumns)
        case 4:
            return  // layout 5 reads and writes the same tables (see above)
        default:
            preconditionFailure("no upgrade from tracking layout \(version)")
        }
    }

    /// `__migrations__`'s columns and options, as this layout creates the table.
    func migrationsTableDefinition() -> String {
        // WITHOUT ROWID (layout 4): the rows are kept in the B-tree of `id` itself, instead of
        // a rowid table plus an index on `id`, so a row written dirties one page, not two
        // (but for the page splits).
        """
        (
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
        )\(database.dialect == .sqlite ? " WITHOUT ROWID" : "")
        """
    }

    /// Rebuilds the SQLite table `name` (of `schema`) with `definition`, keeping every row with
    /// the values of `columns`: SQLite changes how a table is stored only by making a new one.
    /// The new table is made under another name, filled, the old one dropped and the new one
    /// renamed; the indexes and triggers someone added to the old one are made again. All of it
    /// in the caller's transaction, so a failure leaves the old table as it was.
    private func rebuildSQLiteTable(_ name: String, as definition: String, columns: String) throws(ApplyError) {
        let table = Self.qualified(schema, name)
        // Within the `__strata…__` names `optimize` leaves alone; it lasts only until the rename.
        let rebuilt = Self.qualified(schema, "__strata_rebuilding" + name)
        let catalogue = "\(Self.quoted(schema)).sqlite_schema"
        let addedObjects = try database.query("""
            SELECT sql FROM \(catalogue) WHERE tbl_name = ?1 AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid
            """, [.text(name)]).compactMap { $0.first?.text }
        // Since SQLite 3.26 a RENAME compiles every view and trigger of the schema again, and
        // fails on one that no longer compiles (a view of a table dropped since), though none
        // can name the new table. legacy_alter_table renames without that check.
        let legacy = try database.query("PRAGMA legacy_alter_table").first?.first?.integer ?? 0
        try database.execute("PRAGMA legacy_alter_table = ON")
        defer { try? database.execute("PRAGMA legacy_alter_table = \(legacy)") }
        // No IF NOT EXISTS: a table already under that name must stop the upgrade, not be filled.
        try database.execute("""
            CREATE TABLE \(rebuilt) \(definition);
            INSERT INTO \(rebuilt) (\(columns)) SELECT \(columns) FROM \(table);
            DROP TABLE \(table);
            ALTER TABLE \(rebuilt) RENAME TO \(Self.quoted(name))
            """)
        for sql in addedObjects { try database.execute(sql) }
    }

    /// Whether `__migrations__` and `__strata_schema__` exist, in one catalogue lookup.
    private func tablesPresent() throws(ApplyError) -> (migrations: Bool, layout: Bool) {
        if database.dialect == .sqlite {
            let names = try database.query("SELECT name FROM \(Self.quoted(schema)).sqlite_schema WHERE type = 'table' AND name IN (?1, ?2)",
                                           [.text(Self.table), .text(Self.schemaTable)]).compactMap { $0.first?.text }
            return (names.contains(Self.table), names.contains(Self.schemaTable))
        }
        // to_regclass is a catalogue lookup; information_schema costs milliseconds in a
        // database with thousands of relations.
        let row = try database.query("SELECT (to_regclass($1) IS NOT NULL)::int, (to_regclass($2) IS NOT NULL)::int",
                                 [.text(migrationsTable), .text(layoutTable)]).first
        return (row?[0].integer == 1, row?[1].integer == 1)
    }
}
