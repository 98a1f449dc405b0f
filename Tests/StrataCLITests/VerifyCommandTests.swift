import Foundation
import StrataApply
import Testing

@Suite("strata verify")
struct VerifyCommandTests {
    /// The repository's own migrations folder.
    static let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("migrations")

    func copyBundled(into p: ApplyProject) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.bundled.path) where name.hasSuffix(".sql") {
            try p.project.write("migrations/\(name)", try Data(contentsOf: Self.bundled.appendingPathComponent(name)))
        }
    }

    @Test("the bundled migrations/ pass with --all", arguments: Backend.all)
    func bundledMigrationsPass(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try copyBundled(into: p)
        let outcome = try p.run("verify", "--all")
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        let scratch = backend == .sqlite ? "a temporary SQLite database" : "scratch database strata_verify_"
        #expect(outcome.stdout.hasPrefix("verified 5 migrations on \(scratch)"), "\(outcome.stdout)")
        #expect(outcome.stdout.hasSuffix(": 5 passed, 0 failed\n"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains(try #require(URLComponents(string: p.url)?.password ?? "no password")) || backend == .sqlite)
        // Nothing was written to the real database: no tracking table, no tables.
        #expect(try !p.tableExists("users") && p.rows() == [])
    }

    @Test("a DOWN that forgets an index fails the run (exit 1), the index named", arguments: Backend.all)
    func forgottenIndex(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_tasks.sql", Fixtures.migration(up: "CREATE TABLE tasks (id INT PRIMARY KEY, title TEXT NOT NULL);",
                                                                    down: "DROP TABLE tasks;"))
        try p.write("migrations/0002_title_index.sql", Fixtures.migration(up: """
            ALTER TABLE tasks ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX idx_tasks_title ON tasks (title);
            """, down: "ALTER TABLE tasks DROP COLUMN done;", dependencies: "[\"0001_tasks\"]"))
        let outcome = try p.run("verify")
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "migrations/0002_title_index.sql:10:1: error: DOWN leaves index idx_tasks_title on tasks that UP created [down-does-not-reverse-up]",
                "\(outcome.stdout)")
        #expect(lines.dropFirst().first == "  help: make DOWN undo each change of UP, in reverse order")
        #expect(lines.contains { $0.hasPrefix("migrations/0002_title_index.sql:10:1: error: UP fails when run again after DOWN: ") && $0.hasSuffix("[up-not-repeatable]") })
        #expect(lines.last?.hasSuffix(": 1 passed, 1 failed") == true, "\(outcome.stdout)")

        // The lint rule finds it too, without a database.
        let lint = try p.project.run("lint")
        #expect(lint.stdout.contains("migrations/0002_title_index.sql:10:1: warning: DOWN leaves index idx_tasks_title on tasks that UP created [down-does-not-reverse-up]"),
                "\(lint.stdout)")
    }

    @Test("by default only pending migrations are verified; the real database keeps its data", arguments: Backend.all)
    func pendingOnly(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_users.sql", Fixtures.migration(up: "CREATE TABLE users (id INT PRIMARY KEY, email TEXT UNIQUE);",
                                                                    down: "DROP TABLE users;"))
        #expect(try p.run("up").status == 0)
        try p.connect().execute("INSERT INTO users (id, email) VALUES (1, 'real@example.com')")
        try p.write("migrations/0002_seed.sql", Fixtures.migration(up: "INSERT INTO users (id, email) VALUES (2, 'seed@example.com');",
                                                                   down: "SELECT 1;", dependencies: "[\"0001_users\"]"))
        let outcome = try p.runWithEnvironment("verify", "--format", "json")
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["version", "scratch", "summary", "migrations", "diagnostics"])
        #expect(json["summary"] as? [String: Int] == ["migrations": 1, "passed": 0, "failed": 1, "not_verified": 0])
        let migrations = try #require(json["migrations"] as? [[String: String]])
        #expect(migrations == [["id": "0002_seed", "file": "migrations/0002_seed.sql", "status": "failed"]])
        let diagnostic = try #require((json["diagnostics"] as? [[String: Any]])?.first)
        #expect(diagnostic["rule"] as? String == "up-not-repeatable")
        #expect(diagnostic["line"] as? Int == 9 && diagnostic["column"] as? Int == 1 && diagnostic["severity"] as? String == "error")
        #expect(!outcome.stdout.contains("\\/"), "paths are written as they are")
        #expect(try p.column("SELECT email FROM users ORDER BY id") == ["real@example.com"])
        #expect(try p.rows() == ["0001_users applied"])

        let allApplied = try p.run("up")
        #expect(allApplied.status == 0)
        let nothing = try p.run("verify")
        #expect(nothing.status == 0 && nothing.stdout == "nothing to verify: no pending migrations (--all verifies every one)\n")
    }

    @Test func usageAndConfigurationErrors() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        let both = try p.run("verify", "--all", "0001_a")
        #expect(both.status == 64 && both.stderr.contains("give migration ids or --all, not both"), "\(both.stderr)")
        let unknown = try p.run("verify", "0009_nope")
        #expect(unknown.status == 64 && unknown.stderr == "strata: error: no migration '0009_nope' in migrations\n", "\(unknown.stderr)")
        let byFile = try p.run("verify", "migrations/0001_a.sql")
        #expect(byFile.status == 0 && byFile.stdout.hasSuffix("verified 1 migration on a temporary SQLite database: 1 passed, 0 failed\n"), "\(byFile.stdout)")
        let plain = try p.run("verify", "--all", "--layout", "plain")
        #expect(plain.status == 2 && plain.stderr == "strata: error: strata verify runs DOWN sections, and the plain layout has none\n", "\(plain.stderr)")
        let badFormat = try p.run("verify", "--format", "sarif")
        #expect(badFormat.status == 64)
        #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("data").path), "no real SQLite file is created")
    }

    @Test("Ctrl-C drops the scratch database", .enabled(if: Backend.postgresRuns, "no PostgreSQL (run through `make test`)"))
    func interruptedRunDropsTheScratch() throws {
        let p = try ApplyProject(.postgres)
        let marker = "slow_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        try p.write("migrations/0001_slow.sql", Fixtures.migration(up: "CREATE TABLE \(marker) (id INT);\nSELECT pg_sleep(30);",
                                                                   down: "DROP TABLE \(marker);"))
        let server = try DatabaseConnector.connect(DatabaseURL(try Backend.requireServerURL()))
        let running = try p.start(["verify", "--all"])
        // The scratch database is the one where this run's statement sleeps.
        var scratch: String?
        #expect(try eventually(20) {
            scratch = try server.query("SELECT datname FROM pg_stat_activity WHERE query LIKE $1 AND datname LIKE 'strata%'",
                                       [.text("%\(marker)%")]).first?.first?.text
            return scratch != nil
        }, "the scratch database appears")
        kill(running.process.processIdentifier, SIGINT)
        let outcome = running.wait()
        #expect(outcome.status == 130, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("strata: interrupted; scratch dropped"), "\(outcome.stderr)")
        let left = try server.query("SELECT count(*) FROM pg_database WHERE datname = $1", [.text(scratch ?? "")])
        #expect(scratch?.hasPrefix("strata_verify_") == true && left.first?.first == .integer(0))
    }

    @Test(.enabled(if: Backend.postgresRuns, "no PostgreSQL (run through `make test`)"))
    func unreachableServerIsADatabaseError() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        var components = try #require(URLComponents(string: try Backend.requireServerURL()))
        components.password = "wrong-secret-password"
        let outcome = try p.run("verify", "--all", "--database", try #require(components.string))
        #expect(outcome.status == 2, "\(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("strata: error: cannot connect to postgresql://"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("wrong-secret-password") && !outcome.stdout.contains("wrong-secret-password"))
    }
}
