import Foundation
import StrataApply
import Testing

/// The tracking tables as an earlier Strata left them are upgraded in place; a layout from a
/// later Strata is refused, never written to.
@Suite("Tracking tables: layout upgrades")
struct TrackingLayoutTests {
    /// Layout 1, as the first release wrote it (no `pid` column), with one applied row.
    static func layout1(_ backend: Backend, appliedChecksum: String) -> String {
        let serial = backend == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        return """
            CREATE TABLE __migrations__ (
              id TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, down_checksum TEXT,
              applied_at TEXT NOT NULL, execution_ms BIGINT NOT NULL, applied_by TEXT NOT NULL,
              status TEXT NOT NULL, failed_statement TEXT, error TEXT);
            CREATE TABLE __migration_rollbacks__ (
              rollback_id \(serial), migration_id TEXT NOT NULL, rolled_back_at TEXT NOT NULL, reason TEXT,
              forced BOOLEAN NOT NULL, risk TEXT, backup_path TEXT, execution_ms BIGINT NOT NULL, rolled_back_by TEXT NOT NULL);
            CREATE TABLE __strata_schema__ (version BIGINT NOT NULL);
            INSERT INTO __strata_schema__ (version) VALUES (1);
            INSERT INTO __migrations__ VALUES ('0001_a', 'Example', '\(appliedChecksum)', NULL,
              '2025-01-02T03:04:05.678Z', 7, 'old@host', 'applied', NULL, NULL);
            CREATE TABLE a (x INT);
            """
    }

    static func hasPidColumn(_ p: ApplyProject) throws -> Bool {
        let sql = p.backend == .sqlite
            ? "SELECT count(*) FROM pragma_table_info('__migrations__') WHERE name = 'pid'"
            : "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '__migrations__' AND column_name = 'pid'"
        return try p.column(sql) == ["1"]
    }

    @Test(arguments: Backend.all)
    func layout1IsReadAsItIsThenUpgradedInPlaceByUp(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        let first = Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;")
        try p.write("migrations/0001_a.sql", first)
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"))
        try p.connect().execute(Self.layout1(backend, appliedChecksum: Checksum.of(Array(first.utf8))))

        // status reads layout 1 as it is, and changes nothing.
        let status = try p.run("status")
        #expect(status.status == 0, "\(status.stdout)\n\(status.stderr)")
        #expect(status.stdout.contains("0001_a      applied   2025-01-02T03:04:05.678Z  7 ms"), "\(status.stdout)")
        #expect(status.stdout.hasSuffix("2 migrations: 1 applied, 1 pending\n"))
        #expect(try !Self.hasPidColumn(p))
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["1"])

        // up upgrades the tables inside the lock, keeps the rows, then applies.
        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
        #expect(up.stdout.contains("[1/1] 0002_b ... ok "), "\(up.stdout)")
        #expect(try Self.hasPidColumn(p))
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["\(Ledger.version)"])
        if backend == .sqlite { try TrackingLayout4Tests.expectSQLiteLayout4(p) }
        #expect(try p.column("SELECT id || ' ' || applied_at || ' ' || applied_by || ' ' || coalesce(CAST(pid AS TEXT), 'null') FROM __migrations__ WHERE id = '0001_a'")
                == ["0001_a 2025-01-02T03:04:05.678Z old@host null"])
        #expect(try p.column("SELECT count(*) FROM __migrations__ WHERE id = '0002_b' AND pid > 0") == ["1"])
        #expect(try p.run("status").stdout.hasSuffix("2 migrations: 2 applied\n"))
    }

    @Test(arguments: Backend.all)
    func aLayoutFromANewerStrataIsRefusedAndNotWritten(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        let first = Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;")
        try p.write("migrations/0001_a.sql", first)
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"))
        #expect(try p.run("up", "--target", "0001_a").status == 0)
        try p.connect().execute("UPDATE __strata_schema__ SET version = 99")
        let before = try p.column("SELECT id || ' ' || status || ' ' || applied_at FROM __migrations__ ORDER BY id")
        let message = "strata: error: the tracking tables have layout 99, from a newer Strata; this one knows layouts up to \(Ledger.version) and does not read or write them: upgrade strata\n"
        for args in [["status"], ["up"], ["up", "--dry-run"], ["repair", "0001_a", "--retry"]] {
            let outcome = try CLI.run(args + ["--database", p.url], in: p.project.root)
            #expect(outcome.status == 2, "\(args): \(outcome.stdout)")
            #expect(outcome.stderr == message, "\(args): \(outcome.stderr)")
        }
        #expect(try p.column("SELECT id || ' ' || status || ' ' || applied_at FROM __migrations__ ORDER BY id") == before)
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["99"])
        #expect(try !p.tableExists("b"))
    }
}
