import Foundation
@testable import StrataApply
import StrataCore
import Testing

/// The tracking schema (`Ledger+TrackingSchema.swift`): made in one step, its version
/// recorded; a newer version or tables of another shape refused, never written; every change to
/// a row written with its event, so that the events alone are the history.
@Suite("Tracking schema")
struct TrackingSchemaTests {
    /// `event migration_id` of every event, in the order written.
    func events(_ db: any Database) throws -> [String] {
        try db.query("SELECT event || ' ' || migration_id FROM __migration_events__ ORDER BY event_id").map { $0.first?.text ?? "?" }
    }

    /// Every row of the tracking tables and the version, as text: what a refused command must
    /// leave as it was.
    func everything(_ db: any Database) throws -> [String] {
        let rows = try db.query("""
            SELECT id || ' ' || status || ' ' || checksum || ' ' || applied_at || ' ' || coalesce(error, '-') FROM __migrations__ ORDER BY id
            """)
        let events = try db.query("SELECT CAST(event_id AS TEXT) || ' ' || event || ' ' || migration_id || ' ' || occurred_at FROM __migration_events__ ORDER BY event_id")
        let version = try db.query("SELECT CAST(version AS TEXT) FROM __strata_schema__")
        return (rows + events + version).map { $0.first?.text ?? "?" }
    }

    /// The objects of the database (of its current schema) named `__...` or, on SQLite,
    /// `sqlite_...`, as `kind name`, by name.
    func trackingObjects(_ scratch: ScratchDatabase, _ db: any Database) throws -> [String] {
        let sql = scratch.backend == .sqlite
            ? "SELECT name, type FROM sqlite_schema WHERE name LIKE '\\_\\_%' ESCAPE '\\' OR name LIKE 'sqlite\\_%' ESCAPE '\\'"
            : "SELECT relname::text, relkind::text FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname LIKE '\\_\\_%'"
        return try db.query(sql).map { ($0[0].text ?? "?", $0[1].text ?? "?") }.sorted { $0.0 < $1.0 }.map { "\($0.1) \($0.0)" }
    }

    // MARK: - Made in one step

    @Test(arguments: Backend.all)
    func theFirstWriteMakesTheWholeSchemaWithItsVersion(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let applier = try scratch.applier([migration("0001_a", up: "CREATE TABLE a (x INT);")])
        // Reading makes nothing.
        #expect(try applier.status().map(\.kind) == [.pending])
        #expect(try applier.history().events.isEmpty && applier.rollbackHistory().isEmpty)
        #expect(try trackingObjects(scratch, applier.database).isEmpty)

        _ = try applier.up(try #require(try applier.plan().success))
        let objects = try trackingObjects(scratch, applier.database)
        if backend == .sqlite {
            // No index beside `__migrations__` (WITHOUT ROWID) and no sqlite_sequence (no AUTOINCREMENT).
            #expect(objects == ["table __migration_events__", "view __migration_rollbacks__", "table __migrations__", "table __strata_schema__"])
            let definition = try applier.database.query("SELECT sql FROM sqlite_schema WHERE name = '__migrations__'").first?.first?.text
            #expect(definition?.hasSuffix("WITHOUT ROWID") == true, "\(definition ?? "")")
        } else {
            #expect(objects == ["r __migration_events__", "S __migration_events___event_id_seq", "i __migration_events___pkey",
                                "v __migration_rollbacks__", "r __migrations__", "i __migrations___pkey", "r __strata_schema__"])
        }
        #expect(try applier.database.query("SELECT version FROM __strata_schema__") == [[.integer(Ledger.trackingSchemaVersion)]])
        #expect(Ledger.trackingSchemaVersion == 1)

        // Made once: a second run finds it and adds nothing.
        let again = try scratch.applier([migration("0001_a", up: "CREATE TABLE a (x INT);"), migration("0002_b", up: "CREATE TABLE b (x INT);")])
        _ = try again.up(try #require(try again.plan().success))
        #expect(try trackingObjects(scratch, again.database) == objects)
        #expect(try again.database.query("SELECT count(*) FROM __strata_schema__").first?.first?.integer == 1)
    }

    // MARK: - Refused, never written

    @Test(arguments: Backend.all)
    func aNewerVersionIsRefusedByEveryCommandAndNeverWritten(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let inputs = [migration("0001_a", up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"),
                      migration("0002_b", header: "-- @transaction: false", up: "CREATE TABLE b (x INT);")]
        let applier = try scratch.applier(inputs)
        _ = try applier.up([try #require(applier.catalog["0001_a"])])
        let files = Dictionary(uniqueKeysWithValues: inputs.map { ($0.id, LayoutKind.strata.layout.parse($0, dialect: applier.database.dialect, depth: .full)) })
        let rollbackPlan = RollbackPlanner.plan(.steps(1), applied: try applier.appliedRows(), files: files, catalogOrder: ["0001_a", "0002_b"])
        try applier.database.execute("UPDATE __strata_schema__ SET version = 2")
        let before = try everything(applier.database)

        let refusal = ApplyError(.trackingTables, "the tracking tables have tracking schema 2, from a newer Strata; this one knows tracking schema 1 and does not read or write them: upgrade strata")
        let db = applier.database
        let fresh = try scratch.applier(inputs)
        let pending = [try #require(fresh.catalog["0002_b"])]
        #expect(throws: refusal) { try fresh.status() }
        #expect(throws: refusal) { try fresh.plan() }
        #expect(throws: refusal) { try fresh.history() }
        #expect(throws: refusal) { try fresh.rollbackHistory() }
        #expect(throws: refusal) { try fresh.up(pending) }
        #expect(throws: refusal) { try fresh.up(UpRequest(singleTransaction: true)) }
        #expect(throws: refusal) { try fresh.rollback(rollbackPlan, reason: nil, forced: true) }
        #expect(throws: refusal) { try fresh.repair("0001_a", markApplied: false) }
        #expect(throws: refusal) { try fresh.markApplied("0002_b", force: true) }
        #expect(throws: refusal) { try fresh.markRolledBack("0001_a", force: true) }
        try db.execute("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY); INSERT INTO schema_migrations VALUES ('0002')")
        #expect(throws: refusal) { try fresh.baseline(try fresh.baselinePlan(from: .dbmate)) }
        #expect(try everything(db) == before)
        #expect(try !scratch.tableExists("b", on: db))
    }

    @Test(arguments: Backend.all)
    func tablesThatAreNotTheTrackingSchemaAreRefusedNotUpgraded(_ backend: Backend) throws {
        let shapes: [(applied: Bool, setUp: String, what: String)] = [
            // Another tool's table of that name.
            (false, "CREATE TABLE __migrations__ (id TEXT PRIMARY KEY, applied BOOLEAN)", "__migration_events__ and __strata_schema__ missing"),
            (false, "CREATE TABLE __migrations__ (id TEXT PRIMARY KEY); CREATE TABLE __strata_schema__ (version BIGINT NOT NULL); INSERT INTO __strata_schema__ VALUES (1)",
             "__migration_events__ missing"),
            (true, "DROP VIEW __migration_rollbacks__; DROP TABLE __migration_events__", "__migration_events__ missing"),
            (true, "UPDATE __strata_schema__ SET version = 0", "__strata_schema__ records version 0"),
            (true, "DELETE FROM __strata_schema__", "__strata_schema__ records no version"),
        ]
        for shape in shapes {
            let scratch = try ScratchDatabase(backend)
            let inputs = [migration("0001_a", up: "CREATE TABLE a (x INT);"), migration("0002_b", up: "CREATE TABLE b (x INT);")]
            let applier = try scratch.applier(inputs)
            if shape.applied { _ = try applier.up([try #require(applier.catalog["0001_a"])]) }
            try applier.database.execute(shape.setUp)
            let objects = try trackingObjects(scratch, applier.database)
            let refusal = ApplyError(.trackingTables, "the tracking tables are not the tracking schema this Strata knows (\(shape.what)); it does not read or write them: if another tool made them, keep Strata's tables elsewhere (another database, or on PostgreSQL another schema)")
            let fresh = try scratch.applier(inputs)
            #expect(throws: refusal) { try fresh.status() }
            #expect(throws: refusal) { try fresh.history() }
            #expect(throws: refusal) { try fresh.up([try #require(fresh.catalog["0002_b"])]) }
            #expect(try trackingObjects(scratch, fresh.database) == objects, "nothing made or upgraded: \(shape.setUp)")
            #expect(try !scratch.tableExists("b", on: fresh.database))
        }
    }

    // MARK: - Every change to a row written with its event

    /// Applies in and outside a transaction, their rollbacks, and applying again: each row
    /// with its event, and the apply event holds the row's own values.
    @Test(arguments: Backend.all)
    func appliesAndRollbacksWriteTheirEventsWithTheirRows(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let inputs = [migration("0001_a", up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"),
                      migration("0002_b", header: "-- @transaction: false", up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;")]
        let applier = try scratch.applier(inputs)
        let db = applier.database
        _ = try applier.up(try #require(try applier.plan().success))
        #expect(try scratch.rows(on: db) == [["0001_a", "applied"], ["0002_b", "applied"]])
        #expect(try events(db) == ["applied 0001_a", "applied 0002_b"])
        for row in try applier.appliedRows() {
            let event = try #require(try applier.history().events.first { $0.migrationID == row.id })
            #expect(event == HistoryEvent(kind: .applied, migrationID: row.id, occurredAt: row.appliedAt, actor: row.appliedBy,
                                          executionMilliseconds: row.executionMilliseconds, checksum: row.checksum))
        }

        let files = Dictionary(uniqueKeysWithValues: inputs.map { ($0.id, LayoutKind.strata.layout.parse($0, dialect: db.dialect, depth: .full)) })
        var plan = RollbackPlanner.plan(.steps(2), applied: try applier.appliedRows(), files: files, catalogOrder: ["0001_a", "0002_b"])
        RollbackPlanner.assess(&plan, files: files, database: db)
        #expect(plan.steps.map { $0.nonTransactionalReason != nil } == [true, false], "0002_b's DOWN runs outside a transaction")
        _ = try applier.rollback(plan, reason: "not yet", forced: true, backupPath: "backups/x")
        #expect(try scratch.rows(on: db).isEmpty)
        #expect(try events(db) == ["applied 0001_a", "applied 0002_b", "rolled_back 0002_b", "rolled_back 0001_a"])
        // The rollbacks, from the events, and as the view shows them.
        #expect(try applier.rollbackHistory().map { "\($0.migrationID) \($0.reason ?? "") \($0.forced) \($0.backupPath ?? "")" }
                == ["0002_b not yet true backups/x", "0001_a not yet true backups/x"])
        #expect(try db.query("SELECT migration_id || ' ' || reason || ' ' || backup_path FROM __migration_rollbacks__ ORDER BY rollback_id")
                    .map { $0.first?.text } == ["0002_b not yet backups/x", "0001_a not yet backups/x"])

        _ = try applier.up(try #require(try applier.plan().success))
        #expect(try scratch.rows(on: db) == [["0001_a", "applied"], ["0002_b", "applied"]])
        #expect(try events(db).suffix(2) == ["applied 0001_a", "applied 0002_b"])
        #expect(try applier.history().events.map { "\($0.kind.rawValue) \($0.migrationID)" } == (try events(db)))
    }

    /// Failures in and outside a transaction, both repairs, and a DOWN that fails.
    @Test(arguments: Backend.all)
    func failuresAndRepairsWriteTheirEventsWithTheirRows(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let db = try scratch.connect()
        let inTransaction = migration("0001_a", up: "CREATE TABLE a (x INT);\nINSERT INTO nowhere VALUES (1);")
        let first = try scratch.applier([inTransaction])
        #expect(throws: ApplyError.self) { try first.up(try #require(try first.plan().success)) }
        // Nothing of it was kept but its event.
        #expect(try scratch.rows(on: db).isEmpty && events(db) == ["failed 0001_a"])

        let a = migration("0001_a", up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;\nINSERT INTO nowhere VALUES (1);")
        let outside = { (id: String) in migration(id, header: "-- @transaction: false", up: "CREATE TABLE t\(id) (x INT);\nINSERT INTO nowhere VALUES (1);") }
        let second = try scratch.applier([a, outside("0002_b"), outside("0003_c")])
        #expect(throws: ApplyError.self) { try second.up(try #require(try second.plan().success)) }
        #expect(try scratch.rows(on: db) == [["0001_a", "applied"], ["0002_b", "failed"]])
        #expect(try events(db) == ["failed 0001_a", "applied 0001_a", "failed 0002_b"])
        let failedRow = try #require(try second.appliedRows().first { $0.id == "0002_b" })

        _ = try second.repair("0002_b", markApplied: true)
        #expect(try scratch.rows(on: db) == [["0001_a", "applied"], ["0002_b", "applied"]])
        // The failure's row, marked applied: its time and checksum kept, the failure cleared.
        let repaired = try #require(try second.appliedRows().first { $0.id == "0002_b" })
        #expect(repaired == LedgerEntry(id: failedRow.id, name: failedRow.name, checksum: failedRow.checksum, downChecksum: failedRow.downChecksum,
                                        appliedAt: failedRow.appliedAt, executionMilliseconds: failedRow.executionMilliseconds,
                                        appliedBy: failedRow.appliedBy, status: .applied, failedStatement: nil, error: nil, pid: failedRow.pid))
        #expect(throws: ApplyError.self) { try second.up(try #require(try second.plan().success)) }
        _ = try second.repair("0003_c", markApplied: false)
        #expect(try scratch.rows(on: db) == [["0001_a", "applied"], ["0002_b", "applied"]])
        #expect(try events(db) == ["failed 0001_a", "applied 0001_a", "failed 0002_b", "repaired 0002_b", "failed 0003_c", "repaired 0003_c"])

        // A DOWN failing in a transaction: the row stays, the failure is an event.
        let files = Dictionary(uniqueKeysWithValues: [a].map { ($0.id, LayoutKind.strata.layout.parse($0, dialect: db.dialect, depth: .full)) })
        let plan = RollbackPlanner.plan(.steps(1), applied: try second.appliedRows().filter { $0.id == "0001_a" }, files: files, catalogOrder: ["0001_a"])
        #expect(throws: ApplyError.self) { try second.rollback(plan, reason: "try", forced: true) }
        #expect(try scratch.rows(on: db) == [["0001_a", "applied"], ["0002_b", "applied"]])
        #expect(try events(db).last == "rollback_failed 0001_a")
        #expect(try second.history().events.map { "\($0.kind.rawValue) \($0.migrationID)" } == (try events(db)))
    }

    /// mark-applied, its --rolled-back, a single-transaction run and a baseline.
    @Test(arguments: Backend.all)
    func markAppliedBaselineAndOneTransactionWriteTheirEventsWithTheirRows(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let inputs = ["0001_a", "0002_b", "0003_c", "0004_d"].map { migration($0, up: "CREATE TABLE t\($0) (x INT);") }
        let applier = try scratch.applier(inputs)
        let db = applier.database
        _ = try applier.markApplied("0001_a", force: true)
        #expect(try scratch.rows(on: db) == [["0001_a", "applied"]] && events(db) == ["marked_applied 0001_a"])
        let marked = try #require(try applier.appliedRows().first)
        #expect(try applier.history().events.map(\.occurredAt) == [marked.appliedAt])
        _ = try applier.markRolledBack("0001_a", force: true)
        #expect(try scratch.rows(on: db).isEmpty && events(db) == ["marked_applied 0001_a", "rolled_back 0001_a"])

        // Adopted from dbmate: applies at the other tool's time, by the baseline.
        try db.execute("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY); INSERT INTO schema_migrations VALUES ('0004')")
        try applier.baseline(try applier.baselinePlan(from: .dbmate))
        #expect(try scratch.rows(on: db) == [["0004_d", "applied"]])
        #expect(try events(db).last == "applied 0004_d")
        #expect(try applier.history().events.last?.actor == "\(Ledger.actor) (baseline from dbmate)")

        let report = try #require(try applier.up(UpRequest(singleTransaction: true)).success)
        #expect(report.applied.map(\.id) == ["0001_a", "0002_b", "0003_c"])
        #expect(try scratch.rows(on: db).map { $0[0] } == ["0001_a", "0002_b", "0003_c", "0004_d"])
        #expect(try events(db).suffix(3) == ["applied 0001_a", "applied 0002_b", "applied 0003_c"])
        let rows = try applier.appliedRows()
        let applies = try applier.history().events.filter { $0.kind == .applied }
        #expect(Set(applies.map { "\($0.migrationID) \($0.occurredAt) \($0.checksum ?? "")" })
                == Set(rows.map { "\($0.id) \($0.appliedAt) \($0.checksum)" }))
    }

    // MARK: - History

    /// By time; events of one millisecond in the order they were written, whatever their ids;
    /// an event written later with an earlier time (a baseline's) at its time.
    @Test(arguments: Backend.all)
    func historyIsTheEventsByTimeThenAsWritten(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let db = try scratch.connect()
        let ledger = Ledger(db, schema: backend == .sqlite ? "main" : "public")
        try ledger.ensure()
        func row(_ id: String, _ at: String) -> LedgerEntry {
            LedgerEntry(id: id, name: id, checksum: "sum-" + id, downChecksum: nil, appliedAt: at, executionMilliseconds: 1,
                        appliedBy: "me@here", status: .applied, failedStatement: nil, error: nil, pid: 1)
        }
        let moment = "2025-06-01T10:00:00.000Z"
        try ledger.record([row("0003_c", moment), row("0001_a", moment)])
        try ledger.record(row("0002_b", moment))
        try ledger.record(row("0000_old", "2024-01-01T00:00:00.000Z"))
        #expect(try ledger.history().events.map(\.migrationID) == ["0000_old", "0003_c", "0001_a", "0002_b"])
        #expect(try ledger.history().complete)
        #expect(try ledger.entries().map(\.id) == ["0000_old", "0001_a", "0002_b", "0003_c"])
    }
}
