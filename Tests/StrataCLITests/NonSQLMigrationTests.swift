import Foundation
import StrataApply
import Testing

/// Migrations Strata cannot run (goose Go migrations, Flyway Java ones) among SQL ones: part of
/// the order, never skipped. `lint` warns, `status` marks them, `up` applies up to one and
/// stops (exit 1) until `mark-applied` records it, `rollback` stops at one, and `check` catches
/// an edit of one that was applied.
@Suite("migrations Strata cannot run")
struct NonSQLMigrationTests {
    static let goMigration = """
        package migrations

        import (
        \t"context"
        \t"database/sql"

        \t"github.com/pressly/goose/v3"
        )

        func init() { goose.AddMigrationContext(upBackfill, downBackfill) }

        func upBackfill(ctx context.Context, tx *sql.Tx) error {
        \t_, err := tx.ExecContext(ctx, "INSERT INTO users (id) VALUES (1)")
        \treturn err
        }

        func downBackfill(ctx context.Context, tx *sql.Tx) error { return nil }

        """

    /// 00001 and 00003 in SQL, 00002_x in Go; beside them goose's `main.go`, a registering
    /// `migrations.go` and a test file, which are not migrations.
    func gooseProject(_ backend: Backend) throws -> ApplyProject {
        let p = try ApplyProject(backend)
        try p.write("migrations/00001_users.sql", "-- +goose Up\nCREATE TABLE users (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE users;\n")
        try p.write("migrations/00002_x.go", Self.goMigration)
        try p.write("migrations/00003_posts.sql", "-- +goose Up\nCREATE TABLE posts (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE posts;\n")
        try p.write("migrations/main.go", "package main\n\nfunc main() {}\n")
        try p.write("migrations/migrations.go", "package migrations\n\nimport \"embed\"\n\n//go:embed *.sql\nvar Files embed.FS\n")
        try p.write("migrations/00002_x_test.go", "package migrations\n")
        return p
    }

    func checksum(_ p: ApplyProject, _ path: String) throws -> String {
        Checksum.of(Array(try Data(contentsOf: p.project.root.appendingPathComponent(path))))
    }

    @Test(arguments: Backend.all)
    func gooseUpStopsAtTheGoMigrationUntilItIsMarkedApplied(_ backend: Backend) throws {
        let p = try gooseProject(backend)

        let lint = try p.project.run("lint", "--layout", "goose", "migrations")
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(lint.stdout.contains("migrations/00002_x.go:1:1: warning: 00002_x.go is a Go migration, which Strata cannot run: `strata up` stops at it until it is recorded as applied [unrunnable-migration]"), "\(lint.stdout)")
        #expect(lint.stdout.contains("help: run it with goose, then record it with `strata mark-applied 00002_x`"), "\(lint.stdout)")
        #expect(!lint.stdout.contains("main.go") && !lint.stdout.contains("migrations.go") && !lint.stdout.contains("_test.go"), "\(lint.stdout)")
        #expect(lint.stdout.hasSuffix("3 files linted: 1 warning\n"), "\(lint.stdout)")

        let pending = try p.run("status", "--layout", "goose")
        #expect(pending.status == 0, "\(pending.stdout)\(pending.stderr)")
        let goLine = try #require(pending.stdout.split(separator: "\n").first { $0.hasPrefix("00002_x ") })
        #expect(goLine.contains("pending") && goLine.contains("Go, run by goose: Strata cannot run it; once goose ran it, `strata mark-applied 00002_x`"), "\(goLine)")

        // --dry-run shows where it would stop, and changes nothing.
        let dry = try p.run("up", "--layout", "goose", "--dry-run")
        #expect(dry.status == 1, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("would apply 1 migration:\n\n-- 00001_users (migrations/00001_users.sql, in a transaction)"), "\(dry.stdout)")
        #expect(dry.stdout.contains("would stop at 00002_x, before anything ordered after it: migrations/00002_x.go is a Go migration, which Strata cannot run"), "\(dry.stdout)")
        #expect(!dry.stdout.contains("00003_posts"), "\(dry.stdout)")
        #expect(try p.rows() == [])

        // --target past it: applies what comes before, stops at it, names the file and what to do.
        let up = try p.run("up", "--layout", "goose", "--target", "00003_posts")
        #expect(up.status == 1, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("applied 1 migration in "), "\(up.stdout)")
        #expect(up.stderr == "strata: up stopped at 00002_x: migrations/00002_x.go is a Go migration, which Strata cannot run: run it with goose, then record it with `strata mark-applied 00002_x`, then run `strata up` again\n")
        #expect(try p.rows() == ["00001_users applied"])
        #expect(try !p.tableExists("posts"))
        // Again: still stopped there, nothing after it runs.
        #expect(try p.run("up", "--layout", "goose").status == 1)
        #expect(try p.rows() == ["00001_users applied"])

        // What mark-applied refuses, writing nothing.
        let unknown = try p.run("mark-applied", "00009_nope", "--layout", "goose")
        #expect(unknown.status == 1 && unknown.stderr.contains("no migration '00009_nope'"), "\(unknown.stderr)")
        let sql = try p.run("mark-applied", "00003_posts", "--layout", "goose")
        #expect(sql.status == 1 && sql.stderr.contains("migrations/00003_posts.sql is SQL, which `strata up` runs"), "\(sql.stderr)")
        let applied = try p.run("mark-applied", "00001_users", "--layout", "goose")
        #expect(applied.status == 1 && applied.stderr.contains("00001_users is already applied"), "\(applied.stderr)")
        #expect(try p.rows() == ["00001_users applied"])

        let mark = try p.run("mark-applied", "00002_x", "--layout", "goose")
        #expect(mark.status == 0, "\(mark.stdout)\(mark.stderr)")
        #expect(mark.stdout.contains("00002_x marked applied (migrations/00002_x.go, checksum "), "\(mark.stdout)")
        #expect(try p.rows() == ["00001_users applied", "00002_x applied"])
        #expect(try p.column("SELECT checksum FROM __migrations__ WHERE id = '00002_x'") == [try checksum(p, "migrations/00002_x.go")])
        let twice = try p.run("mark-applied", "00002_x", "--layout", "goose")
        #expect(twice.status == 1 && twice.stderr.contains("00002_x is already applied"), "\(twice.stderr)")

        let rest = try p.run("up", "--layout", "goose")
        #expect(rest.status == 0, "\(rest.stdout)\(rest.stderr)")
        #expect(try p.rows() == ["00001_users applied", "00002_x applied", "00003_posts applied"])
        #expect(try p.tableExists("posts"))

        let status = try p.run("status", "--layout", "goose")
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("3 migrations: 3 applied"), "\(status.stdout)")
        let history = try JSON.object(try p.run("history", "--json", "--layout", "goose").stdout)["events"] as? [[String: Any]] ?? []
        #expect(history.map { "\($0["event"] ?? "") \($0["migration_id"] ?? "")" } == ["applied 00001_users", "marked_applied 00002_x", "applied 00003_posts"])

        // Rollback undoes what came after it, then stops there: its DOWN is Go.
        let rollback = try p.run("rollback", "--layout", "goose", "--steps", "2", "--force")
        #expect(rollback.status == 1, "\(rollback.stdout)\(rollback.stderr)")
        #expect(rollback.stderr.contains("rollback stopped at 00002_x: migrations/00002_x.go is a Go migration, whose DOWN Strata cannot run: roll it back with goose, then record that with `strata mark-applied --rolled-back 00002_x`"), "\(rollback.stderr)")
        #expect(try p.rows() == ["00001_users applied", "00002_x applied"])
        #expect(try !p.tableExists("posts"))
        let undone = try p.run("mark-applied", "--rolled-back", "00002_x", "--layout", "goose")
        #expect(undone.status == 0, "\(undone.stdout)\(undone.stderr)")
        #expect(try p.rows() == ["00001_users applied"])

        // Recorded again, then edited: status and up see the change, as for SQL.
        #expect(try p.run("mark-applied", "00002_x", "--layout", "goose").status == 0)
        try p.write("migrations/00002_x.go", Self.goMigration.replacingOccurrences(of: "VALUES (1)", with: "VALUES (2)"))
        let changed = try p.run("status", "--layout", "goose")
        #expect(changed.status == 1 && changed.stdout.contains("changed"), "\(changed.stdout)")
        let refused = try p.run("up", "--layout", "goose")
        #expect(refused.status == 1 && refused.stderr.contains("00002_x was edited after it was applied"), "\(refused.stderr)")
    }

    @Test(arguments: Backend.all)
    func singleTransactionAndDeployStopThereToo(_ backend: Backend) throws {
        let p = try gooseProject(backend)
        let single = try p.run("up", "--layout", "goose", "--single-transaction")
        #expect(single.status == 1, "\(single.stdout)\(single.stderr)")
        #expect(single.stderr.contains("strata: up stopped at 00002_x: migrations/00002_x.go is a Go migration"), "\(single.stderr)")
        #expect(try p.rows() == ["00001_users applied"])
        #expect(try !p.tableExists("posts"))

        let q = try gooseProject(backend)
        let deploy = try q.run("deploy", "--layout", "goose")
        #expect(deploy.status == 1, "\(deploy.stdout)\(deploy.stderr)")
        #expect(deploy.stderr.contains("[unrunnable-migration]"), "\(deploy.stderr)")
        #expect(deploy.stderr.contains("strata: up stopped at 00002_x: migrations/00002_x.go is a Go migration"), "\(deploy.stderr)")
        #expect(try q.rows() == ["00001_users applied"])
        #expect(try q.run("mark-applied", "00002_x", "--layout", "goose").status == 0)
        let rest = try q.run("deploy", "--layout", "goose")
        #expect(rest.status == 0, "\(rest.stdout)\(rest.stderr)")
        #expect(try q.rows() == ["00001_users applied", "00002_x applied", "00003_posts applied"])
    }

    @Test(arguments: Backend.all)
    func flywayUpStopsAtTheJavaMigrationUntilItIsMarkedApplied(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/V1__a.sql", "CREATE TABLE a (id INT PRIMARY KEY);\n")
        try p.write("migrations/V2__b.java", "package db.migration;\n\npublic class V2__b extends BaseJavaMigration {}\n")
        try p.write("migrations/V3__c.sql", "CREATE TABLE c (id INT PRIMARY KEY);\n")
        try p.write("migrations/Helper.java", "package db.migration;\n\nclass Helper {}\n")

        let lint = try p.project.run("lint", "--layout", "flyway", "migrations")
        #expect(lint.stdout.contains("migrations/V2__b.java:1:1: warning: V2__b.java is a Java migration, which Strata cannot run"), "\(lint.stdout)")
        #expect(!lint.stdout.contains("Helper"), "\(lint.stdout)")

        let up = try p.run("up", "--layout", "flyway")
        #expect(up.status == 1, "\(up.stdout)\(up.stderr)")
        #expect(up.stderr == "strata: up stopped at V2__b: migrations/V2__b.java is a Java migration, which Strata cannot run: run it with Flyway, then record it with `strata mark-applied V2__b`, then run `strata up` again\n")
        #expect(try p.rows() == ["V1__a applied"])
        #expect(try !p.tableExists("c"))

        let mark = try p.run("mark-applied", "V2__b", "--layout", "flyway")
        #expect(mark.status == 0, "\(mark.stdout)\(mark.stderr)")
        #expect(try p.column("SELECT checksum FROM __migrations__ WHERE id = 'V2__b'") == [try checksum(p, "migrations/V2__b.java")])
        let rest = try p.run("up", "--layout", "flyway")
        #expect(rest.status == 0, "\(rest.stdout)\(rest.stderr)")
        #expect(try p.rows() == ["V1__a applied", "V2__b applied", "V3__c applied"])
        let status = try p.run("status", "--layout", "flyway")
        #expect(status.status == 0 && status.stdout.contains("3 migrations: 3 applied"), "\(status.stdout)")
        #expect(status.stdout.contains("Java, run by Flyway"), "\(status.stdout)")
    }

    /// `strata new` numbers after a Go migration too: its version is taken.
    @Test func newNumbersAfterTheGoMigration() throws {
        let p = try Project()
        try p.write("migrations/00001_users.sql", "-- +goose Up\nCREATE TABLE users (id INT PRIMARY KEY);\n")
        try p.write("migrations/00002_x.go", Self.goMigration)
        let new = try p.run("new", "posts", "--layout", "goose")
        #expect(new.status == 0, "\(new.stdout)\(new.stderr)")
        #expect(FileManager.default.fileExists(atPath: p.root.appendingPathComponent("migrations/00003_posts.sql").path), "\(new.stdout)")
    }

    /// The edit of an applied Go or Java migration is caught by `strata check` as an SQL one's.
    @Test(arguments: [("goose", "migrations/00002_x.go"), ("flyway", "migrations/V2__b.java")])
    func checkCatchesAnEditedAppliedNonSQLMigration(_ layout: String, _ path: String) throws {
        let repo = try GitFixture()
        if layout == "goose" {
            try repo.write("migrations/00001_users.sql", "-- +goose Up\nCREATE TABLE users (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE users;\n")
            try repo.write("migrations/main.go", "package main\n\nfunc main() {}\n")
        } else {
            try repo.write("migrations/V1__users.sql", "CREATE TABLE users (id INT PRIMARY KEY);\n")
        }
        try repo.write(path, Self.goMigration)
        try repo.commitAll("applied migrations")
        try repo.checkout("feature", create: true)
        let clean = try repo.checkJSON("--layout", layout)
        #expect(clean.diagnostics.filter { $0.rule != "unrunnable-migration" && $0.rule != "missing-down" } == [], "\(clean.diagnostics)")

        try repo.edit(path, replacing: "VALUES (1)", with: "VALUES (2)")
        let since = try repo.mergeBase("HEAD", "main")
        let edited = try repo.checkJSON("--layout", layout)
        #expect(edited.status == 1, "\(edited.stderr)")
        #expect(edited.diagnostics.filter { $0.rule == "edited-applied-migration" }
                == [Finding(path, 13, 1, "error", "edited-applied-migration", "applied migration edited: the file changed from line 13 since it was applied (on main since \(since))")],
                "\(edited.diagnostics)")
        #expect(!edited.diagnostics.contains { $0.file.hasSuffix("main.go") }, "\(edited.diagnostics)")
    }
}
