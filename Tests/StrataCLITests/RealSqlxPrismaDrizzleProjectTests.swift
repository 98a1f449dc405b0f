import Foundation
import Testing

/// `strata lint`, `up`, `status` and `rollback` on published migration folders of sqlx, Prisma
/// and drizzle projects, kept as published in RealProjects/ (licence and source beside them).
/// Each test pins the exact set of rule ids lint reports, so that a new false finding (or a
/// lost true one) on real files shows.
@Suite("Real sqlx, Prisma and drizzle projects")
struct RealSqlxPrismaDrizzleProjectTests {
    static let realProjects = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("RealProjects")

    /// Copies `folder` of RealProjects/`project` to the same place in a fresh project whose
    /// strata.yml names it.
    static func copy(_ project: String, folder: String, layout: String? = nil, into db: ApplyProject) throws {
        let target = db.project.root.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: realProjects.appendingPathComponent(project).appendingPathComponent(folder), to: target)
        try db.write("strata.yml", "migrations: \(folder)\n" + (layout.map { "layout: \($0)\n" } ?? ""))
    }

    /// The rule ids of `strata lint --format json`, and its exit status.
    static func ruleIDs(_ db: ApplyProject) throws -> (status: Int32, rules: Set<String>) {
        let lint = try db.project.run("lint", "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lint.stdout.utf8)) as? [String: Any], "\(lint.stdout)\(lint.stderr)")
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        return (lint.status, Set(diagnostics.compactMap { $0["rule"] as? String }))
    }

    /// atuin's `atuin-ai-session` crate (MIT): four reversible sqlx migrations on SQLite,
    /// among them a table rebuild (new table, copy, drop, rename) and DROP COLUMN downs, which
    /// `strata verify` finds honest.
    @Test func atuinSqlxMigrationsApplyAndRollBackOnSQLite() throws {
        let db = try ApplyProject(.sqlite)
        try Self.copy("atuin-ai-session", folder: "migrations", layout: "sqlx", into: db)
        let lint = try Self.ruleIDs(db)
        #expect(lint.status == 0 && lint.rules.isEmpty, "\(lint)")
        let verbose = try db.project.run("lint", "--verbose")
        #expect(verbose.stderr.contains("dialect sqlite (from the SQL"), "\(verbose.stderr)")

        let up = try db.run("up")
        #expect(up.status == 0 && up.stdout.contains("applied 4 migrations"), "\(up.stdout)\(up.stderr)")
        #expect(try db.column("SELECT name FROM pragma_table_info('messages') WHERE name IN ('content_z', 'parent_agent') ORDER BY name") == ["content_z", "parent_agent"])
        let status = try db.run("status", "--json")
        #expect(status.status == 0 && status.stdout.contains("\"applied\" : 4"), "\(status.stdout)\(status.stderr)")
        // Each down undoes its up (checked on a scratch copy): the downs are honest.
        let verify = try db.run("verify", "--all")
        #expect(verify.status == 0 && verify.stdout.contains("4 passed, 0 failed"), "\(verify.stdout)\(verify.stderr)")

        let rollback = try db.run("rollback", "--steps", "4", "--yes")
        #expect(rollback.status == 0 && rollback.stdout.contains("rolled back 4 migrations"), "\(rollback.stdout)\(rollback.stderr)")
        #expect(try !db.tableExists("messages") && !db.tableExists("tool_calls") && !db.tableExists("ingest_files"))
        #expect(try db.rows().isEmpty)
        // And forward again from there: the downs left nothing behind that the ups trip on.
        let again = try db.run("up")
        #expect(again.status == 0 && again.stdout.contains("applied 4 migrations"), "\(again.stdout)\(again.stderr)")
    }

    /// prisma-examples' Railway example (Apache-2.0): Prisma's generated init migration, with
    /// schema-qualified quoted names. Its one finding is a true one: Prisma creates no index on
    /// the foreign key column "authorId". Prisma has no DOWN, so rollback refuses.
    @Test(.enabled(if: Backend.postgresRuns)) func prismaExampleAppliesOnPostgreSQL() throws {
        let db = try ApplyProject(.postgres)
        try Self.copy("prisma-examples-railway", folder: "prisma/migrations", into: db)
        let lint = try Self.ruleIDs(db)
        #expect(lint.status == 0 && lint.rules == ["unindexed-column"], "\(lint)")
        let verbose = try db.project.run("lint", "--verbose")
        #expect(verbose.stderr.contains("layout prisma (detected: ") && verbose.stderr.contains("dialect postgresql"), "\(verbose.stderr)")

        let up = try db.run("up")
        #expect(up.status == 0 && up.stdout.contains("applied 1 migration"), "\(up.stdout)\(up.stderr)")
        #expect(try db.tableExists("User") && db.tableExists("Post"))
        let status = try db.run("status", "--json")
        #expect(status.status == 0 && status.stdout.contains("\"applied\" : 1"), "\(status.stdout)\(status.stderr)")
        let rollback = try db.run("rollback", "--yes")
        #expect(rollback.status == 1 && rollback.stderr.contains("no DOWN section"), "\(rollback.stdout)\(rollback.stderr)")
        #expect(try db.tableExists("Post"))
    }

    /// drizzle-orm's own PostgreSQL migrations folder for CONCURRENTLY (Apache-2.0): two
    /// journal entries, `--> statement-breakpoint` pieces, two CREATE INDEX CONCURRENTLY.
    /// Strata runs the file holding them outside a transaction; lint's one finding is the
    /// ALTER TABLE with no lock_timeout. drizzle has no DOWN.
    @Test(.enabled(if: Backend.postgresRuns)) func drizzleConcurrentlyFolderAppliesOnPostgreSQL() throws {
        let db = try ApplyProject(.postgres)
        try Self.copy("drizzle-pg-concurrently", folder: "drizzle", into: db)
        let lint = try Self.ruleIDs(db)
        #expect(lint.status == 0 && lint.rules == ["missing-lock-timeout"], "\(lint)")
        let verbose = try db.project.run("lint", "--verbose")
        #expect(verbose.stderr.contains("layout drizzle (detected: ") && verbose.stderr.contains("dialect postgresql"), "\(verbose.stderr)")

        let up = try db.run("up")
        #expect(up.status == 0 && up.stdout.contains("applied 2 migrations"), "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("0000_concurrent_index ... ok") && up.stdout.contains("outside a transaction"), "\(up.stdout)")
        let indexes = try db.column("SELECT indexname FROM pg_indexes WHERE tablename = 'users_concurrently' AND indexname LIKE '%_index' ORDER BY indexname")
        #expect(indexes == ["users_concurrently_email_index", "users_concurrently_name_index"])
        #expect(try db.column("SELECT column_name FROM information_schema.columns WHERE table_name = 'users_concurrently' AND column_name = 'last_name'") == ["last_name"])
        let status = try db.run("status", "--json")
        #expect(status.status == 0 && status.stdout.contains("\"applied\" : 2"), "\(status.stdout)\(status.stderr)")
    }
}
