import Foundation
import StrataApply
import Testing

/// `strata trace` and `check --trace` end to end: the binary on real migration files, traced
/// on a scratch database of the test server (and once on a temporary cluster of its own).
@Suite(.enabled(if: Backend.postgresRuns), .serialized)
struct TraceCommandTests {
    static let base = Fixtures.migration(name: "Accounts", up: """
        CREATE TABLE accounts (id integer PRIMARY KEY, email text NOT NULL, plan text);
        CREATE INDEX idx_accounts_email ON accounts (email);
        """, down: "DROP TABLE accounts;")
    static let change = Fixtures.migration(name: "Grow", up: """
        ALTER TABLE accounts ALTER COLUMN id TYPE bigint;
        CREATE INDEX idx_accounts_plan ON accounts (plan);
        """, down: "DROP INDEX idx_accounts_plan;", rollbackSafe: false, dependencies: "[\"0001_accounts\"]")

    static func project() throws -> ApplyProject {
        let p = try ApplyProject(.postgres)
        try p.write("strata.yml", "migrations: migrations\ndialect: postgresql\n")
        try p.write("migrations/0001_accounts.sql", base)
        try p.write("migrations/0002_grow.sql", change)
        return p
    }

    @Test func textShowsLocksRewritesAndConfirmedFindings() throws {
        let p = try Self.project()
        let outcome = try p.run("trace")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let out = outcome.stdout
        #expect(out.hasPrefix("traced 2 migrations (4 statements) on postgresql://"))
        #expect(!out.contains(try #require(URLComponents(string: p.url)?.password)), "the password is never shown")
        #expect(out.contains("AccessExclusiveLock on table public.accounts"))
        #expect(out.contains("rewrites  public.accounts"))
        #expect(out.contains("altered   column public.accounts.id (type integer -> bigint)"))
        #expect(out.contains("[change-column-type]\n") && out.contains("note: trace: confirmed"))
        // The index built in the same transaction as the type change: its SHARE lock is within
        // the ACCESS EXCLUSIVE lock the migration already holds on the table.
        #expect(out.contains("migrations/0002_grow.sql:10:1: warning: CREATE INDEX without CONCURRENTLY"))
        #expect(!out.contains("trace: not observed"))
        // The database is left as it was found.
        #expect(try !p.tableExists("accounts"))
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let p = try Self.project()
        let outcome = try p.run("trace", "migrations/0002_grow.sql", "--format", "json")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(document["version"] as? Int == 1)
        #expect(JSONContractTests.badKeys(document, path: []).isEmpty)
        let migrations = try #require(document["migrations"] as? [[String: Any]])
        // The file named is reported; the one before it only built the schema.
        #expect(migrations.map { $0["id"] as? String } == ["0002_grow"])
        let statements = try #require(migrations[0]["statements"] as? [[String: Any]])
        #expect(statements.map { $0["line"] as? Int } == [9, 10])
        let locks = try #require(statements[0]["locks"] as? [[String: Any]])
        #expect(locks.contains { $0["object"] as? String == "accounts" && $0["schema"] as? String == "public"
                                 && $0["kind"] as? String == "table" && $0["mode"] as? String == "AccessExclusiveLock" })
        #expect((statements[0]["rewrites"] as? [String])?.contains("public.accounts") == true)
        #expect((statements[0]["duration_ms"] as? Double).map { $0 >= 0 } == true)
        let findings = try #require(document["findings"] as? [[String: Any]])
        let typeChange = try #require(findings.first { $0["rule"] as? String == "change-column-type" })
        #expect(typeChange["trace"] as? String == "confirmed" && typeChange["line"] as? Int == 9)
    }

    @Test func whatNoRuleReportedBecomesATraceFindingInGitHubAnnotations() throws {
        let p = try Self.project()
        // A lock_timeout keeps missing-lock-timeout quiet, and the rules are turned off: only
        // the trace sees the rewrite.
        try p.write("strata.yml", """
            migrations: migrations
            dialect: postgresql
            rules:
              change-column-type: off
              create-index-non-concurrent: off
            """)
        try p.write("migrations/0002_grow.sql", Self.change.replacingOccurrences(
            of: "ALTER TABLE accounts ALTER", with: "SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ALTER"))
        let outcome = try p.run("trace", "--format", "github")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("::warning file=migrations/0002_grow.sql,line=10,col=1,title=trace-rewrite::"))
        // lock_timeout was set when the ACCESS EXCLUSIVE lock was taken.
        #expect(!outcome.stdout.contains("trace-exclusive-lock"))
    }

    @Test func aMigrationThatFailsIsAnErrorAtItsPlace() throws {
        let p = try Self.project()
        try p.write("migrations/0003_broken.sql", Fixtures.migration(
            up: "ALTER TABLE acounts ADD COLUMN note text;", dependencies: "[\"0002_grow\"]"))
        let outcome = try p.run("trace", "--format", "json")
        #expect(outcome.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let findings = try #require(document["findings"] as? [[String: Any]])
        let failed = try #require(findings.first { $0["rule"] as? String == "trace-failed" })
        #expect(failed["file"] as? String == "migrations/0003_broken.sql" && failed["line"] as? Int == 9 && failed["severity"] as? String == "error")
        #expect((failed["message"] as? String)?.contains("relation \"acounts\" does not exist") == true)
        #expect(try !p.tableExists("accounts"), "the scratch database is cleaned after a failure too")
    }

    @Test func aFileThatIsNotSQLIsAnErrorNotASilentPass() throws {
        let p = try Self.project()
        try p.project.write("migrations/0003_binary.sql", Data([0x00, 0xFF, 0x20, 0x67]))
        let outcome = try p.run("trace")
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("migrations/0003_binary.sql:1:1: error: file is not text"), "\(outcome.stdout)")
    }

    @Test func refusesANonEmptyDatabaseAndSQLiteProjects() throws {
        let p = try Self.project()
        try p.connect().execute("CREATE TABLE production_data (id int)")
        let refused = try p.run("trace")
        #expect(refused.status != 0 && refused.stderr.contains("production_data"), "\(refused.stderr)")
        #expect(try p.tableExists("production_data"))
        #expect(try p.run("trace", "--allow-nonempty").status == 0)
        #expect(try p.tableExists("production_data") && !p.tableExists("accounts"))

        try p.write("strata.yml", "migrations: migrations\ndialect: sqlite\n")
        let sqlite = try p.project.run("trace")
        #expect(sqlite.status == 2 && sqlite.stderr.contains("PostgreSQL only"), "\(sqlite.stderr)")
        #expect(try p.project.run("trace", "--keep").status == 64)
    }

    @Test func gitDiffReportsOnlyNewMigrationsAndCheckTraceAddsTheFindings() throws {
        let p = try Self.project()
        let repo = p.project.root
        for args in [["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"]] {
            #expect(try GitFixture.runGit(args, in: repo, environment: GitFixture.environment()).status == 0)
        }
        try p.write("migrations/0003_more.sql", Fixtures.migration(
            up: "ALTER TABLE accounts ADD COLUMN note text DEFAULT random()::text;", dependencies: "[\"0002_grow\"]"))
        let traced = try p.run("trace", "--git-diff", "main", "--format", "json")
        #expect(traced.status == 0, "\(traced.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(traced.stdout.utf8)) as? [String: Any])
        #expect((document["migrations"] as? [[String: Any]])?.map { $0["id"] as? String } == ["0003_more"])

        let checked = try CLI.run(["check", "--base", "main", "--trace", "--trace-database", p.url, "--format", "json"], in: repo,
                                  environment: GitFixture.environment())
        #expect(checked.status == 0, "\(checked.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(checked.stdout.utf8)) as? [String: Any])
        let rules = (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
        // The volatile default is lint's (add-column-volatile-default); the trace adds no
        // finding of its own for it, and nothing about the files already on main.
        #expect(rules.contains("add-column-volatile-default"))
        #expect(!(report["diagnostics"] as? [[String: Any]] ?? []).contains { ($0["file"] as? String)?.contains("0002") == true })
    }

    @Test func temporaryClusterIsMadeAndRemoved() throws {
        let p = try Self.project()
        let outcome = try p.project.run("trace", "--temporary", "--format", "markdown")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.hasPrefix("### Strata trace\n"))
        #expect(outcome.stdout.contains("temporary PostgreSQL"))
        #expect(outcome.stdout.contains("AccessExclusiveLock on public.accounts"))
        #expect(!outcome.stderr.contains("could not"), "\(outcome.stderr)")
    }
}
