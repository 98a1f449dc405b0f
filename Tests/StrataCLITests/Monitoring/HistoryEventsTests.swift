import Foundation
import StrataApply
import Testing

/// What `__migration_events__` keeps beyond the other tables: failed attempts in a
/// transaction (which leave nothing else behind), and the history of tables that predate it.
@Suite("History: failures in a transaction, and tables from before the event history")
struct HistoryEventsTests {
    func events(_ p: ApplyProject) throws -> [[String: Any]] {
        let history = try p.run("history", "--json")
        try #require(history.status == 0, "\(history.stderr)")
        return try #require(try JSON.object(history.stdout)["events"] as? [[String: Any]])
    }

    func summary(_ events: [[String: Any]]) -> [String] {
        events.map { "\($0["event"] as? String ?? "?") \($0["migration_id"] as? String ?? "?")" }
    }

    @Test(arguments: Backend.all)
    func failuresInATransactionAreRecordedOnceRolledBack(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (id INT);", down: "DROP TABLE a;\nINSERT INTO nowhere VALUES (1);"))
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (id INT);\nINSERT INTO nowhere VALUES (1);", down: "DROP TABLE b;"))
        let failed = try p.run("up")
        #expect(failed.status == 2, "\(failed.stdout)\(failed.stderr)")
        #expect(try !p.tableExists("b") && p.rows() == ["0001_a applied"])
        var history = try events(p)
        #expect(summary(history) == ["applied 0001_a", "failed 0002_b"])
        #expect((history[1]["error"] as? String)?.contains("0002_b failed") == true && history[1]["status"] as? String == "failed")
        #expect(history[1]["duration_ms"] is Int && history[1]["who"] as? String == Ledger.actor)
        // Still pending, not failed: nothing of it was kept.
        let metrics = try PrometheusTextChecker(try p.run("metrics").stdout)
        #expect(metrics.value("strata_migrations", ["state": "pending"]) == 1 && metrics.value("strata_migrations", ["state": "failed"]) == 0)

        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (id INT);", down: "DROP TABLE b;"))
        #expect(try p.run("up").status == 0)
        #expect(try p.run("rollback", "--steps", "1").status == 0)
        // A DOWN failing in a transaction leaves the migration applied, and is recorded.
        let down = try p.run("rollback", "--reason", "try it", "--force")
        #expect(down.status == 2, "\(down.stdout)\(down.stderr)")
        #expect(try p.rows() == ["0001_a applied"])
        history = try events(p)
        #expect(summary(history) == ["applied 0001_a", "failed 0002_b", "applied 0002_b", "rolled_back 0002_b", "rollback_failed 0001_a"])
        let rollbackFailed = history[4]
        #expect(rollbackFailed["action"] as? String == "rollback" && rollbackFailed["status"] as? String == "failed")
        #expect(rollbackFailed["reason"] as? String == "try it" && (rollbackFailed["error"] as? String)?.contains("nowhere") == true)
    }

    /// `up --single-transaction` keeps nothing of a failed run, the tracking tables included:
    /// no event either.
    @Test func aFailedSingleTransactionLeavesNoEvent() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (id INT);\nINSERT INTO nowhere VALUES (1);", down: "DROP TABLE a;"))
        #expect(try p.run("up", "--single-transaction").status == 2)
        #expect(try !p.tableExists("__migrations__") && !p.tableExists("__migration_events__"))
        #expect(try events(p).isEmpty)
    }

    /// Layout 2 (before the event history): `history` rebuilds what the tables still hold and
    /// writes nothing; the next `up` upgrades them, keeping those events.
    @Test(arguments: Backend.all)
    func layout2IsRebuiltThenKeptByTheUpgrade(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        let first = Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;")
        try p.write("migrations/0001_a.sql", first)
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"))
        try p.connect().execute(TrackingLayoutTests.layout1(backend, appliedChecksum: Checksum.of(Array(first.utf8))) + """
            ALTER TABLE __migrations__ ADD COLUMN pid BIGINT;
            UPDATE __strata_schema__ SET version = 2;
            INSERT INTO __migration_rollbacks__ (migration_id, rolled_back_at, reason, forced, risk, backup_path, execution_ms, rolled_back_by)
              VALUES ('0002_b', '2025-01-03T00:00:00.000Z', 'not yet', \(backend == .sqlite ? "0" : "false"), 'low', NULL, 3, 'old@host');
            """)
        var history = try JSON.object(try p.run("history", "--json").stdout)
        #expect(history["complete"] as? Bool == false)
        var events = try #require(history["events"] as? [[String: Any]])
        #expect(summary(events) == ["applied 0001_a", "rolled_back 0002_b"])
        #expect(events[0]["who"] as? String == "old@host" && events[0]["duration_ms"] as? Int == 7 && events[1]["reason"] as? String == "not yet")
        let table = try p.run("history")
        #expect(table.stdout.contains("note: these tracking tables predate the event history (layout 3)"), "\(table.stdout)")
        #expect(try !p.tableExists("__migration_events__") && p.column("SELECT version FROM __strata_schema__") == ["2"])

        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["\(Ledger.version)"])
        if backend == .sqlite { try TrackingLayout4Tests.expectSQLiteLayout4(p) }
        history = try JSON.object(try p.run("history", "--json").stdout)
        #expect(history["complete"] as? Bool == true)
        events = try #require(history["events"] as? [[String: Any]])
        #expect(summary(events) == ["applied 0001_a", "rolled_back 0002_b", "applied 0002_b"])
        #expect(events[0]["at"] as? String == "2025-01-02T03:04:05.678Z" && events[1]["risk"] as? String == "low")
    }
}
