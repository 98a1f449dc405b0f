import Foundation
import Testing

@Suite("strata lint")
struct LintCommandTests {
    /// A project whose second migration adds an unindexed foreign key and whose third drops a
    /// table while claiming to be rollback-safe.
    func projectWithFindings() throws -> Project {
        let p = try Project()
        try p.write("migrations/0001_users.sql", Fixtures.migration(up: "CREATE TABLE users (id INTEGER PRIMARY KEY);", down: "DROP TABLE users;"))
        try p.write("migrations/0002_posts.sql", Fixtures.migration(
            up: "CREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  author_id INTEGER REFERENCES users (id)\n);",
            down: "DROP TABLE posts;", dependencies: "[\"0001_users\"]"))
        try p.write("migrations/0003_cleanup.sql", Fixtures.migration(up: "DROP TABLE users;", down: "SELECT 1;", dependencies: "[\"0002_posts\"]"))
        return p
    }

    @Test func cleanFolderExitsZero() throws {
        let p = try Project()
        try p.write("migrations/0001_users.sql", Fixtures.migration(up: "CREATE TABLE users (id INTEGER PRIMARY KEY);", down: "DROP TABLE users;"))
        let outcome = try p.run("lint")
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout == "1 file linted: no problems\n")
        #expect(outcome.stderr.isEmpty)
    }

    @Test func textReportAndExitOne() throws {
        let p = try projectWithFindings()
        let outcome = try p.run("lint", "migrations")
        #expect(outcome.status == 1)
        #expect(outcome.stdout == """
            migrations/0002_posts.sql:11:3: warning: foreign key column author_id of posts is not the leading column of any index [unindexed-column]
              help: add `CREATE INDEX posts_author_id_idx ON posts (author_id);`
            migrations/0003_cleanup.sql:9:1: error: DROP TABLE users in a migration marked @rollbackSafe: true [destructive-in-rollback-safe]
              help: mark the file `@rollbackSafe: false`, or move the destructive step to its own migration
            3 files linted: 1 error, 1 warning

            """)
    }

    @Test func jsonShapeAndPaths() throws {
        let p = try projectWithFindings()
        let outcome = try p.run("lint", "--format", "json", "./migrations/")
        #expect(outcome.status == 1)
        #expect(outcome.stdout.hasPrefix("{\"version\":1,\"summary\":{\"files\":3,\"errors\":1,\"warnings\":1},\"diagnostics\":[{\"file\":\"./migrations/0002_posts.sql\",\"line\":11,\"column\":3,\"severity\":\"warning\",\"rule\":\"unindexed-column\","))
        let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        let diagnostics = json?["diagnostics"] as? [[String: Any]]
        #expect(diagnostics?.count == 2)
        #expect(Set(diagnostics?.first?.keys.map { $0 } ?? []) == ["file", "line", "column", "severity", "rule", "message", "help"])
    }

    @Test func singleFileKeepsThePathAsGiven() throws {
        let p = try projectWithFindings()
        let outcome = try p.run("lint", "--format", "json", "migrations/0003_cleanup.sql")
        #expect(outcome.stdout.contains("\"file\":\"migrations/0003_cleanup.sql\""))
        #expect(outcome.status == 1)
    }

    @Test func githubAndSarifFormats() throws {
        let p = try projectWithFindings()
        let github = try p.run("lint", "--format", "github")
        #expect(github.stdout.contains("::error file=migrations/0003_cleanup.sql,line=9,col=1,title=destructive-in-rollback-safe::DROP TABLE users"))
        let sarif = try p.run("lint", "--format", "sarif")
        let json = try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any]
        #expect(json?["version"] as? String == "2.1.0")
        #expect(sarif.status == 1)
    }

    @Test func maxWarnings() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (a_id INT REFERENCES a (id));\n")
        #expect(try p.run("lint", "--layout", "plain").status == 0)
        #expect(try p.run("lint", "--layout", "plain", "--max-warnings", "1").status == 0)
        #expect(try p.run("lint", "--layout", "plain", "--max-warnings", "0").status == 1)
        #expect(try p.run("lint", "--layout", "plain", "--max-warnings", "-1").status == 64)
        // --fail-on warning: any warning fails; error (the default) does not.
        #expect(try p.run("lint", "--layout", "plain", "--fail-on", "error").status == 0)
        let failed = try p.run("lint", "--layout", "plain", "--fail-on", "warning")
        #expect(failed.status == 1 && failed.stdout.contains("[unindexed-column]"))
        #expect(try p.run("lint", "--layout", "plain", "--fail-on", "note").status == 64)
        #expect(try CLI.run(["lint", "migrations/0001_a.sql", "--layout", "plain", "--fail-on", "warning"], in: p.root).status == 1)
        // The preset raises every rule to error.
        try p.write("strata.yml", "preset: strict\n")
        #expect(try p.run("lint", "--layout", "plain").status == 1)
        try p.write("strata.yml", "preset: strict\nrules:\n  unindexed-column: warning\n")
        #expect(try p.run("lint", "--layout", "plain").status == 0)
    }

    @Test func configurationTurnsRulesOffAndPointsAtTheFolder() throws {
        let p = try projectWithFindings()
        try p.write("strata.yml", "migrations: migrations\nrules:\n  destructive-in-rollback-safe: warning\n  unindexed-column: off\n")
        try FileManager.default.createDirectory(at: p.root.appendingPathComponent("sub/dir"), withIntermediateDirectories: true)
        let outcome = try CLI.run(["lint"], in: p.root.appendingPathComponent("sub/dir"))
        #expect(outcome.status == 0, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("warning: DROP TABLE users"))
        #expect(!outcome.stdout.contains("unindexed-column"))
    }

    @Test func errorsAreMessagesWithExitTwo() throws {
        let p = try Project()
        let missing = try p.run("lint", "nowhere/")
        #expect(missing.status == 2)
        #expect(missing.stderr == "strata: error: nowhere/: no such file or directory\n")
        #expect(missing.stdout.isEmpty)

        let noFolder = try p.run("lint")
        #expect(noFolder.status == 2)
        #expect(noFolder.stderr.contains("no migrations folder found (looked for migrations/, db/migrations/"))
        try p.write("strata.yml", "migrations: db/changes\n")
        let configuredFolder = try p.run("lint")
        #expect(configuredFolder.status == 2)
        #expect(configuredFolder.stderr.contains("db/changes: no such folder; pass the files or folders to lint"))
        try FileManager.default.removeItem(at: p.root.appendingPathComponent("strata.yml"))

        let missingFile = try p.run("lint", "gone.sql")
        #expect(missingFile.status == 2)
        #expect(missingFile.stderr == "strata: error: gone.sql: no such file or directory\n")

        try FileManager.default.createDirectory(at: p.root.appendingPathComponent("odd.sql"), withIntermediateDirectories: true)
        let folderNamedSQL = try p.run("lint", "odd.sql")
        #expect(folderNamedSQL.status == 2)
        #expect(folderNamedSQL.stderr.contains("odd.sql: is a folder; name it with a trailing / to lint the files in it"))
        #expect(try p.run("lint", "odd.sql/").status == 0)

        try p.write("strata.yml", "rules:\n  no-such-rule: off\n")
        let badConfig = try p.run("lint")
        #expect(badConfig.status == 2)
        #expect(badConfig.stderr.contains("strata.yml:2:3: unknown rule 'no-such-rule'"), "\(badConfig.stderr)")

        let noConfig = try p.run("lint", "--config", "missing.yml")
        #expect(noConfig.status == 2)
        #expect(noConfig.stderr.contains("missing.yml: no such configuration file"))

        for outcome in [missing, badConfig, noConfig] {
            #expect(!outcome.stderr.contains("Fatal error") && !outcome.stderr.contains("Stack"))
        }
    }

    @Test func usageErrorsExitSixtyFour() throws {
        let p = try Project()
        #expect(try p.run("lint", "--no-such-flag").status == 64)
        #expect(try p.run("lint", "--dialect", "oracle").status == 64)
        #expect(try p.run("lint", "--format", "xml").status == 64)
        #expect(try p.run("frobnicate").status == 64)
    }

    @Test func binaryAndUnterminatedFilesAreParseErrors() throws {
        let p = try Project()
        try p.write("sql/garbage.sql", Data([0x53, 0x45, 0x4C, 0x0A, 0x00, 0xFF, 0xD8, 0x01]))
        try p.write("sql/open.sql", "SELECT 1;\nINSERT INTO t VALUES ('never closed);\n")
        let outcome = try p.run("lint", "--layout", "plain", "sql")
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("sql/garbage.sql:2:1: error: file is not text: NUL byte at byte 4 [parse-error]"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("sql/open.sql:2:23: error: unterminated string literal [parse-error]"))
    }

    @Test func namesThatAreNotUTF8AreReadAndShown() throws {
        let p = try Project()
        let folder = p.root.appendingPathComponent("sql").path
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        // Names are bytes on Linux: write them through the C API, which takes raw bytes.
        func create(_ relative: [UInt8], _ text: String) {
            let path = Array(folder.utf8) + [UInt8(ascii: "/")] + relative + [0]
            let fd = path.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644) }
            #expect(fd >= 0)
            _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        create(Array("0001_caf".utf8) + [0xE9] + Array(".sql".utf8), "SELECT 'open;\n")
        create(Array("sub/0002_ok".utf8) + [0xFF] + Array(".sql".utf8), "SELECT 1;\n")
        let outcome = try p.run("lint", "--layout", "plain", "sql")
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("sql/0001_caf\u{FFFD}.sql:1:8: error: unterminated string literal [parse-error]"), "\(outcome.stdout)")
        #expect(outcome.stdout.hasSuffix("2 files linted: 1 error\n"))
    }

    @Test func dialectFollowsDatabaseURL() throws {
        let p = try Project()
        try p.write("sql/f.sql", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n")
        // SQLite has no dollar quotes (and no CREATE FUNCTION, which sqlite-pg-only-syntax says).
        let sqlite = try p.run("lint", "--layout", "plain", "sql", environment: ["DATABASE_URL": "sqlite:./app.db"])
        #expect(!sqlite.stdout.contains("parse-error") && sqlite.stdout.contains("[sqlite-pg-only-syntax]"), "\(sqlite.stdout)")
        // With nothing set, the `$$` in the file shows PostgreSQL.
        let inferred = try p.run("lint", "--layout", "plain", "sql")
        #expect(inferred.stdout.contains("unterminated dollar-quoted string"), "\(inferred.stdout)")
        let url = "postgresql://deploy:s3cr3t-pw@db.internal:5432/app"
        let pg = try p.run("lint", "--layout", "plain", "sql", environment: ["DATABASE_URL": url])
        #expect(pg.status == 1)
        #expect(pg.stdout.contains("unterminated dollar-quoted string"))
        #expect(!pg.stdout.contains("s3cr3t") && !pg.stderr.contains("s3cr3t"))
        let flag = try p.run("lint", "--layout", "plain", "--dialect", "sqlite", "sql", environment: ["DATABASE_URL": url])
        #expect(!flag.stdout.contains("parse-error") && flag.stdout.contains("[sqlite-pg-only-syntax]"), "--dialect wins over DATABASE_URL")
        try p.write("strata.yml", "dialect: sqlite\n")
        let config = try p.run("lint", "--layout", "plain", "sql", environment: ["DATABASE_URL": url])
        #expect(!config.stdout.contains("parse-error") && config.stdout.contains("[sqlite-pg-only-syntax]"), "strata.yml wins over DATABASE_URL")
    }

    @Test func aFileNamedTwiceIsLintedOnce() throws {
        let p = try projectWithFindings()
        let outcome = try p.run("lint", "--format", "json", "migrations/0002_posts.sql", "migrations")
        #expect(outcome.stdout.contains("\"summary\":{\"files\":3,\"errors\":1,\"warnings\":1}"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("duplicate-migration-number"))
    }

    @Test func suppressionsWork() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: """
            CREATE TABLE a (id INT PRIMARY KEY);
            -- strata:ignore destructive-in-rollback-safe old table, backed up in ticket OPS-12
            DROP TABLE legacy;
            -- strata:ignore missing-dwon
            SELECT 1;
            """))
        let outcome = try p.run("lint")
        #expect(outcome.status == 0, "\(outcome.stdout)")
        #expect(outcome.stdout.contains("0001_a.sql:12:18: warning: unknown rule 'missing-dwon' in suppression; did you mean 'missing-down'? [unused-ignore]"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("DROP TABLE legacy"))
    }
}

@Suite("strata lint with many paths")
struct ManyPathsTests {
    @Test func manyPathsGiveTheSameResultAsAFolder() throws {
        let p = try Project()
        for i in 0..<80 {
            try p.write(String(format: "sql/f%03d.sql", i), "CREATE TABLE t\(i) (id INT PRIMARY KEY, u INT REFERENCES users (id));\n")
        }
        try p.write("sql/-odd name.sql", "SELECT 'x;\n")
        let names = (0..<80).map { String(format: "sql/f%03d.sql", $0) }
        let byName = try CLI.run(["lint", "--layout", "plain", "--format", "json"] + names + ["--", "sql/-odd name.sql"], in: p.root)
        let byFolder = try CLI.run(["lint", "--format", "json", "--layout", "plain", "sql"], in: p.root)
        #expect(byName.status == 1 && byFolder.status == 1)
        #expect(byName.stdout == byFolder.stdout)
        #expect(byName.stdout.contains("\"files\":81"))
        // Options after the paths still count (80 files, two warnings each: unindexed-column and
        // missing-lock-timeout for the lock on users), and bad options are still usage errors.
        let late = try CLI.run(["lint"] + names + ["--layout", "plain", "--max-warnings", "200", "--dialect", "postgresql"], in: p.root)
        #expect(late.status == 0, "\(late.stdout)")
        #expect(try CLI.run(["lint"] + names + ["--bogus"], in: p.root).status == 64)
    }
}
