import Foundation
import StrataApply
import Testing

/// Tracking tables this Strata does not know: a newer tracking schema, or tables of the
/// tracking names that are not the tracking schema. Every command refuses them (exit 2) and
/// writes nothing.
@Suite("Tracking schema: commands")
struct TrackingSchemaCommandTests {
    static let commands: [[String]] = [
        ["status"], ["up"], ["up", "--dry-run"], ["up", "--single-transaction"], ["rollback"], ["rollback", "--dry-run"],
        ["repair", "0001_a", "--retry"], ["history"], ["metrics"], ["mark-applied", "0002_b", "--force"],
    ]

    func writeMigrations(_ p: ApplyProject) throws {
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"))
    }

    /// The tracking rows and events, as text.
    func everything(_ p: ApplyProject) throws -> [String] {
        try p.column("SELECT id || ' ' || status || ' ' || applied_at FROM __migrations__ ORDER BY id")
            + p.column("SELECT event || ' ' || migration_id || ' ' || occurred_at FROM __migration_events__ ORDER BY event_id")
    }

    @Test(arguments: Backend.all)
    func aNewerTrackingSchemaIsRefusedAndNotWritten(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try writeMigrations(p)
        #expect(try p.run("up", "--target", "0001_a").status == 0)
        try p.connect().execute("UPDATE __strata_schema__ SET version = 2")
        let before = try everything(p)
        #expect(before.count == 2)
        let message = "strata: error: the tracking tables have tracking schema 2, from a newer Strata; this one knows tracking schema 1 and does not read or write them: upgrade strata\n"
        for args in Self.commands {
            let outcome = try CLI.run(args + ["--database", p.url], in: p.project.root)
            #expect(outcome.status == 2, "\(args): \(outcome.stdout)")
            #expect(outcome.stderr == message, "\(args): \(outcome.stderr)")
        }
        #expect(try everything(p) == before)
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["2"])
        #expect(try !p.tableExists("b"))
    }

    @Test(arguments: Backend.all)
    func anotherToolsTableOfTheNameIsRefusedAndNotUpgraded(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try writeMigrations(p)
        try p.connect().execute("CREATE TABLE __migrations__ (version TEXT PRIMARY KEY); INSERT INTO __migrations__ VALUES ('1')")
        let message = "strata: error: the tracking tables are not the tracking schema this Strata knows (__migration_events__ and __strata_schema__ missing); it does not read or write them: if another tool made them, keep Strata's tables elsewhere (another database, or on PostgreSQL another schema)\n"
        for args in Self.commands {
            let outcome = try CLI.run(args + ["--database", p.url], in: p.project.root)
            #expect(outcome.status == 2, "\(args): \(outcome.stdout)")
            #expect(outcome.stderr == message, "\(args): \(outcome.stderr)")
        }
        #expect(try p.column("SELECT version FROM __migrations__") == ["1"])
        #expect(try !p.tableExists("__migration_events__") && !p.tableExists("__strata_schema__") && !p.tableExists("a"))
    }

    /// A fresh database: the first `up` makes the tracking schema; `history` reads the events.
    @Test(arguments: Backend.all)
    func theFirstUpMakesTheTrackingSchema(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try writeMigrations(p)
        #expect(try p.run("status").status == 0)
        #expect(try !p.tableExists("__migrations__"), "status writes nothing")
        #expect(try p.run("up").status == 0)
        #expect(try p.column("SELECT version FROM __strata_schema__") == ["1"])
        #expect(try p.column("SELECT event || ' ' || migration_id FROM __migration_events__ ORDER BY event_id") == ["applied 0001_a", "applied 0002_b"])
        let history = try JSON.object(try p.run("history", "--json").stdout)
        #expect(history["complete"] as? Bool == true)
        #expect((history["events"] as? [[String: Any]] ?? []).map { "\($0["event"] ?? "") \($0["migration_id"] ?? "")" }
                == ["applied 0001_a", "applied 0002_b"])
    }
}
