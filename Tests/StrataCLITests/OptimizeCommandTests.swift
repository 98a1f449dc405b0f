import Foundation
import StrataApply
import Testing

/// `strata optimize` through the binary, on an SQLite file and on a PostgreSQL database of
/// each test's own.
@Suite("strata optimize")
struct OptimizeCommandTests {
    static let schema = Fixtures.migration(name: "Init", up: """
        CREATE TABLE projects (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE tasks (id BIGINT PRIMARY KEY, project_id BIGINT REFERENCES projects (id), title TEXT, legacy_code TEXT);
        CREATE INDEX idx_tasks_title ON tasks (title);
        CREATE INDEX idx_tasks_title_copy ON tasks (title);
        CREATE INDEX idx_tasks_legacy ON tasks (legacy_code);
        """, down: "DROP TABLE tasks;\nDROP TABLE projects;")

    /// A project whose one migration is applied, with rows, and the indexed column dropped by
    /// hand (SQLite needs its index dropped first).
    func applied(_ backend: Backend) throws -> ApplyProject {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_init.sql", Self.schema)
        let up = try p.run("up")
        try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
        try p.connect().execute("""
            INSERT INTO projects VALUES (1, 'a');
            INSERT INTO tasks (id, project_id, title) VALUES (1, 1, 'x'), (2, 1, 'y');
            DROP INDEX idx_tasks_legacy;
            ALTER TABLE tasks DROP COLUMN legacy_code;
            """)
        // On PostgreSQL, statistics taken now: whether the inserts' counters reach the server
        // before the command reads them would be a race (SQLite's missing ones are a finding).
        if backend == .postgres { try p.connect().execute("ANALYZE projects; ANALYZE tasks") }
        return p
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func kinds(_ object: [String: Any]) -> [String] {
        (object["findings"] as? [[String: Any]] ?? []).map { "\($0["kind"] ?? "") \($0["index"] as? String ?? $0["table"] as? String ?? "")" }
    }

    /// Every file of the migrations folder, and what the database holds: what a command that
    /// changes nothing must leave as it was.
    func state(_ p: ApplyProject) throws -> (files: [String], schema: SchemaSnapshot, rows: [String]) {
        let files = try FileManager.default.contentsOfDirectory(atPath: p.project.root.appendingPathComponent("migrations").path).sorted()
        return (files, try SchemaSnapshot.take(of: p.connect()), try p.rows())
    }

    @Test(arguments: Backend.all)
    func analyzeReportsAndExitsZero(_ backend: Backend) throws {
        let p = try applied(backend)
        let text = try p.run("optimize", "--analyze")
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("foreign keys without an index (1) [fk-without-index]"), "\(text.stdout)")
        #expect(text.stdout.contains("CREATE INDEX \(backend == .postgres ? "CONCURRENTLY " : "")idx_tasks_project_id ON tasks (project_id);"))
        #expect(text.stdout.contains("idx_tasks_title_copy on tasks (title) duplicates idx_tasks_title (title)"))
        #expect(text.stdout.contains("migrations/0001_init.sql:13:41: migrations/0001_init.sql creates idx_tasks_legacy"), "\(text.stdout)")
        if backend == .postgres {
            #expect(text.stdout.contains("pg_stat_statements is not installed in this database"))
            let password = try #require(URLComponents(string: p.url)?.password)
            #expect(!text.stdout.contains(password) && !text.stderr.contains(password))
            #expect(text.stdout.contains("postgresql://postgres:***@"))
        } else {
            #expect(text.stdout.contains("missing planner statistics (2) [missing-statistics]"))
        }

        let failing = try p.run("optimize", "--analyze", "--fail-on-findings")
        #expect(failing.status == 1)

        let report = try json(try p.run("optimize", "--analyze", "--json").stdout)
        #expect(report["version"] as? Int == 1)
        #expect(report["dialect"] as? String == (backend == .postgres ? "postgresql" : "sqlite"))
        let expected = backend == .postgres
            ? ["fk-without-index tasks", "redundant-index idx_tasks_title_copy", "unused-index idx_tasks_title",
               "migration-indexed-column-missing idx_tasks_legacy"]
            : ["fk-without-index tasks", "redundant-index idx_tasks_title_copy", "missing-statistics projects",
               "missing-statistics tasks", "migration-indexed-column-missing idx_tasks_legacy"]
        #expect(kinds(report) == expected)
        let drift = try #require((report["findings"] as? [[String: Any]])?.last)
        #expect(drift["file"] as? String == "migrations/0001_init.sql" && drift["line"] as? Int == 13 && drift["column"] as? Int == 41)
    }

    @Test(arguments: Backend.all)
    func writtenMigrationLintsCleanAppliesAndRollsBack(_ backend: Backend) throws {
        let p = try applied(backend)
        let before = try state(p)
        let write = try p.run("optimize", "--write-migration")
        #expect(write.status == 0, "\(write.stdout)\(write.stderr)")
        let name = "0002_optimize_indexes_and_statistics.sql"
        #expect(write.stdout.contains("wrote migrations/\(name)"))
        let text = try p.project.read("migrations/\(name)")
        #expect(text.hasPrefix("-- @name: Optimize indexes and statistics\n"))
        #expect(text.contains("-- @transaction: false") == (backend == .postgres))
        // Writing touched nothing in the database.
        #expect(try SchemaSnapshot.take(of: p.connect()) == before.schema)

        let lint = try p.project.run("lint", "--dialect", backend == .postgres ? "postgresql" : "sqlite")
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(!lint.stdout.contains("0002_"), "\(lint.stdout)")

        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(try p.rows() == ["0001_init applied", "0002_optimize_indexes_and_statistics applied"])
        let after = try json(try p.run("optimize", "--analyze", "--json").stdout)
        let fixable = (after["findings"] as? [[String: Any]] ?? []).filter { finding in
            guard let fix = finding["fix"] as? [String: Any] else { return false }
            return fix["needs_include_drops"] as? Bool != true
        }
        #expect(fixable.isEmpty, "\(kinds(after))")

        let rollback = try p.run("rollback")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(try SchemaSnapshot.take(of: p.connect()) == before.schema)
    }

    @Test(arguments: Backend.all)
    func dryRunChangesNothing(_ backend: Backend) throws {
        let p = try applied(backend)
        let before = try state(p)
        let dry = try p.run("optimize", "--dry-run")
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("1. create-index idx_tasks_project_id [fk-without-index]"), "\(dry.stdout)")
        #expect(dry.stdout.contains("-- the migration it would write:"))
        #expect(dry.stdout.hasSuffix("dry run: nothing changed\n"))
        let after = try state(p)
        #expect(after.files == before.files && after.schema == before.schema && after.rows == before.rows)
    }

    @Test(arguments: Backend.all)
    func applyingNeedsYesWithoutATerminal(_ backend: Backend) throws {
        let p = try applied(backend)
        let before = try state(p)
        let refused = try p.run("optimize")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("optimize refused: applying the plan changes the database, and there is no terminal to confirm on: pass --yes"), "\(refused.stderr)")
        let unchanged = try state(p)
        #expect(unchanged.files == before.files && unchanged.schema == before.schema && unchanged.rows == before.rows)

        let applied = try p.run("optimize", "--yes")
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stdout.contains("[1/1] 0002_optimize_indexes_and_statistics ... ok"), "\(applied.stdout)")
        #expect(applied.stdout.contains("applied 0002_optimize_indexes_and_statistics in"))
        #expect(FileManager.default.fileExists(atPath: p.project.root.appendingPathComponent("migrations/0002_optimize_indexes_and_statistics.sql").path))
        let status = try p.run("status")
        #expect(status.status == 0 && status.stdout.contains("2 migrations: 2 applied"), "\(status.stdout)")
        let indexes = try SchemaSnapshot.take(of: p.connect()).tables["tasks"]?.indexes.keys.sorted() ?? []
        #expect(indexes == ["idx_tasks_project_id", "idx_tasks_title"])
    }

    @Test func onATerminalItAsksFirst() throws {
        let p = try applied(.sqlite)
        let terminal = RollbackCommandTests()
        let declined = try terminal.onTerminal(p, ["optimize"], answer: "n")
        #expect(declined.output.contains("Apply 4 changes to sqlite:"), "\(declined.output)")
        #expect(declined.output.contains("as a new migration? [y/N]"))
        #expect(declined.status == 1)
        #expect(try p.rows() == ["0001_init applied"])
        #expect(!FileManager.default.fileExists(atPath: p.project.root.appendingPathComponent("migrations/0002_optimize_indexes_and_statistics.sql").path))
        let accepted = try terminal.onTerminal(p, ["optimize"], answer: "y")
        #expect(accepted.status == 0, "\(accepted.output)")
        #expect(try p.rows() == ["0001_init applied", "0002_optimize_indexes_and_statistics applied"])
    }

    @Test(arguments: Backend.all)
    func pendingMigrationsRefuseApplying(_ backend: Backend) throws {
        let p = try applied(backend)
        try p.write("migrations/0002_later.sql", Fixtures.migration(up: "CREATE TABLE later (id INT PRIMARY KEY);", down: "DROP TABLE later;"))
        let refused = try p.run("optimize", "--yes")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("optimize refused: 1 migration is not applied as written: 0002_later (pending)"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.project.root.appendingPathComponent("migrations/0003_optimize_indexes_and_statistics.sql").path))
        #expect(try p.rows() == ["0001_init applied"])
    }

    @Test(.enabled(if: Backend.postgresRuns))
    func unusedIndexesAreDroppedOnlyWithIncludeDrops() throws {
        let p = try applied(.postgres)
        let plain = try json(try p.run("optimize", "--dry-run", "--json").stdout)
        let plan = try #require(plain["plan"] as? [String: Any])
        #expect((plan["withheld"] as? [[String: Any]])?.compactMap { $0["index"] as? String } == ["idx_tasks_title"])
        #expect(!(plan["up"] as? [String] ?? []).contains("DROP INDEX CONCURRENTLY IF EXISTS idx_tasks_title;"))
        #expect(plain["outcome"] as? String == "dry-run")

        let withDrops = try json(try p.run("optimize", "--dry-run", "--json", "--include-drops").stdout)
        let dropping = try #require(withDrops["plan"] as? [String: Any])
        #expect((dropping["withheld"] as? [Any])?.isEmpty == true)
        #expect((dropping["up"] as? [String] ?? []).contains("DROP INDEX CONCURRENTLY IF EXISTS idx_tasks_title;"))

        let write = try p.run("optimize", "--write-migration", "--include-drops")
        #expect(write.status == 0, "\(write.stdout)\(write.stderr)")
        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(try SchemaSnapshot.take(of: p.connect()).tables["tasks"]?.indexes.keys.sorted() == ["idx_tasks_project_id"])
    }

    @Test(arguments: Backend.all)
    func cleanDatabaseHasNothingToDo(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_init.sql", Fixtures.migration(up: "CREATE TABLE things (id BIGINT PRIMARY KEY, name TEXT);", down: "DROP TABLE things;"))
        #expect(try p.run("up").status == 0)
        let analyze = try p.run("optimize", "--analyze", "--fail-on-findings")
        #expect(analyze.status == 0, "\(analyze.stdout)\(analyze.stderr)")
        #expect(analyze.stdout.hasSuffix("no findings\n"))
        let apply = try p.run("optimize", "--yes")
        #expect(apply.status == 0)
        #expect(apply.stdout.contains("nothing to optimise (no findings)"))
        #expect(try p.rows() == ["0001_init applied"])
    }

    @Test func statisticsAloneMakeAMigrationWithANoOpDown() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_init.sql", Fixtures.migration(
            up: "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT);\nCREATE INDEX idx_things_name ON things (name);",
            down: "DROP TABLE things;"))
        #expect(try p.run("up").status == 0)
        try p.connect().execute("INSERT INTO things (name) VALUES ('a'), ('b')")
        let write = try p.run("optimize", "--write-migration")
        #expect(write.status == 0, "\(write.stdout)\(write.stderr)")
        let text = try p.project.read("migrations/0002_optimize_indexes_and_statistics.sql")
        #expect(text.contains("-- @performanceImpact: low\n"))
        #expect(text.hasSuffix("-- DOWN MIGRATION\n-- ANALYZE only refreshed the planner's statistics: there is nothing to undo.\nSELECT 1;\n"), "\(text)")
        let lint = try p.project.run("lint")
        #expect(lint.status == 0 && !lint.stdout.contains("0002_"), "\(lint.stdout)")
        #expect(try p.run("up").status == 0)
        #expect(try p.column("SELECT tbl || ' ' || idx FROM sqlite_stat1") == ["things idx_things_name"])
        #expect(try p.run("rollback").status == 0)
    }

    @Test func usageAndConfigurationErrors() throws {
        let p = try Project()
        try p.write("migrations/0001_init.sql", Fixtures.migration(up: "CREATE TABLE t (id INT PRIMARY KEY);", down: "DROP TABLE t;"))
        for arguments in [["--analyze", "--yes"], ["--analyze", "--include-drops"], ["--dry-run", "--write-migration"], ["--fail-on-findings"],
                          ["--seq-scan-min-rows", "-1"]] {
            let outcome = try p.run(["optimize"] + arguments + ["--database", "sqlite:./app.db"])
            #expect(outcome.status == 64, "\(arguments): \(outcome.stderr)")
        }
        let missing = try p.run("optimize", "--analyze", "--database", "sqlite:./nowhere/app.db")
        #expect(missing.status == 2)
        #expect(missing.stderr == "strata: error: no SQLite database at ./nowhere/app.db\n")
        #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("nowhere").path))
    }

    @Test(.enabled(if: Backend.postgresRuns))
    func wrongPasswordIsADatabaseErrorWithoutThePassword() throws {
        let p = try Project()
        try p.write("migrations/0001_init.sql", Fixtures.migration(up: "CREATE TABLE t (id INT PRIMARY KEY);", down: "DROP TABLE t;"))
        var components = try #require(URLComponents(string: try Backend.requireServerURL()))
        components.password = "not-the-Secret-42"
        let outcome = try p.run("optimize", "--analyze", "--database", try #require(components.string))
        #expect(outcome.status == 2)
        #expect(outcome.stderr.hasPrefix("strata: error: "))
        #expect(!outcome.stderr.contains("not-the-Secret-42") && !outcome.stdout.contains("not-the-Secret-42"))
    }
}

extension Project {
    func run(_ args: [String], environment: [String: String] = [:]) throws -> CLI.Outcome {
        try CLI.run(args, in: root, environment: environment)
    }
}
