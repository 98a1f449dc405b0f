import Foundation
import StrataApply
import Testing

@Suite("strata status, up, repair, deploy")
struct ApplyCommandTests {
    @Test(arguments: Backend.all)
    func statusExitCodesAndJSON(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", Fixtures.migration(name: "First", up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"))
        let fresh = try p.run("status")
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.hasSuffix("2 migrations: 2 pending\n"), "\(fresh.stdout)")
        #expect(try p.run("up").status == 0)
        let clean = try p.runWithEnvironment("status")
        #expect(clean.status == 0)
        #expect(clean.stdout.contains("0001_a      applied"), "\(clean.stdout)")
        #expect(clean.stdout.hasSuffix("2 migrations: 2 applied\n"))

        try p.write("migrations/0001_a.sql", Fixtures.migration(name: "First", up: "CREATE TABLE a (x INT, y INT);", down: "DROP TABLE a;"))
        try p.remove("migrations/0002_b.sql")
        try p.write("migrations/0003_c.sql", Fixtures.migration(up: "CREATE TABLE c (x INT);", down: "DROP TABLE c;"))
        let drifted = try p.run("status", "--format", "json")
        #expect(drifted.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(drifted.stdout.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["version", "database", "migrations", "summary", "slow_ms"])
        #expect(json["slow_ms"] as? Int == 5000)
        #expect((json["database"] as? String)?.contains(":***@") == (backend == .postgres))
        // Slashes as written (the URL and path have several), not escaped as `\/`.
        let database = try #require(json["database"] as? String)
        #expect(database.contains("/") && drifted.stdout.contains("\"\(database)\""), "\(drifted.stdout)")
        #expect(!drifted.stdout.contains("\\/"), "\(drifted.stdout)")
        #expect(json["summary"] as? [String: Int] == ["applied": 0, "pending": 1, "failed": 0, "changed": 1, "missing": 1])
        let items = try #require(json["migrations"] as? [[String: Any]])
        #expect(items.map { $0["id"] as? String } == ["0001_a", "0003_c", "0002_b"])
        #expect(items.map { $0["state"] as? String } == ["changed", "pending", "missing"])
        #expect(items[0]["name"] as? String == "First")
        #expect(Set(items[0].keys) == ["id", "name", "state", "applied_at", "execution_ms", "slow", "not_sql"])
        #expect(items[0]["not_sql"] is NSNull, "an SQL migration")
        #expect(items[0]["slow"] as? Bool == false)
        #expect(items[0]["applied_at"] is String && items[0]["execution_ms"] is NSNumber)
        #expect(items[1]["applied_at"] is NSNull && items[1]["execution_ms"] is NSNull)
    }

    @Test(arguments: Backend.all)
    func failedStatusRepairAndUpRefusal(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_nt.sql", "-- @transaction: false\n" + Fixtures.migration(up: "CREATE TABLE one (x INT);\nINSERT INTO two VALUES (1);", down: "DROP TABLE one;"))
        let failed = try p.run("up")
        #expect(failed.status == 2)
        #expect(failed.stderr.contains("0001_nt failed"), "\(failed.stderr)")
        #expect(try p.rows() == ["0001_nt failed"])
        let status = try p.run("status")
        #expect(status.status == 1)
        #expect(status.stdout.contains("1 failed"))
        let refused = try p.run("up")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("up refused, nothing applied") && refused.stderr.contains("strata repair 0001_nt"), "\(refused.stderr)")
        #expect(try p.run("repair", "0001_nt").status == 64)
        let retry = try p.run("repair", "0001_nt", "--retry")
        #expect(retry.status == 0, "\(retry.stderr)")
        // What it found and checked, then what it did.
        let lines = retry.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(retry.stdout)")
        // PostgreSQL places the error on the missing table; SQLite says which statement failed.
        #expect(lines.first?.hasPrefix("found: migrations/0001_nt.sql:11:\(backend == .postgres ? 13 : 1): 0001_nt failed: ") == true && lines.first?.contains("two") == true, "\(lines)")
        #expect(lines.dropFirst().first == "  statement: INSERT INTO two VALUES (1)")
        #expect(lines.dropFirst(2).first?.wholeMatch(of: /checked: migrations\/0001_nt\.sql is unchanged since it failed \(checksum [0-9a-f]{12}\)/) != nil, "\(lines)")
        #expect(lines.last == "0001_nt's failed row removed; `strata up` will run it again")
        #expect(try p.rows() == [])
        // No failed row left: repair refuses, saying why, and changes nothing.
        let again = try p.run("repair", "0001_nt", "--retry")
        #expect(again.status == 1)
        #expect(again.stderr == "strata: error: 0001_nt has no tracking row, so there is nothing to repair: it is pending (its file has not been applied)\n", "\(again.stderr)")
        let unknown = try p.run("repair", "0042_nope", "--applied")
        #expect(unknown.status == 1 && unknown.stderr.contains("no migration file has that id either"), "\(unknown.stderr)")
        #expect(try p.rows() == [])
        #expect(try p.run("up").status == 2)
        let applied = try p.run("repair", "0001_nt", "--applied")
        let checksum = Checksum.of(Array(try p.project.read("migrations/0001_nt.sql").utf8)).prefix(12)
        #expect(applied.status == 0 && applied.stdout.hasSuffix(" is unchanged since it failed (checksum \(checksum))\n0001_nt marked applied\n"),
                "\(applied.stdout)")
        #expect(try p.run("status").status == 0)
        #expect(try p.run("up").stdout.hasSuffix("nothing to apply: the database is up to date\n"))
    }

    @Test(arguments: Backend.all)
    func targetProgressLinesAndDryRun(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        for n in 1...3 {
            try p.write("migrations/000\(n)_t\(n).sql", Fixtures.migration(up: "CREATE TABLE t\(n) (x INT);", down: "DROP TABLE t\(n);"))
        }
        let dry = try p.run("up", "--dry-run")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would apply 3 migrations:"))
        #expect(dry.stdout.contains("-- 0002_t2 (migrations/0002_t2.sql, in a transaction)\nCREATE TABLE t2 (x INT);"), "\(dry.stdout)")
        switch backend {
        case .sqlite:
            #expect(!FileManager.default.fileExists(atPath: p.sqlitePath))
            #expect(!FileManager.default.fileExists(atPath: p.project.root.appendingPathComponent("data").path))
        case .postgres:
            #expect(try p.column("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == ["0"])
        }
        #expect(try p.run("status").status == 0)
        if backend == .sqlite { #expect(!FileManager.default.fileExists(atPath: p.sqlitePath)) }

        let up = try p.run("up", "--target", "0002_t2")
        #expect(up.status == 0, "\(up.stderr)")
        let lines = up.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(up.stdout)")
        #expect(lines.first?.hasPrefix("database: ") == true)
        #expect(lines[1].wholeMatch(of: /\[1\/2\] 0001_t1 \.\.\. ok \d+ ms/) != nil, "\(lines[1])")
        #expect(lines[2].wholeMatch(of: /\[2\/2\] 0002_t2 \.\.\. ok \d+ ms/) != nil, "\(lines[2])")
        #expect(lines[3].wholeMatch(of: /applied 2 migrations in \d+ ms/) != nil, "\(lines[3])")
        #expect(try p.rows() == ["0001_t1 applied", "0002_t2 applied"])
        #expect(try !p.tableExists("t3"))
        #expect(try p.run("up", "--target", "0009_none").status == 1)
        let rest = try p.run("up", "--dry-run")
        #expect(rest.stdout.contains("would apply 1 migration:") && !rest.stdout.contains("0002_t2"))
        #expect(try p.run("up").stdout.contains("[1/1] 0003_t3 ... ok "))
    }

    @Test(arguments: Backend.all)
    func singleTransactionAllOrNothingAndItsRefusal(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"))
        try p.write("migrations/0003_c.sql", Fixtures.migration(up: "CREATE TABLE c (x INT);\nINSERT INTO c (nope) VALUES (1);", down: "DROP TABLE c;"))
        let failed = try p.run("up", "--single-transaction")
        #expect(failed.status == 2)
        #expect(failed.stderr.contains("0003_c failed"), "\(failed.stderr)")
        #expect(try p.rows() == [])
        for table in ["a", "b", "c"] { #expect(try !p.tableExists(table)) }

        try p.write("migrations/0003_c.sql", "-- @transaction: false\n" + Fixtures.migration(up: "CREATE TABLE c (x INT);", down: "DROP TABLE c;"))
        let refused = try p.run("up", "--single-transaction")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("0003_c cannot run in a transaction (@transaction: false): --single-transaction refused"), "\(refused.stderr)")
        #expect(try p.rows() == [])
        #expect(try !p.tableExists("a"))
    }

    /// `up` refuses exactly when `strata lint` finds errors, with strata.yml's severities:
    /// a warning rule raised to error stops it, and so does an unused suppression when
    /// `unused-ignore` is raised (the suppressed rule is a warning, yet it must still run).
    @Test func upRefusesExactlyWhenLintFindsErrors() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_users.sql", Fixtures.migration(
            up: "-- strata:ignore unindexed-column nothing to silence here\nCREATE TABLE users (id INT PRIMARY KEY);", down: "DROP TABLE users;"))
        try p.write("migrations/0002_posts.sql", Fixtures.migration(
            up: "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT REFERENCES users (id));", down: "DROP TABLE posts;"))
        for (config, refusedFor) in [("unindexed-column: error", "0002_posts"), ("unused-ignore: error", "0001_users")] {
            try p.write("strata.yml", "rules:\n  \(config)\n")
            let lint = try CLI.run(["lint", "migrations"], in: p.project.root)
            #expect(lint.status == 1, "\(config): \(lint.stdout)")
            let refused = try p.run("up")
            #expect(refused.status == 1, "\(config): \(refused.stdout)")
            #expect(refused.stderr.contains("\(refusedFor) has lint errors:"), "\(refused.stderr)")
            #expect(try p.rows() == [])
            // In one transaction the migrations start before the lint ends; its errors roll
            // everything back before COMMIT.
            let single = try p.run("up", "--single-transaction")
            #expect(single.status == 1, "\(config): \(single.stdout)")
            #expect(single.stderr.contains("up refused, rolled back, nothing applied") && single.stderr.contains("\(refusedFor) has lint errors:"),
                    "\(single.stderr)")
            #expect(try p.rows() == [])
            #expect(try !p.tableExists("users") && !p.tableExists("posts"))
        }
        try p.write("strata.yml", "rules: {}\n")
        #expect(try CLI.run(["lint", "migrations"], in: p.project.root).status == 0)
        let applied = try p.run("up")
        #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
        #expect(try p.rows() == ["0001_users applied", "0002_posts applied"])
    }

    @Test(arguments: Backend.all)
    func upAndDeployRefuseLintErrorsAndDeployAppliesWhenClean(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_users.sql", Fixtures.migration(up: "CREATE TABLE users (id INT PRIMARY KEY);", down: "DROP TABLE users;"))
        try p.write("migrations/0002_drop.sql", Fixtures.migration(up: "DROP TABLE users;", down: "SELECT 1;", rollbackSafe: true))
        let up = try p.run("up")
        #expect(up.status == 1)
        #expect(up.stderr.contains("0002_drop has lint errors:") && up.stderr.contains("[destructive-in-rollback-safe]"), "\(up.stderr)")
        let deploy = try p.run("deploy")
        #expect(deploy.status == 1)
        #expect(deploy.stderr.contains("deploy refused: the checks found errors; nothing applied"), "\(deploy.stderr)")
        #expect(deploy.stdout.contains("destructive-in-rollback-safe"))
        #expect(try p.rows() == [])
        #expect(try !p.tableExists("users"))

        try p.write("migrations/0002_drop.sql", Fixtures.migration(up: "DROP TABLE users;", down: "SELECT 1;", rollbackSafe: false))
        let clean = try p.run("deploy")
        #expect(clean.status == 0, "\(clean.stdout)\n\(clean.stderr)")
        #expect(clean.stdout.contains("[2/2] 0002_drop ... ok "))
        #expect(try p.rows() == ["0001_users applied", "0002_drop applied"])
        #expect(try !p.tableExists("users"))
    }

    @Test(arguments: Backend.all)
    func hostileFileNamesAndNamesAreData(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        let id = "0002_a'); DROP TABLE canary; --"
        let name = "Robert'); DELETE FROM canary; -- \"x\""
        try p.write("migrations/0001_canary.sql", Fixtures.migration(up: "CREATE TABLE canary (x INT);\nINSERT INTO canary VALUES (1);", down: "DROP TABLE canary;"))
        try p.write("migrations/\(id).sql", Fixtures.migration(name: name, up: "SELECT 1;"))
        let up = try p.run("up")
        #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
        #expect(try p.column("SELECT id FROM __migrations__ ORDER BY id") == ["0001_canary", id])
        #expect(try p.column("SELECT name FROM __migrations__ ORDER BY id") == ["Example", name])
        #expect(try p.column("SELECT count(*) FROM canary") == ["1"])
        let status = try p.run("status", "--json")
        #expect(status.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect((json?["migrations"] as? [[String: Any]])?.last?["id"] as? String == id)
        #expect(try p.run("repair", id, "--retry").stdout == "\(id) is applied; nothing to repair\n")
        #expect(try p.column("SELECT count(*) FROM canary") == ["1"])
    }

    /// A short password: the URL shown hides it, and the message around it reads as the
    /// server and libpq wrote it ("Connection refused", not "Connection ***fused").
    @Test(.enabled(if: Backend.postgresRuns), arguments: ["re", "on"])
    func aShortPasswordIsRedactedFromTheURLNotFromTheMessage(_ secret: String) throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "SELECT 1;"))
        var wrong = try #require(URLComponents(string: try Backend.requireServerURL()))
        wrong.password = secret
        var closed = wrong
        closed.port = 1
        for (components, expected) in [(wrong, "password authentication failed for user \"postgres\""),
                                       (closed, "port 1 failed: Connection refused")] {
            let outcome = try CLI.run(["status", "--database", try #require(components.string)], in: p.root)
            #expect(outcome.status == 2)
            #expect(outcome.stderr.hasPrefix("strata: error: cannot connect to postgresql://postgres:***@127.0.0.1:"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("connection to server at \"127.0.0.1\""), "\(outcome.stderr)")
            #expect(outcome.stderr.contains(expected), "\(outcome.stderr)")
            #expect(!outcome.stderr.contains(":\(secret)@"), "\(outcome.stderr)")
        }
    }

    @Test(.enabled(if: Backend.postgresRuns)) func connectionFailuresAreClearAndNeverShowThePassword() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "SELECT 1;"))
        let server = try #require(URLComponents(string: try Backend.requireServerURL()))
        let realPassword = try #require(server.password)
        let wrongPassword = "Wr0ng-" + UUID().uuidString.prefix(8)

        var wrong = server
        wrong.password = wrongPassword
        var unreachable = server
        unreachable.port = 1
        var missing = server
        missing.path = "/no_such_db_\(UUID().uuidString.prefix(6).lowercased())"
        let cases: [(URLComponents, String, String)] = [
            (wrong, wrongPassword, "password authentication failed"),
            (unreachable, realPassword, "Connection refused"),
            (missing, realPassword, "does not exist"),
        ]
        for (components, secret, expected) in cases {
            let url = try #require(components.string)
            for args in [["status"], ["up"], ["up", "--dry-run"], ["deploy"], ["repair", "0001_a", "--retry"]] {
                for outcome in [try CLI.run(args + ["--database", url], in: p.root),
                                try CLI.run(args, in: p.root, environment: ["DATABASE_URL": url])] {
                    #expect(outcome.status == 2, "\(args) \(outcome.stderr)")
                    #expect(outcome.stderr.hasPrefix("strata: error: cannot connect to postgresql://postgres:***@"), "\(outcome.stderr)")
                    #expect(outcome.stderr.contains(expected), "\(outcome.stderr)")
                    #expect(!outcome.stderr.contains(secret) && !outcome.stdout.contains(secret))
                }
            }
        }
    }
}
