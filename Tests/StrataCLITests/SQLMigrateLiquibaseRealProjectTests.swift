import Foundation
import StrataApply
import StrataCore
import Testing

/// Real public projects in the sql-migrate and Liquibase formatted SQL layouts, kept as published
/// in RealProjects/ (licence and source beside them): `lint` finds what is there and nothing about
/// the layout, every migration applies to an empty PostgreSQL, `status` shows them applied, and
/// their DOWN SQL rolls them back.
@Suite("sql-migrate and Liquibase real projects")
struct SQLMigrateLiquibaseRealProjectTests {
    static let realProjects = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("RealProjects")

    /// The project's folder copied to `to` in a new PostgreSQL project.
    func project(_ folder: String, to: String) throws -> ApplyProject {
        let db = try ApplyProject(.postgres)
        try FileManager.default.copyItem(at: Self.realProjects.appendingPathComponent(folder),
                                         to: db.project.root.appendingPathComponent(to))
        return db
    }

    /// Each finding of a JSON lint report as `file:line rule`.
    func findings(_ json: String) throws -> [String] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let diagnostics = try #require(report["diagnostics"] as? [[String: Any]])
        return diagnostics.map { "\($0["file"] ?? ""):\($0["line"] ?? "") \($0["rule"] ?? "")" }.sorted()
    }

    /// ovh/cds (BSD-3-Clause): the CDN service's first seven sql-migrate migrations, PostgreSQL
    /// functions in StatementBegin/End blocks and all.
    @Test(.enabled(if: Backend.postgresRuns)) func cdsCDNMigrations() throws {
        let db = try project("cds-cdn/sql", to: "migrations")
        let lint = try db.project.run("lint", "--format", "json")
        #expect(lint.stderr.isEmpty || lint.stderr.contains("sql-migrate"), "\(lint.stderr)")
        #expect(try findings(lint.stdout) == Self.cdsFindings, "\(lint.stdout)")
        #expect(lint.status == Self.cdsLintStatus, "\(lint.stdout)\(lint.stderr)")

        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(up.stdout.contains("applied 7 migrations"), "\(up.stdout)")
        #expect(try db.tableExists("item") && db.tableExists("storage_unit_item"))
        // The helper functions ran as whole blocks: their indexes exist.
        #expect(try db.column("SELECT indexname FROM pg_indexes WHERE tablename = 'item' AND indexname IN ('idx_item_type_size', 'idx_lastmodified') ORDER BY 1")
                == ["idx_item_type_size", "idx_lastmodified"])
        let status = try db.run("status", "--json")
        #expect(status.status == 0 && status.stdout.contains("\"applied\" : 7") && status.stdout.contains("\"pending\" : 0"), "\(status.stdout)")

        // verify: 001 to 006's DOWN undo their UP; 000's leaves the functions it created.
        let verify = try db.run("verify", "--all")
        #expect(verify.status == 1 && verify.stdout.contains("7 migrations") && verify.stdout.contains("6 passed, 1 failed"), "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.split(separator: "\n").filter { $0.contains("[down-does-not-reverse-up]") }.allSatisfy { $0.hasPrefix("migrations/000_create_all.sql:") },
                "\(verify.stdout)")

        // 001 to 006 roll back by their DOWN SQL; 000's DOWN holds only a comment, which
        // Strata refuses to take for an undo.
        let rollback = try db.run("rollback", "--steps", "6", "--yes")
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(try db.rows() == ["000_create_all applied"])
        #expect(try !db.tableExists("item") && !db.tableExists("storage_unit") && !db.tableExists("storage_unit_item"))
        let last = try db.run("rollback", "--yes")
        #expect(last.status == 1 && last.stderr.contains("000_create_all: the DOWN section is empty"), "\(last.stdout)\(last.stderr)")
        // And it all applies again on what the rollback left.
        let again = try db.run("up")
        #expect(again.status == 0 && again.stdout.contains("applied 6 migrations"), "\(again.stdout)\(again.stderr)")
    }

    /// Liquibase's own integration-test changelogs (Apache-2.0): `-- changeset` and
    /// `-- rollback` written with a space, statements without semicolons, `-- rollback empty`.
    /// A master changelog beside them that only includes them is not a migration.
    @Test(.enabled(if: Backend.postgresRuns)) func liquibaseIntegrationChangelogs() throws {
        let db = try project("liquibase-integration/changelogs", to: "migrations")
        try db.write("migrations/db.changelog-master.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
                <include file="basic.formatted.sql" relativeToChangelogFile="true"/>
                <include file="rollbackable.changelog.sql" relativeToChangelogFile="true"/>
            </databaseChangeLog>

            """)
        let lint = try db.project.run("lint", "--format", "json", "--dialect", "postgresql")
        #expect(try findings(lint.stdout) == Self.liquibaseFindings, "\(lint.stdout)")
        #expect(lint.status == Self.liquibaseLintStatus, "\(lint.stdout)\(lint.stderr)")

        let up = try db.run("up")
        #expect(up.status == 0, "\(up.stdout)\(up.stderr)")
        #expect(try db.rows() == ["basic.formatted/your.name:1 applied", "rollbackable.changelog/flautert:3324_1 applied",
                                  "rollbackable.changelog/flautert:3324_2 applied"])
        #expect(try db.column("SELECT id FROM rollback_test") == ["1"])
        #expect(try db.tableExists("person"))
        let status = try db.run("status", "--json")
        #expect(status.status == 0 && status.stdout.contains("\"applied\" : 3") && !status.stdout.contains("changelog-master"), "\(status.stdout)")

        // verify: 3324_1's DOWN undoes it, 3324_2's empty one leaves no schema change behind,
        // basic.formatted.sql has none.
        let verify = try db.run("verify", "--all", "--dialect", "postgresql")
        #expect(verify.status == 1 && verify.stdout.contains("2 passed, 1 failed")
                && verify.stdout.contains("migrations/basic.formatted.sql:4:1: error: DOWN leaves table person that UP created"), "\(verify.stdout)\(verify.stderr)")

        // `-- rollback empty` is a DOWN with nothing to run: refused as any empty DOWN is...
        let refused = try db.run("rollback", "--steps", "2", "--yes")
        #expect(refused.status == 1 && refused.stderr.contains("flautert:3324_2: the DOWN section is empty"), "\(refused.stdout)\(refused.stderr)")
        #expect(try db.tableExists("rollback_test"))
        // ...and with --force runs nothing for it, then 3324_1's `-- rollback DROP TABLE`.
        let forced = try db.run("rollback", "--steps", "2", "--yes", "--force")
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(try !db.tableExists("rollback_test") && db.tableExists("person"))
        #expect(try db.rows() == ["basic.formatted/your.name:1 applied"])
    }

    /// 000's DOWN holds only a comment; 006 alters a table with no lock_timeout. Nothing about
    /// sections, blocks or the layout: the functions' bodies are read as the blocks they are.
    static let cdsLintStatus: Int32 = 0
    static let cdsFindings = ["migrations/000_create_all.sql:79 missing-down", "migrations/006_add_type_column.sql:2 missing-lock-timeout"]
    /// basic.formatted.sql has no rollback; 3324_2's `-- rollback empty` (line 9: its
    /// changeset) undoes nothing. 3324_1's `-- rollback DROP TABLE` is its DOWN.
    static let liquibaseLintStatus: Int32 = 0
    static let liquibaseFindings = ["migrations/basic.formatted.sql:3 missing-down", "migrations/rollbackable.changelog.sql:9 missing-down"]
}
