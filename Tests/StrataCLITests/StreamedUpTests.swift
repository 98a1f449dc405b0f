import Foundation
import Testing

/// `up --single-transaction` starts running while the files are still being read
/// (`MigrationSource.stream`), and plans them as any `up` does (`UpPlanner`): whatever it
/// cannot decide from the files read so far waits for the rest, and a refusal keeps nothing.
@Suite("strata up --single-transaction: streamed files")
struct StreamedUpTests {
    /// A dependency pointing forward: 0002 needs 0003's table. 0002 waits until 0003 has been
    /// read: the run applies 0001, 0003, 0002, in one attempt.
    @Test(arguments: Backend.all)
    func aDependencyPointingForwardIsAppliedInDependencyOrder(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_base.sql", Fixtures.migration(up: "CREATE TABLE base (x INT);", down: "DROP TABLE base;"))
        try p.write("migrations/0002_view.sql", Fixtures.migration(
            up: "CREATE VIEW later_view AS SELECT y FROM later;", down: "DROP VIEW later_view;", dependencies: "[\"0003_later\"]"))
        try p.write("migrations/0003_later.sql", Fixtures.migration(up: "CREATE TABLE later (y INT);", down: "DROP TABLE later;"))
        let up = try p.run("up", "--single-transaction", "--log-json", "events.jsonl")
        #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
        #expect(!up.stdout.contains("rolled back"), "\(up.stdout)")
        let lines = up.stdout.split(separator: "\n").map(String.init)
        let events = try JSON.lines(try p.project.read("events.jsonl"))
        #expect(events.map { "\($0["event"] as? String ?? "?") \($0["migration_id"] as? String ?? "-")" }
                == ["run_started -", "migration_started 0001_base", "migration_started 0003_later", "migration_started 0002_view",
                    "applied 0001_base", "applied 0003_later", "applied 0002_view", "run_finished -"])
        #expect(Set(events.compactMap { $0["run_id"] as? String }).count == 1)
        #expect(lines.filter { $0.hasPrefix("[") }.map { String($0.prefix { $0 != " " }) + " " + $0.split(separator: " ")[1] }
                == ["[1/3] 0001_base", "[2/3] 0003_later", "[3/3] 0002_view"], "\(up.stdout)")
        #expect(lines.filter { $0.hasPrefix("database: ") }.count == 1, "\(up.stdout)")
        #expect(try p.rows() == ["0001_base applied", "0002_view applied", "0003_later applied"])
        #expect(try p.tableExists("later") && p.tableExists("base"))
    }

    /// The rows and checksums a streamed run records are those of a migration-by-migration run.
    @Test func aStreamedRunRecordsWhatAnOrdinaryRunRecords() throws {
        let files = [
            ("0001_a", "CREATE TABLE a (x INT);\r\nCREATE INDEX a_x ON a (x);", "DROP TABLE a;"),
            ("0002_b", "CREATE TABLE b (y TEXT NOT NULL);", "DROP TABLE b;"),
            ("0003_c", "INSERT INTO b (y) VALUES ('it''s');", "DELETE FROM b;"),
        ]
        var recorded: [[String]] = []
        for single in [false, true] {
            let p = try ApplyProject(.sqlite)
            for (id, up, down) in files { try p.write("migrations/\(id).sql", Fixtures.migration(name: "Name of \(id)", up: up, down: down)) }
            let run = single ? try p.run("up", "--single-transaction") : try p.run("up")
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(!run.stdout.contains("rolled back"), "\(run.stdout)")
            recorded.append(try p.column("SELECT id || ' ' || name || ' ' || checksum || ' ' || coalesce(down_checksum, '-') || ' ' || status FROM __migrations__ ORDER BY id"))
            // Each row written with its apply's event.
            #expect(try p.column("SELECT event || ' ' || migration_id FROM __migration_events__ ORDER BY event_id")
                    == ["applied 0001_a", "applied 0002_b", "applied 0003_c"])
            let history = try JSON.object(try p.run("history", "--json").stdout)
            #expect((history["events"] as? [[String: Any]] ?? []).map { "\($0["event"] ?? "") \($0["migration_id"] ?? "")" }
                    == ["applied 0001_a", "applied 0002_b", "applied 0003_c"])
        }
        #expect(recorded[0].count == 3)
        #expect(recorded[0] == recorded[1])
    }

    /// An applied migration edited or deleted, and a failed row, are refused as by any `up`,
    /// with nothing applied; `--allow-changed` runs past the edit.
    @Test(arguments: Backend.all)
    func changedMissingAndFailedAreRefusedWithNothingApplied(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        #expect(try p.run("up", "--single-transaction").status == 0)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT, z INT);", down: "DROP TABLE a;"))
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"))
        let edited = try p.run("up", "--single-transaction")
        #expect(edited.status == 1, "\(edited.stdout)\n\(edited.stderr)")
        #expect(edited.stderr.contains("0001_a was edited after it was applied"), "\(edited.stderr)")
        #expect(try !p.tableExists("b"))

        try p.remove("migrations/0001_a.sql")
        let missing = try p.run("up", "--single-transaction")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("0001_a is applied but its file is missing"), "\(missing.stderr)")
        #expect(try !p.tableExists("b"))

        let allowed = try p.run("up", "--single-transaction", "--allow-changed")
        #expect(allowed.status == 0, "\(allowed.stdout)\n\(allowed.stderr)")
        #expect(try p.rows() == ["0001_a applied", "0002_b applied"])

        // A migration outside a transaction that failed midway: refused until repaired.
        try p.write("migrations/0003_c.sql", "-- @transaction: false\n" + Fixtures.migration(
            up: "CREATE TABLE c (x INT);\nINSERT INTO c (nope) VALUES (1);", down: "DROP TABLE c;"))
        #expect(try p.run("up", "--allow-changed").status == 2)
        try p.write("migrations/0004_d.sql", Fixtures.migration(up: "CREATE TABLE d (x INT);", down: "DROP TABLE d;"))
        let failed = try p.run("up", "--single-transaction", "--allow-changed")
        #expect(failed.status == 1, "\(failed.stdout)\n\(failed.stderr)")
        #expect(failed.stderr.contains("0003_c failed midway"), "\(failed.stderr)")
        #expect(try !p.tableExists("d"))
    }

    /// `--target` stops at the target in a streamed run too, and an unknown target is refused.
    @Test func theTargetIsTheLastMigrationRun() throws {
        let p = try ApplyProject(.sqlite)
        for name in ["a", "b", "c"] {
            try p.write("migrations/000\(["a": 1, "b": 2, "c": 3][name]!)_\(name).sql",
                        Fixtures.migration(up: "CREATE TABLE \(name) (x INT);", down: "DROP TABLE \(name);"))
        }
        let unknown = try p.run("up", "--single-transaction", "--target", "0009_z")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no migration '0009_z'"), "\(unknown.stderr)")
        #expect(try p.rows() == [])
        let up = try p.run("up", "--single-transaction", "--target", "0002_b")
        #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
        #expect(up.stdout.contains("[2/2] 0002_b ... ok"), "\(up.stdout)")
        #expect(try p.rows() == ["0001_a applied", "0002_b applied"])
        #expect(try !p.tableExists("c"))
        let again = try p.run("up", "--single-transaction", "--target", "0002_b")
        #expect(again.status == 0)
        #expect(again.stdout.contains("nothing to apply"), "\(again.stdout)")
        let rest = try p.run("up", "--single-transaction")
        #expect(rest.status == 0)
        #expect(try p.rows() == ["0001_a applied", "0002_b applied", "0003_c applied"])
    }

    /// A file that cannot be read fails the run as before it started, with its path, and keeps
    /// nothing of what ran before it.
    @Test func anUnreadableFileFailsTheRunAndKeepsNothing() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"))
        let broken = p.project.root.appendingPathComponent("migrations/0003_c.sql").path
        try FileManager.default.createSymbolicLink(atPath: broken, withDestinationPath: "/nonexistent/0003_c.sql")
        let up = try p.run("up", "--single-transaction")
        #expect(up.status == 2, "\(up.stdout)\n\(up.stderr)")
        #expect(up.stderr.contains("0003_c.sql"), "\(up.stderr)")
        #expect(try p.rows() == [])
        #expect(try !p.tableExists("a"))
    }

    /// Eight streamed runs at once: each migration once, the others wait and find nothing to do.
    @Test(arguments: Backend.all)
    func eightConcurrentStreamedRunsApplyEachMigrationOnce(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0000_log.sql", Fixtures.migration(up: "CREATE TABLE log (id TEXT NOT NULL);", down: "DROP TABLE log;"))
        for n in 1...12 {
            let id = String(format: "%04d_m", n)
            try p.write("migrations/\(id).sql", Fixtures.migration(up: "INSERT INTO log (id) VALUES ('\(id)');", down: "SELECT 1;"))
        }
        let runs = try (0..<8).map { _ in try p.start(["up", "--single-transaction"]) }
        let outcomes = runs.map { $0.wait() }
        for outcome in outcomes { #expect(outcome.status == 0, "\(outcome.stdout)\n\(outcome.stderr)") }
        #expect(outcomes.filter { $0.stdout.contains("applied 13 migrations") }.count == 1, "\(outcomes.map(\.stdout))")
        #expect(outcomes.filter { $0.stdout.contains("nothing to apply") }.count == 7, "\(outcomes.map(\.stdout))")
        #expect(try p.column("SELECT count(*) FROM log") == ["12"])
        #expect(try p.column("SELECT count(DISTINCT id) FROM __migrations__") == ["13"])
    }
}
