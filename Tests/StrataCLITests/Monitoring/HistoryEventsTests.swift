import Foundation
import StrataApply
import Testing

/// What `__migration_events__` keeps beyond the other tables: failed attempts in a
/// transaction, which leave nothing else behind.
@Suite("History: failures in a transaction")
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
}
