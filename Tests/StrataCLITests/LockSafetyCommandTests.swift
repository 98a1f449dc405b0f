import Foundation
import StrataApply
import Testing

/// `--statement-lock-timeout`, `--lock-retries`, `--lock-retry-backoff` and `postgres:` in
/// strata.yml, as `up`, `deploy`, `lint` and `metrics` show them.
@Suite("strata up: statement lock timeout and retries")
struct LockSafetyCommandTests {
    @Test func helpNamesTheFlagsAndTellsThemFromLockTimeout() throws {
        let p = try Project()
        for command in ["up", "deploy"] {
            let help = try p.run(command, "--help")
            #expect(help.status == 0)
            for flag in ["--statement-lock-timeout <DURATION>", "--lock-retries <N>", "--lock-retry-backoff <DURATION>"] {
                #expect(help.stdout.contains(flag), "\(command): \(flag)")
            }
            let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(flat.contains("Not --lock-timeout, which waits for Strata's own migration lock"), "\(command)")
            #expect(flat.contains("(Strata's own lock, not PostgreSQL's table locks)"), "\(command)")
        }
    }

    @Test func badFlagValuesAreUsageErrors() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (id INT);"))
        let cases = [(["--statement-lock-timeout", "soon"], "--statement-lock-timeout must be a duration such as 5s, 500ms or 2min"),
                     (["--statement-lock-timeout", "0"], "from 1 ms to 86400 s, not '0'"),
                     (["--lock-retries=-1"], "--lock-retries must be a whole number from 0 to 1000"),
                     (["--lock-retry-backoff", "2d"], "--lock-retry-backoff must be a duration")]
        for (args, message) in cases {
            let outcome = try CLI.run(["up"] + args + ["--database", "sqlite:./data/app.db"], in: p.root)
            #expect(outcome.status == 64, "\(args)")
            #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: p.root.appendingPathComponent("data/app.db").path))
    }

    @Test func aBadValueInStrataYMLIsAConfigurationErrorWithItsPlace() throws {
        let p = try Project()
        try p.write("strata.yml", "migrations: migrations\npostgres:\n  lock_retry_backoff: forever\n")
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (id INT);"))
        let outcome = try p.run("up", "--database", "sqlite:./data/app.db")
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("strata.yml:3:23: `postgres.lock_retry_backoff` must be a duration"), "\(outcome.stderr)")
    }

    @Test func sqliteIgnoresThemAndVerboseSaysSo() throws {
        let p = try Project()
        try p.write("strata.yml", "migrations: migrations\npostgres:\n  statement_lock_timeout: 2s\n")
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (id INT);"))
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (id INT);"))
        let verbose = try p.run("up", "--verbose", "--database", "sqlite:./data/app.db")
        #expect(verbose.status == 0, "\(verbose.stderr)")
        #expect(verbose.stdout.contains("apply to PostgreSQL only; ignored on SQLite"), "\(verbose.stdout)")
        let quiet = try p.run("up", "--lock-retries", "2", "--database", "sqlite:./data/other.db")
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stdout.contains("ignored on SQLite"))
        #expect(quiet.stdout.contains("applied 2 migrations"))
    }

    @Test func missingLockTimeoutIsANoteWhenTheApplierSetsIt() throws {
        let p = try Project()
        try p.write("migrations/0001_users.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY);\n")
        try p.write("migrations/0002_nick.sql", "ALTER TABLE users ADD COLUMN nick TEXT;\n")
        try p.write("strata.yml", "migrations: migrations\nlayout: plain\ndialect: postgresql\n")
        let before = try p.run("lint", "--format", "json")
        #expect(before.stdout.contains("missing-lock-timeout"), "\(before.stdout)")
        try p.write("strata.yml", "migrations: migrations\nlayout: plain\ndialect: postgresql\npostgres:\n  statement_lock_timeout: 3s\n")
        let after = try p.run("lint", "--format", "json")
        #expect(after.status == 0)
        #expect(!after.stdout.contains("missing-lock-timeout"), "\(after.stdout)")
        let verbose = try p.run("lint", "--verbose")
        #expect(verbose.stdout.contains("missing-lock-timeout skipped: strata up sets lock_timeout to 3 s for each migration's statements (postgres.statement_lock_timeout in strata.yml)"), "\(verbose.stdout)")
    }

    /// The whole path on the real PostgreSQL: `up` behind another session's open transaction
    /// says each failed attempt, logs it (`--log-json`), succeeds once the session ends, and
    /// `strata metrics` counts the retries.
    @Test(.enabled(if: Backend.postgresRuns))
    func upRetriesBehindAnOpenTransactionAndSaysSo() throws {
        let p = try ApplyProject(.postgres)
        try p.connect().execute("CREATE TABLE t (id INT); INSERT INTO t VALUES (1)")
        try p.write("migrations/0001_add_c.sql", Fixtures.migration(up: "ALTER TABLE t ADD COLUMN c INT;"))
        let holder = try p.connect()
        try holder.execute("BEGIN; SELECT * FROM t")
        let up = try p.start(["up", "--statement-lock-timeout", "200ms", "--lock-retries", "300", "--lock-retry-backoff", "50",
                              "--log-json", "events.jsonl", "--verbose"])
        #expect(eventually(60) { up.stdoutSoFar.contains("lock timeout after") }, "\(up.stdoutSoFar)")
        try holder.execute("COMMIT")
        let outcome = up.wait()
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("[1/1] 0001_add_c ... lock timeout after "), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("(attempt 1 of 301), retrying in "))
        #expect(outcome.stdout.contains("[1/1] 0001_add_c ... ok"))
        #expect(outcome.stdout.contains("note: lock_timeout 200 ms for each migration's statements; a migration that fails on a lock timeout is tried again up to 300 times, first after 50 ms"), "\(outcome.stdout)")
        let log = try p.project.read("events.jsonl").split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        let attempts = log.filter { $0["event"] as? String == "lock_timeout" }
        #expect(!attempts.isEmpty, "\(log)")
        #expect(attempts.first?["migration_id"] as? String == "0001_add_c")
        #expect(attempts.first?["attempt"] as? Int == 1 && attempts.first?["attempts"] as? Int == 301)
        #expect(attempts.first?["wait_ms"] is Int)
        #expect(!log.contains { $0["event"] as? String == "failed" })
        let metrics = try p.run("metrics", "--format", "json")
        #expect(metrics.status == 0, "\(metrics.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(metrics.stdout.utf8)) as? [String: Any])
        #expect(document["lock_retries"] as? Int == attempts.count, "\(metrics.stdout)")
        let prometheus = try p.run("metrics")
        #expect(prometheus.stdout.contains("# TYPE strata_lock_retries_total counter"))
        let history = try p.run("history")
        #expect(history.stdout.contains("retried"), "\(history.stdout)")
    }
}
