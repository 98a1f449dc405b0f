import Foundation
import StrataApply
import Testing

/// Layout 4: on SQLite `__migrations__` is `WITHOUT ROWID` and `__migration_events__.event_id` a
/// plain INTEGER PRIMARY KEY, two B-tree pages fewer for each migration's commit. New tables
/// have it; layout 3 is rebuilt to it by the first command that writes, every row and value
/// kept. PostgreSQL's tables stay as they were, with the new version recorded. Layout 5 has
/// the same tables (`TrackingLayout5Tests`), so an upgrade from 3 ends at 5.
@Suite("Tracking tables: layout 4")
struct TrackingLayout4Tests {
    static let first = Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;")
    static let second = Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;")
    static let third = Fixtures.migration(up: "CREATE TABLE c (x INT);", down: "DROP TABLE c;")
    /// 0003_c as it failed midway outside a transaction (the layout-3 row that `repair` resolves).
    static let thirdOutsideTransaction = "-- @transaction: false\n"
        + Fixtures.migration(up: "CREATE TABLE c (x INT);\nINSERT INTO nowhere VALUES (1);", down: "DROP TABLE c;")

    /// The tables as Strata 3 created them, and the tables of the migrations applied.
    static func layout3(_ backend: Backend) -> String {
        let serial = backend == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        return """
            CREATE TABLE __migrations__ (
              id TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, down_checksum TEXT,
              applied_at TEXT NOT NULL, execution_ms BIGINT NOT NULL, applied_by TEXT NOT NULL,
              status TEXT NOT NULL, failed_statement TEXT, error TEXT, pid BIGINT);
            CREATE TABLE __migration_rollbacks__ (
              rollback_id \(serial), migration_id TEXT NOT NULL, rolled_back_at TEXT NOT NULL, reason TEXT,
              forced BOOLEAN NOT NULL, risk TEXT, backup_path TEXT, execution_ms BIGINT NOT NULL, rolled_back_by TEXT NOT NULL);
            CREATE TABLE __strata_schema__ (version BIGINT NOT NULL);
            CREATE TABLE __migration_events__ (
              event_id \(serial), occurred_at TEXT NOT NULL, event TEXT NOT NULL, migration_id TEXT NOT NULL,
              actor TEXT NOT NULL, execution_ms BIGINT, checksum TEXT, reason TEXT, risk TEXT, forced BOOLEAN,
              backup_path TEXT, error TEXT);
            INSERT INTO __strata_schema__ (version) VALUES (3);
            CREATE TABLE a (x INT);
            CREATE TABLE b (x INT);

            """
    }

    /// 0001_a and 0002_b applied (0002_b rolled back once and applied again, a rollback of
    /// 0001_a failed), then 0003_c failed midway outside a transaction. `thirdRepaired`: its
    /// row was removed by `repair --retry` (it is pending); else the failed row is still there.
    /// Event ids have gaps, so that a rebuild numbering them anew would show.
    static func rows(_ backend: Backend, thirdRepaired: Bool) -> String {
        let (no, yes) = backend == .sqlite ? ("0", "1") : ("false", "true")
        let a = Checksum.of(Array(first.utf8)), b = Checksum.of(Array(second.utf8))
        let c = Checksum.of(Array(thirdOutsideTransaction.utf8))
        let error = "migrations/0003_c.sql:12:1: 0003_c failed: no such table: nowhere"
        var migrations = [
            "('0001_a', 'Example', '\(a)', 'down-of-a', '2025-01-02T03:04:05.678Z', 7, 'old@host', 'applied', NULL, NULL, 4242)",
            "('0002_b', 'Example', '\(b)', NULL, '2025-01-04T00:00:00.000Z', 12, 'old@host', 'applied', NULL, NULL, NULL)",
        ]
        var events = [
            "(1, '2025-01-02T03:04:05.678Z', 'applied', '0001_a', 'old@host', 7, '\(a)', NULL, NULL, NULL, NULL, NULL)",
            "(2, '2025-01-02T03:05:00.000Z', 'applied', '0002_b', 'old@host', 5, '\(b)', NULL, NULL, NULL, NULL, NULL)",
            "(5, '2025-01-03T00:00:00.000Z', 'rolled_back', '0002_b', 'ops@host', 3, NULL, 'not yet', 'low', \(no), '/backups/b.db', NULL)",
            "(6, '2025-01-03T00:01:00.000Z', 'rollback_failed', '0001_a', 'ops@host', 1, NULL, 'try', 'high', \(yes), NULL, 'boom')",
            "(8, '2025-01-04T00:00:00.000Z', 'applied', '0002_b', 'old@host', 12, '\(b)', NULL, NULL, NULL, NULL, NULL)",
            "(9, '2025-01-05T00:00:00.000Z', 'failed', '0003_c', 'old@host', 2, '\(c)', NULL, NULL, NULL, NULL, '\(error)')",
        ]
        if thirdRepaired {
            events.append("(10, '2025-01-06T00:00:00.000Z', 'repaired', '0003_c', 'ops@host', NULL, '\(c)', 'failed row removed, to run again', NULL, NULL, NULL, NULL)")
        } else {
            migrations.append("('0003_c', 'Example', '\(c)', NULL, '2025-01-05T00:00:00.000Z', 2, 'old@host', 'failed', 'INSERT INTO nowhere VALUES (1)', '\(error)', 4243)")
        }
        var sql = """
            INSERT INTO __migrations__ VALUES \(migrations.joined(separator: ",\n  "));
            INSERT INTO __migration_rollbacks__ VALUES (1, '0002_b', '2025-01-03T00:00:00.000Z', 'not yet', \(no), 'low', '/backups/b.db', 3, 'ops@host');
            INSERT INTO __migration_events__ VALUES \(events.joined(separator: ",\n  "));

            """
        if backend == .postgres {
            // As BIGSERIAL left them: the rows were given these ids by their sequences.
            sql += """
                SELECT setval(pg_get_serial_sequence('__migration_rollbacks__', 'rollback_id'), 1);
                SELECT setval(pg_get_serial_sequence('__migration_events__', 'event_id'), \(thirdRepaired ? 10 : 9));

                """
        }
        return sql
    }

    static let migrationColumns = ["id", "name", "checksum", "down_checksum", "applied_at", "execution_ms", "applied_by",
                                   "status", "failed_statement", "error", "pid"]
    static let rollbackColumns = ["rollback_id", "migration_id", "rolled_back_at", "reason", "forced", "risk", "backup_path",
                                  "execution_ms", "rolled_back_by"]
    static let eventColumns = ["event_id", "occurred_at", "event", "migration_id", "actor", "execution_ms", "checksum", "reason",
                               "risk", "forced", "backup_path", "error"]

    /// The rows of `table` (first column: its key), each value as an SQL literal, which on
    /// SQLite also tells its type (`7`, `'7'`, `NULL`).
    static func dump(_ p: ApplyProject, _ table: String, _ columns: [String], where condition: String = "1 = 1") throws -> [String] {
        let literal = p.backend == .sqlite ? "quote" : "quote_nullable"
        let values = columns.map { "\(literal)(\($0))" }.joined(separator: " || ' | ' || ")
        return try p.column("SELECT \(values) FROM \(table) WHERE \(condition) ORDER BY \(columns[0])")
    }

    /// Every row of the three tables with history.
    static func dumpAll(_ p: ApplyProject) throws -> [[String]] {
        [try dump(p, "__migrations__", migrationColumns), try dump(p, "__migration_rollbacks__", rollbackColumns),
         try dump(p, "__migration_events__", eventColumns)]
    }

    /// SQLite: the tables are stored as layout 4 has them, and no rebuild is left behind.
    static func expectSQLiteLayout4(_ p: ApplyProject, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try p.column("SELECT sql FROM sqlite_schema WHERE name = '__migrations__'").first?.hasSuffix("WITHOUT ROWID") == true,
                sourceLocation: sourceLocation)
        #expect(try p.column("SELECT sql FROM sqlite_schema WHERE name = '__migration_events__'").first?.contains("event_id INTEGER PRIMARY KEY,") == true,
                sourceLocation: sourceLocation)
        #expect(try p.column("SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%AUTOINCREMENT%'") == ["1"], "only the rollbacks' own",
                sourceLocation: sourceLocation)
        #expect(try p.column("SELECT count(*) FROM sqlite_sequence WHERE name = '__migration_events__'") == ["0"], sourceLocation: sourceLocation)
        #expect(try p.column("SELECT name FROM sqlite_schema WHERE name LIKE '__strata_rebuilding%'").isEmpty, sourceLocation: sourceLocation)
    }

    /// PostgreSQL: the tables are as layout 3 made them (ids from their sequences).
    static func expectPostgresTablesUnchanged(_ p: ApplyProject, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try p.column("""
            SELECT table_name || '.' || column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%' ORDER BY 1
            """) == ["__migration_events__.event_id", "__migration_rollbacks__.rollback_id"], sourceLocation: sourceLocation)
    }

    func summary(_ p: ApplyProject) throws -> [String] {
        let history = try JSON.object(try p.run("history", "--json").stdout)
        #expect(history["complete"] as? Bool == true)
        return (history["events"] as? [[String: Any]] ?? []).map { "\($0["event"] as? String ?? "?") \($0["migration_id"] as? String ?? "?")" }
    }

    /// The three migrations the upgrade tests start from.
    static func writeMigrations(_ p: ApplyProject, third: String) throws {
        try p.write("migrations/0001_a.sql", first)
        try p.write("migrations/0002_b.sql", second)
        try p.write("migrations/0003_c.sql", third)
    }

    @Test(arguments: Backend.all)
    func newTablesHaveLayout4(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", Self.first)
        #expect(try p.run("up").status == 0)
        #expect(try p.run("rollback", "--steps", "1").status == 0)
        #expect(try p.run("up").status == 0)
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["5"])
        // Ids in the order the events were written, with or without AUTOINCREMENT; the second
        // apply is held by its tracking row (layout 5).
        #expect(try p.column("SELECT event_id || ' ' || event FROM __migration_events__ ORDER BY event_id")
                == ["1 applied", "2 rolled_back"])
        #expect(try summary(p) == ["applied 0001_a", "rolled_back 0001_a", "applied 0001_a"])
        if backend == .sqlite {
            try Self.expectSQLiteLayout4(p)
            // No automatic index beside the table: the rows are stored in the key's B-tree.
            #expect(try p.column("SELECT name FROM sqlite_schema WHERE tbl_name = '__migrations__'") == ["__migrations__"])
        } else {
            try Self.expectPostgresTablesUnchanged(p)
        }
    }

    @Test(arguments: Backend.all)
    func upUpgradesLayout3KeepingEveryRow(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try Self.writeMigrations(p, third: Self.third)
        // Things of the application's own around the tables, which the rebuild must survive:
        // an index and a view on `__migrations__`; on SQLite a view that no longer compiles
        // (its table dropped), which fails a plain ALTER TABLE RENAME.
        try p.connect().execute(Self.layout3(backend) + Self.rows(backend, thirdRepaired: true) + """
            CREATE INDEX migrations_by_applied_at ON __migrations__ (applied_at);
            CREATE VIEW recent_migrations AS SELECT id FROM __migrations__;
            """ + (backend == .sqlite ? "CREATE TABLE gone (x INT); CREATE VIEW stale AS SELECT x FROM gone; DROP TABLE gone;" : ""))
        let before = try Self.dumpAll(p)
        // Read as they are, not written.
        #expect(try p.run("status").status == 0)
        #expect(try summary(p).count == 7 && p.column("SELECT version FROM __strata_schema__") == ["3"])

        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("[1/1] 0003_c ... ok "), "\(up.stdout)")
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["5"])
        #expect(try Self.dump(p, "__migrations__", Self.migrationColumns, where: "id <> '0003_c'") == before[0])
        #expect(try Self.dump(p, "__migration_rollbacks__", Self.rollbackColumns) == before[1])
        // 0003_c's apply is held by its row alone (layout 5).
        #expect(try Self.dump(p, "__migration_events__", Self.eventColumns) == before[2])
        #expect(try p.column("SELECT count(*) FROM recent_migrations") == ["3"])
        if backend == .sqlite {
            try Self.expectSQLiteLayout4(p)
            #expect(try p.column("SELECT tbl_name FROM sqlite_schema WHERE name = 'migrations_by_applied_at'") == ["__migrations__"])
            #expect(try p.column("SELECT name FROM sqlite_schema WHERE name = 'stale'") == ["stale"])
        } else {
            try Self.expectPostgresTablesUnchanged(p)
        }

        // status, history and rollback work on the upgraded tables.
        let status = try p.run("status")
        #expect(status.status == 0 && status.stdout.hasSuffix("3 migrations: 3 applied\n"), "\(status.stdout)")
        #expect(try summary(p) == ["applied 0001_a", "applied 0002_b", "rolled_back 0002_b", "rollback_failed 0001_a",
                                   "applied 0002_b", "failed 0003_c", "repaired 0003_c", "applied 0003_c"])
        let rollback = try p.run("rollback", "--steps", "2", "--reason", "after the upgrade")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(try p.rows() == ["0001_a applied"] && !p.tableExists("b") && !p.tableExists("c"))
        #expect(try p.column("SELECT rollback_id || ' ' || migration_id FROM __migration_rollbacks__ ORDER BY rollback_id")
                == ["1 0002_b", "2 0003_c", "3 0002_b"])
        // 0003_c's apply written from its row before the row went; 0002_b's was an event already.
        #expect(try p.column("SELECT event_id || ' ' || event || ' ' || migration_id FROM __migration_events__ WHERE event_id > 10 ORDER BY event_id")
                == ["11 applied 0003_c", "12 rolled_back 0003_c", "13 rolled_back 0002_b"])
        #expect(try summary(p).suffix(4) == ["repaired 0003_c", "applied 0003_c", "rolled_back 0003_c", "rolled_back 0002_b"])
        #expect(try p.run("up").status == 0)
        #expect(try p.rows() == ["0001_a applied", "0002_b applied", "0003_c applied"])
    }

    /// A failed row keeps `up` from running, so nothing is upgraded; `repair`, which writes,
    /// upgrades, and the row it resolves changes only as repair changes it.
    @Test(arguments: Backend.all)
    func repairUpgradesLayout3WithAFailedRow(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try Self.writeMigrations(p, third: Self.thirdOutsideTransaction)
        try p.connect().execute(Self.layout3(backend) + Self.rows(backend, thirdRepaired: false))
        let before = try Self.dumpAll(p)
        let unchangedByRepair = Self.migrationColumns.filter { !["status", "failed_statement", "error"].contains($0) }
        let failedRow = try Self.dump(p, "__migrations__", unchangedByRepair)

        let refused = try p.run("up")
        #expect(refused.status != 0 && refused.stderr.contains("0003_c failed midway"), "\(refused.stderr)")
        #expect(try Self.dumpAll(p) == before && p.column("SELECT version FROM __strata_schema__") == ["3"])

        let repair = try p.run("repair", "0003_c", "--applied")
        #expect(repair.status == 0, "\(repair.stdout)\(repair.stderr)")
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["5"])
        #expect(try Self.dump(p, "__migrations__", Self.migrationColumns, where: "id <> '0003_c'") == Array(before[0].prefix(2)))
        #expect(try Self.dump(p, "__migrations__", unchangedByRepair) == failedRow)
        #expect(try p.column("SELECT status || ' ' || coalesce(failed_statement, 'NULL') || ' ' || coalesce(error, 'NULL') FROM __migrations__ WHERE id = '0003_c'")
                == ["applied NULL NULL"])
        #expect(try Self.dump(p, "__migration_rollbacks__", Self.rollbackColumns) == before[1])
        #expect(try Self.dump(p, "__migration_events__", Self.eventColumns, where: "event_id <= 9") == before[2])
        #expect(try p.column("SELECT event_id || ' ' || event || ' ' || migration_id FROM __migration_events__ WHERE event_id > 9")
                == ["10 repaired 0003_c"])
        // The row marked applied is the failure's (same moment): history shows no apply for it.
        #expect(try summary(p).suffix(2) == ["failed 0003_c", "repaired 0003_c"])
        if backend == .sqlite { try Self.expectSQLiteLayout4(p) } else { try Self.expectPostgresTablesUnchanged(p) }
        let status = try p.run("status")
        #expect(status.status == 0 && status.stdout.hasSuffix("3 migrations: 3 applied\n"), "\(status.stdout)")
    }

    /// The upgrade runs in the transaction that holds the lock: stopped after `__migrations__`
    /// was rebuilt (here by a table already under the name the events' rebuild takes), it
    /// leaves layout 3 as it was.
    @Test func aFailedUpgradeLeavesLayout3AsItWas() throws {
        let p = try ApplyProject(.sqlite)
        try Self.writeMigrations(p, third: Self.third)
        try p.connect().execute(Self.layout3(.sqlite) + Self.rows(.sqlite, thirdRepaired: true)
                                + "CREATE TABLE __strata_rebuilding__migration_events__ (x INT);")
        let before = try Self.dumpAll(p)
        let schema = try p.column("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name")

        let up = try p.run("up")
        #expect(up.status == 2, "\(up.stdout)\(up.stderr)")
        #expect(up.stderr.contains("already exists"), "\(up.stderr)")
        #expect(try Self.dumpAll(p) == before && p.column("SELECT version FROM __strata_schema__") == ["3"])
        #expect(try p.column("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name") == schema)
        #expect(try p.column("SELECT name FROM sqlite_sequence ORDER BY name") == ["__migration_events__", "__migration_rollbacks__"])
        #expect(try !p.tableExists("c"))

        try p.connect().execute("DROP TABLE __strata_rebuilding__migration_events__")
        #expect(try p.run("up").status == 0)
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["5"])
        try Self.expectSQLiteLayout4(p)
    }
}
