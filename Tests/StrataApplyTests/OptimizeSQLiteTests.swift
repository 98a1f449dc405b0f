import Foundation
import StrataApply
import StrataCore
import Testing

/// `OptimizeAnalyzer` and `OptimizePlan` on a real SQLite file with known defects, each made
/// the way it happens in a project: by a migration, or by hand on the database afterwards.
@Suite("Optimize on SQLite")
struct OptimizeSQLiteTests {
    /// The migration that builds the schema: defects and clean objects side by side.
    static let schema = migration("0001_init", up: """
        CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE tasks (id INTEGER PRIMARY KEY, project_id INTEGER REFERENCES projects (id), status TEXT, title TEXT, legacy_code TEXT);
        CREATE INDEX idx_tasks_status ON tasks (status);
        CREATE INDEX idx_tasks_status_title ON tasks (status, title);
        CREATE INDEX idx_tasks_title ON tasks (title);
        CREATE INDEX idx_tasks_title_copy ON tasks (title);
        CREATE INDEX idx_tasks_legacy ON tasks (legacy_code);
        CREATE TABLE comments (id INTEGER PRIMARY KEY, task_id INTEGER REFERENCES tasks (id), body TEXT);
        CREATE INDEX idx_comments_task_id ON comments (task_id);
        CREATE TABLE events (kind TEXT, payload TEXT);
        CREATE TABLE teams (code TEXT PRIMARY KEY COLLATE NOCASE, name TEXT);
        CREATE TABLE members (id INTEGER PRIMARY KEY, team_code TEXT REFERENCES teams (code));
        CREATE INDEX idx_members_team_code ON members (team_code);
        CREATE TABLE accounts (id INTEGER PRIMARY KEY);
        CREATE TABLE sessions (id INTEGER PRIMARY KEY, account_id TEXT REFERENCES accounts (id));
        CREATE INDEX idx_sessions_account_id ON sessions (account_id);
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
        CREATE INDEX idx_users_email_nocase ON users (email COLLATE NOCASE);
        """, down: "DROP TABLE users;\nDROP TABLE sessions;\nDROP TABLE accounts;\nDROP TABLE members;\nDROP TABLE teams;\nDROP TABLE events;\nDROP TABLE comments;\nDROP TABLE tasks;\nDROP TABLE projects;")

    /// A database built by `schema`, filled, analysed, then changed by hand: the indexed
    /// column dropped, a table and an index added after the ANALYZE.
    static func defectiveDatabase() throws -> (ScratchDatabase, Applier, [MigrationFile]) {
        let scratch = try ScratchDatabase(.sqlite)
        let files = MigrationCatalog.parse([schema], layout: .strata, dialect: .sqlite)
        let applier = try scratch.applier([schema])
        _ = try applier.up(try #require(try applier.plan().success))
        let db = applier.database
        try db.execute("""
            INSERT INTO projects (name) VALUES ('a'), ('b');
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
            INSERT INTO tasks (project_id, status, title) SELECT 1 + i % 2, 's' || (i % 4), 't' || i FROM n;
            INSERT INTO comments (task_id, body) SELECT id, 'c' FROM tasks;
            INSERT INTO events VALUES ('k', 'p');
            INSERT INTO teams VALUES ('red', 'Red');
            INSERT INTO members (team_code) VALUES ('red');
            INSERT INTO accounts (id) VALUES (1);
            INSERT INTO sessions (account_id) VALUES ('1');
            INSERT INTO users (email) VALUES ('a@example.com');
            ANALYZE;
            DROP INDEX idx_tasks_legacy;
            ALTER TABLE tasks DROP COLUMN legacy_code;
            CREATE TABLE labels (id INTEGER PRIMARY KEY, name TEXT);
            CREATE INDEX idx_labels_name ON labels (name);
            INSERT INTO labels (name) VALUES ('x'), ('y');
            CREATE INDEX idx_comments_body ON comments (body);
            """)
        return (scratch, applier, files)
    }

    static func analyze(_ applier: Applier, _ files: [MigrationFile]) throws -> OptimizeReport {
        try OptimizeAnalyzer(database: applier.database, migrations: files, applied: ["0001_init"]).analyze()
    }

    /// `kind subject` of each finding, the subject being the index, else the table and columns.
    static func described(_ report: OptimizeReport) -> [String] {
        report.findings.map { finding in
            "\(finding.kind.rawValue) \(finding.index ?? (finding.table ?? "") + (finding.columns.isEmpty ? "" : "(\(finding.columns.joined(separator: ",")))"))"
        }
    }

    @Test("finds exactly the defects built in, and nothing about the clean objects")
    func findsTheDefects() throws {
        let (scratch, applier, files) = try Self.defectiveDatabase()
        defer { _ = scratch }
        let report = try Self.analyze(applier, files)
        #expect(Self.described(report) == [
            "fk-without-index tasks(project_id)",
            "fk-collation-mismatch idx_members_team_code",
            "fk-affinity-mismatch sessions(account_id)",
            "redundant-index idx_tasks_status",
            "redundant-index idx_tasks_title_copy",
            "index-collation-mismatch idx_users_email_nocase",
            "table-without-primary-key events",
            "missing-statistics labels",
            "optimize-suggests-analyze comments",
            "migration-indexed-column-missing idx_tasks_legacy",
        ])
        let missing = try #require(report.findings.first { $0.kind == .indexedColumnMissing })
        #expect(missing.location == OptimizeFinding.Location(file: "migrations/0001_init.sql", line: 10, column: 41))
        #expect(missing.columns == ["legacy_code"])
        let duplicate = try #require(report.findings.first { $0.index == "idx_tasks_title_copy" })
        #expect(duplicate.details["redundant_to"] == "idx_tasks_title" && duplicate.details["relation"] == "duplicate")
        let prefix = try #require(report.findings.first { $0.index == "idx_tasks_status" })
        #expect(prefix.details["redundant_to"] == "idx_tasks_status_title" && prefix.details["relation"] == "prefix")
        let suggested = try #require(report.findings.first { $0.kind == .analyzeSuggested })
        #expect(suggested.details["indexes_without_statistics"] == "idx_comments_body")
        // The analysis wrote nothing: no new statistics, no new objects.
        #expect(try applier.database.query("SELECT count(*) FROM sqlite_stat1 WHERE tbl IN ('labels')").first?.first == .integer(0))
    }

    @Test("a collation or affinity mismatch is reported only where SQLite's planner cannot use the index")
    func mismatchesAreReal() throws {
        let (scratch, applier, files) = try Self.defectiveDatabase()
        defer { _ = scratch }
        let db = applier.database
        let plan = { (sql: String) throws -> String in
            try db.query("EXPLAIN QUERY PLAN " + sql, [.text("x")]).compactMap { $0.last?.text }.joined(separator: "; ")
        }
        // The NOCASE index serves only comparisons that say NOCASE.
        #expect(!(try plan("SELECT * FROM users WHERE email = ?1")).contains("idx_users_email_nocase"))
        #expect(try plan("SELECT * FROM users WHERE email = ?1 COLLATE NOCASE").contains("idx_users_email_nocase"))
        let report = try Self.analyze(applier, files)
        let collation = try #require(report.findings.first { $0.kind == .foreignKeyCollationMismatch })
        #expect(collation.fix?.up == "CREATE INDEX idx_members_team_code_2 ON members (team_code COLLATE NOCASE)")
        let affinity = try #require(report.findings.first { $0.kind == .foreignKeyAffinityMismatch })
        #expect(affinity.details["child_affinity"] == "TEXT" && affinity.details["parent_affinity"] == "INTEGER")
        #expect(affinity.details["index_usable"] == "false" && affinity.fix == nil)
        // The fix for the collation mismatch makes deleting a team use an index: with it, the
        // analysis no longer reports the key.
        try db.execute(try #require(collation.fix?.up))
        #expect(!Self.described(try Self.analyze(applier, files)).contains { $0.hasPrefix("fk-collation-mismatch") })
    }

    @Test("the plan: foreign-key index, redundant drops, ANALYZE; its migration's DOWN undoes its UP")
    func planAndMigration() throws {
        let (scratch, applier, files) = try Self.defectiveDatabase()
        defer { _ = scratch }
        let report = try Self.analyze(applier, files)
        let plan = OptimizePlan(report, includeDrops: false)
        #expect(plan.up == [
            "CREATE INDEX idx_tasks_project_id ON tasks (project_id)",
            "CREATE INDEX idx_members_team_code_2 ON members (team_code COLLATE NOCASE)",
            "DROP INDEX IF EXISTS idx_tasks_status",
            "DROP INDEX IF EXISTS idx_tasks_title_copy",
            "ANALYZE labels",
            "ANALYZE comments",
            "ANALYZE tasks",
            "ANALYZE members",
        ])
        #expect(plan.down == [
            "CREATE INDEX idx_tasks_title_copy ON tasks (title)",
            "CREATE INDEX idx_tasks_status ON tasks (status)",
            "DROP INDEX IF EXISTS idx_members_team_code_2",
            "DROP INDEX IF EXISTS idx_tasks_project_id",
        ])
        #expect(plan.transactional)
        let text = OptimizeMigrationWriter.contents(plan, now: Date(timeIntervalSince1970: 0))
        #expect(text.contains("-- @timestamp: 1970-01-01T00:00:00Z\n"))
        #expect(!text.contains("@transaction"))
        // UP then DOWN on the database leaves the indexes as they were.
        let before = try SchemaSnapshot.take(of: applier.database)
        for statement in plan.up { try applier.database.execute(statement) }
        let after = try Self.analyze(applier, files)
        #expect(!after.findings.contains { $0.fix != nil }, "\(Self.described(after))")
        for statement in plan.down { try applier.database.execute(statement) }
        #expect(try SchemaSnapshot.take(of: applier.database) == before)
    }

    @Test("new index names are quoted when they must be and never collide with a name in use")
    func indexNames() throws {
        let scratch = try ScratchDatabase(.sqlite)
        let db = try scratch.connect()
        try db.execute("""
            CREATE TABLE "Order" (id INTEGER PRIMARY KEY);
            CREATE TABLE "line item" (id INTEGER PRIMARY KEY, "Order" INTEGER REFERENCES "Order" (id), "select" INTEGER REFERENCES "Order" (id));
            CREATE TABLE idx_line_item_select (x INTEGER PRIMARY KEY);
            """)
        let report = try OptimizeAnalyzer(database: db, migrations: [], applied: []).analyze()
        let creates = report.findings.compactMap(\.fix).filter { $0.kind == .createIndex }.map(\.up)
        #expect(creates == [
            "CREATE INDEX idx_line_item_order ON \"line item\" (\"Order\")",
            "CREATE INDEX idx_line_item_select_2 ON \"line item\" (\"select\")",
        ])
        for statement in creates { try db.execute(statement) }
        #expect(try OptimizeAnalyzer(database: db, migrations: [], applied: []).analyze().findings.isEmpty)
    }

    @Test("a clean database has no findings and an empty plan")
    func cleanDatabase() throws {
        let scratch = try ScratchDatabase(.sqlite)
        let db = try scratch.connect()
        try db.execute("""
            CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            CREATE TABLE tasks (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects (id));
            CREATE INDEX idx_tasks_project_id ON tasks (project_id);
            INSERT INTO projects (name) VALUES ('a');
            INSERT INTO tasks (project_id) VALUES (1);
            ANALYZE;
            """)
        let report = try OptimizeAnalyzer(database: db, migrations: [], applied: []).analyze()
        #expect(report.findings.isEmpty, "\(Self.described(report))")
        #expect(OptimizePlan(report, includeDrops: true).isEmpty)
        #expect(report.summary == "no findings")
    }
}
