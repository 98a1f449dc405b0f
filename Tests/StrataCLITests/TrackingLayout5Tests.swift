import Foundation
import StrataApply
import Testing

/// Layout 5: while a migration's tracking row shows it applied, the row is the event of that
/// apply. `up` writes no event row; whatever changes or deletes the row (a rollback, its
/// claim outside a transaction) writes the apply to `__migration_events__` first, and
/// `history` shows every apply exactly once either way.
@Suite("Tracking tables: layout 5")
struct TrackingLayout5Tests {
    static func migration(_ table: String, transactional: Bool = true) -> String {
        (transactional ? "" : "-- @transaction: false\n")
            + Fixtures.migration(up: "CREATE TABLE \(table) (x INT);", down: "DROP TABLE \(table);")
    }

    func history(_ p: ApplyProject) throws -> [[String: Any]] {
        let run = try p.run("history", "--json")
        try #require(run.status == 0, "\(run.stderr)")
        let history = try JSON.object(run.stdout)
        #expect(history["complete"] as? Bool == true)
        return history["events"] as? [[String: Any]] ?? []
    }

    func summary(_ p: ApplyProject) throws -> [String] {
        try history(p).map { "\($0["event"] as? String ?? "?") \($0["migration_id"] as? String ?? "?")" }
    }

    func eventRows(_ p: ApplyProject) throws -> [String] {
        try p.column("SELECT event || ' ' || migration_id FROM __migration_events__ ORDER BY event_id")
    }

    @Test(arguments: Backend.all)
    func upWritesNoEventAndHistoryShowsEachApplyOnce(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        for table in ["a", "b", "c"] { try p.write("migrations/000\(["a": 1, "b": 2, "c": 3][table]!)_\(table).sql", Self.migration(table)) }
        #expect(try p.run("up").status == 0)
        #expect(try eventRows(p).isEmpty)
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["5"])
        let applies = try history(p)
        #expect(applies.map { $0["migration_id"] as? String } == ["0001_a", "0002_b", "0003_c"])
        // The event is the row: its time, duration, actor and checksum.
        let row = try p.column("SELECT applied_at || ' ' || execution_ms || ' ' || applied_by || ' ' || checksum FROM __migrations__ WHERE id = '0003_c'")
        let event = applies[2]
        #expect(row == ["\(event["at"] ?? "") \(event["duration_ms"] ?? "") \(event["who"] ?? "") \(event["checksum"] ?? "")"])
        #expect(event["event"] as? String == "applied" && event["status"] as? String == "ok")

        // A rollback writes the apply before it deletes the row, then its own event.
        #expect(try p.run("rollback", "--steps", "1").status == 0)
        #expect(try eventRows(p) == ["applied 0003_c", "rolled_back 0003_c"])
        #expect(try summary(p) == ["applied 0001_a", "applied 0002_b", "applied 0003_c", "rolled_back 0003_c"])
        #expect(try history(p)[2]["at"] as? String == event["at"] as? String)

        // Applied again: a new row, a new apply; the earlier one stays in the events.
        #expect(try p.run("up").status == 0)
        #expect(try p.run("rollback", "--steps", "2").status == 0)
        #expect(try eventRows(p) == ["applied 0003_c", "rolled_back 0003_c", "applied 0003_c", "rolled_back 0003_c",
                                     "applied 0002_b", "rolled_back 0002_b"])
        // 0002_b's apply, written when its row went, sits at its own time, before 0003_c's.
        #expect(try summary(p) == ["applied 0001_a", "applied 0002_b", "applied 0003_c", "rolled_back 0003_c",
                                   "applied 0003_c", "rolled_back 0003_c", "rolled_back 0002_b"])
    }

    /// An apply outside a transaction was written as an event with its row (the claim's
    /// outcome); its rollback, which claims the row first, does not write it a second time.
    @Test(arguments: Backend.all)
    func anApplyOutsideATransactionIsNotWrittenTwice(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", Self.migration("a", transactional: false))
        #expect(try p.run("up").status == 0)
        #expect(try eventRows(p) == ["applied 0001_a"])
        let rollback = try p.run("rollback", "--steps", "1")
        #expect(rollback.status == 0 && rollback.stdout.contains("outside a transaction"), "\(rollback.stdout)\(rollback.stderr)")
        #expect(try eventRows(p) == ["applied 0001_a", "rolled_back 0001_a"])
        #expect(try summary(p) == ["applied 0001_a", "rolled_back 0001_a"])
    }

    /// Layout 4 wrote an event with every apply: upgraded, those rows are not shown or
    /// written again.
    @Test(arguments: Backend.all)
    func layout4IsUpgradedWithoutDuplicateApplies(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", Self.migration("a"))
        try p.write("migrations/0002_b.sql", Self.migration("b"))
        #expect(try p.run("up").status == 0)
        // As Strata with layout 4 left them: each apply also an event.
        try p.connect().execute("""
            INSERT INTO __migration_events__ (occurred_at, event, migration_id, actor, execution_ms, checksum)
              SELECT applied_at, 'applied', id, applied_by, execution_ms, checksum FROM __migrations__ ORDER BY applied_at, id;
            UPDATE __strata_schema__ SET version = 4;
            """)
        let before = try summary(p)
        #expect(before == ["applied 0001_a", "applied 0002_b"])
        #expect(try p.run("status").status == 0)
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["4"], "status does not write")

        try p.write("migrations/0003_c.sql", Self.migration("c"))
        #expect(try p.run("up").status == 0)
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["5"])
        #expect(try summary(p) == ["applied 0001_a", "applied 0002_b", "applied 0003_c"])
        #expect(try p.run("rollback", "--steps", "3").status == 0)
        #expect(try eventRows(p) == ["applied 0001_a", "applied 0002_b", "applied 0003_c", "rolled_back 0003_c",
                                     "rolled_back 0002_b", "rolled_back 0001_a"])
        #expect(try summary(p) == ["applied 0001_a", "applied 0002_b", "applied 0003_c", "rolled_back 0003_c",
                                   "rolled_back 0002_b", "rolled_back 0001_a"])
    }
}
