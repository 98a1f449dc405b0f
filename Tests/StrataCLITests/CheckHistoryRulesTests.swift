import Foundation
import Testing

/// `strata check` against real repositories: one test per history rule, with exact messages,
/// positions and severities.
@Suite("strata check: history rules")
struct CheckHistoryRulesTests {
    let users = "migrations/0001_users.sql"
    let posts = "migrations/0002_posts.sql"

    @Test func unchangedBranchIsClean() throws {
        let repo = try GitFixture.withAppliedMigrations()
        let outcome = try repo.strata("check")
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout == "2 files linted: no problems\n")
        #expect(outcome.stderr.isEmpty)
        // On the base branch itself every migration is applied, and nothing changed either.
        try repo.checkout("main")
        #expect(try repo.strata("check").stdout == "2 files linted: no problems\n")
    }

    @Test func sqlEditIsAnErrorNamingTheLine() throws {
        let repo = try GitFixture.withAppliedMigrations()
        let since = try repo.mergeBase("HEAD", "main")
        try repo.edit(users, replacing: "id INTEGER PRIMARY KEY", with: "id BIGINT PRIMARY KEY")
        let outcome = try repo.strata("check")
        #expect(outcome.status == 1)
        #expect(outcome.stdout == """
            migrations/0001_users.sql:9:24: error: applied migration edited: its SQL changed on line 9 since it was applied (on main since \(since)) [edited-applied-migration]
              help: restore the applied file and put the change in a new migration (`strata new`)
            2 files linted: 1 error

            """)
        #expect(outcome.stderr.isEmpty)

        // Several lines, committed on the branch: the range of changed lines is named.
        try repo.edit(users, replacing: "DROP TABLE users;", with: "DROP TABLE IF EXISTS users;")
        try repo.commitAll("edit an applied migration")
        let json = try repo.checkJSON()
        #expect(json.status == 1)
        #expect(json.diagnostics == [Finding(users, 9, 24, "error", "edited-applied-migration",
                                             "applied migration edited: its SQL changed on lines 9-12 since it was applied (on main since \(since))")])

        // An SQL edit and a comment edit further down: only the SQL's line is named.
        try repo.git("reset", "-q", "--hard", "HEAD~1")
        try repo.edit(users, replacing: "id INTEGER PRIMARY KEY", with: "id BIGINT PRIMARY KEY")
        try repo.edit(users, replacing: "DROP TABLE users;", with: "DROP TABLE users; -- keep in step with 0002")
        #expect(try repo.checkJSON().diagnostics == [Finding(users, 9, 24, "error", "edited-applied-migration",
                                                              "applied migration edited: its SQL changed on line 9 since it was applied (on main since \(since))")])
    }

    @Test func movedSectionMarkerIsAnSQLEdit() throws {
        let repo = try GitFixture()
        try repo.write("migrations/0001_a.sql", Fixtures.migration(up: "SELECT 1;\nSELECT 2;", down: "SELECT 3;"))
        try repo.commitAll("applied")
        try repo.checkout("feature", create: true)
        // Same statements in the same order; SELECT 2 moved from UP to DOWN.
        try repo.write("migrations/0001_a.sql", Fixtures.migration(up: "SELECT 1;", down: "SELECT 2;\nSELECT 3;"))
        let since = try repo.mergeBase("HEAD", "main")
        let json = try repo.checkJSON()
        #expect(json.status == 1)
        #expect(json.diagnostics == [Finding("migrations/0001_a.sql", 11, 1, "error", "edited-applied-migration",
                                             "applied migration edited: its SQL changed on lines 11-12 since it was applied (on main since \(since))")])
    }

    @Test func commentAndWhitespaceEditsAreWarnings() throws {
        let repo = try GitFixture.withAppliedMigrations()
        try repo.edit(users, replacing: "CREATE TABLE users (id INTEGER PRIMARY KEY);",
                      with: "-- the first table\nCREATE TABLE users (\n    id INTEGER PRIMARY KEY\n);")
        try repo.edit(posts, replacing: "DROP TABLE posts;\n", with: "DROP TABLE posts;\n-- trailing note\n")
        let json = try repo.checkJSON()
        #expect(json.status == 0, "warnings do not fail the check")
        #expect(json.diagnostics == [
            Finding(users, 9, 1, "warning", "edited-applied-migration", "applied migration edited: only comments, whitespace or descriptive metadata changed on lines 9-12"),
            Finding(posts, 13, 1, "warning", "edited-applied-migration", "applied migration edited: only comments, whitespace or descriptive metadata changed on line 13"),
        ])
        #expect(try repo.strata("check", "--max-warnings", "1").status == 1)

        // Removing lines only: the line they followed is named.
        try repo.git("checkout", "--", users, posts)
        try repo.edit(users, replacing: "-- @dependencies: []\n\n", with: "-- @dependencies: []\n")
        let removed = try repo.checkJSON()
        #expect(removed.diagnostics == [Finding(users, 7, 1, "warning", "edited-applied-migration",
                                                "applied migration edited: only comments, whitespace or descriptive metadata changed on lines removed after line 6")])
    }

    @Test func descriptiveMetadataIsAWarning() throws {
        let repo = try GitFixture.withAppliedMigrations()
        try repo.edit(users, replacing: "-- @name: Example", with: "-- @name: Create users")
        try repo.edit(posts, replacing: "-- @description: A fixture\n-- @timestamp: 2024-05-01T12:00:00Z\n-- @rollbackSafe: true\n-- @performanceImpact: low",
                      with: "-- @description: Posts by users\n-- @timestamp: 2024-05-01T12:00:00Z\n-- @rollbackSafe: true\n-- @performanceImpact: high")
        let json = try repo.checkJSON()
        #expect(json.status == 0)
        #expect(json.diagnostics == [
            Finding(users, 1, 1, "warning", "edited-applied-migration", "applied migration edited: only comments, whitespace or descriptive metadata changed on line 1"),
            Finding(posts, 2, 1, "warning", "edited-applied-migration", "applied migration edited: only comments, whitespace or descriptive metadata changed on lines 2-5"),
        ])
    }

    @Test func behaviourMetadataIsAnError() throws {
        let repo = try GitFixture.withAppliedMigrations()
        let since = try repo.mergeBase("HEAD", "main")
        try repo.edit(users, replacing: "-- @rollbackSafe: true", with: "-- @rollbackSafe: false")
        try repo.edit(posts, replacing: "-- @dependencies: []", with: "-- @dependencies: [\"0001_users\"]")
        let json = try repo.checkJSON()
        #expect(json.status == 1)
        #expect(json.diagnostics == [
            Finding(users, 4, 19, "error", "edited-applied-migration",
                    "applied migration edited: @rollbackSafe changed from true to false on line 4 since it was applied (on main since \(since))"),
            Finding(posts, 6, 19, "error", "edited-applied-migration",
                    "applied migration edited: @dependencies changed from [] to [\"0001_users\"] on line 6 since it was applied (on main since \(since))"),
        ])

        // @transaction added; the same dependencies spelt differently are only cosmetic.
        try repo.git("checkout", "--", users, posts)
        try repo.edit(users, replacing: "-- @dependencies: []\n", with: "-- @dependencies: []\n-- @transaction: false\n")
        try repo.edit(posts, replacing: "-- @dependencies: []", with: "-- @dependencies: [ ]")
        let second = try repo.checkJSON()
        #expect(second.diagnostics == [
            Finding(users, 7, 18, "error", "edited-applied-migration",
                    "applied migration edited: @transaction changed from nothing to false on line 7 since it was applied (on main since \(since))"),
            Finding(posts, 6, 1, "warning", "edited-applied-migration",
                    "applied migration edited: only comments, whitespace or descriptive metadata changed on line 6"),
        ])
    }

    @Test func deletedMigrationIsAnError() throws {
        let repo = try GitFixture.withAppliedMigrations()
        try repo.remove(posts)
        let outcome = try repo.strata("check")
        #expect(outcome.status == 1)
        #expect(outcome.stdout == """
            migrations/0002_posts.sql:1:1: error: applied migration '0002_posts' was deleted; databases on main already ran it [deleted-applied-migration]
              help: restore the file; to undo what it did, write a new migration
            1 file linted: 1 error

            """)
        // Deleted with git and committed on the branch: the same.
        try repo.rm(posts)
        try repo.commit("delete")
        #expect(try repo.checkJSON().diagnostics == [Finding(posts, 1, 1, "error", "deleted-applied-migration",
                                                             "applied migration '0002_posts' was deleted; databases on main already ran it")])
        // The rule can be turned off (a deletion cannot carry a suppression).
        try repo.write("strata.yml", "rules:\n  deleted-applied-migration: off\n")
        #expect(try repo.strata("check").status == 0)
    }

    @Test func renamedMigrationIsAnErrorNotADeletion() throws {
        let repo = try GitFixture.withAppliedMigrations()
        let renamed = Finding("migrations/0001_accounts.sql", 1, 1, "error", "renamed-applied-migration",
                              "applied migration '0001_users' was renamed to '0001_accounts'; databases that ran it know it as '0001_users'")
        // Moved on disk only (git sees a deleted and an untracked file).
        try repo.move(users, "migrations/0001_accounts.sql")
        let onDisk = try repo.checkJSON()
        #expect(onDisk.status == 1)
        #expect(onDisk.diagnostics == [renamed])
        // git mv, staged.
        try repo.git("checkout", "--", users)
        try repo.remove("migrations/0001_accounts.sql")
        try repo.mv(users, "migrations/0001_accounts.sql")
        #expect(try repo.checkJSON().diagnostics == [renamed])
        #expect(try repo.checkJSON("--staged").diagnostics == [renamed])
        // Renamed and its SQL edited, committed: not the applied migration any more, however
        // alike the files are, but its deletion plus a new migration, checked as new.
        try repo.edit("migrations/0001_accounts.sql", replacing: "DROP TABLE users;", with: "DROP TABLE IF EXISTS users;")
        try repo.commitAll("rename and edit")
        let asNew = [
            Finding("migrations/0001_accounts.sql", 1, 1, "error", "duplicate-migration-number", "migration number 0001 is already used by '0001_users' on main"),
            Finding("migrations/0001_accounts.sql", 1, 1, "error", "out-of-order-migration", "'0001_accounts' is new on this branch but sorts before '0002_posts', already on main"),
            Finding(users, 1, 1, "error", "deleted-applied-migration", "applied migration '0001_users' was deleted; databases on main already ran it"),
        ]
        #expect(try repo.checkJSON().diagnostics == asNew)
        #expect(try repo.checkJSON("--rev", "HEAD").diagnostics == asNew)
    }

    /// From a sub-folder of the project the configured migrations folder is found above, and
    /// paths are shown from where the command runs (`../migrations/...`), not absolute.
    @Test func fromASubFolderPathsAreRelative() throws {
        let repo = try GitFixture.withAppliedMigrations()
        try repo.write("strata.yml", "migrations: migrations\n")
        try repo.write("src/app.txt", "x\n")
        try repo.edit(users, replacing: "INTEGER", with: "BIGINT")
        let outcome = try GitFixture.runStrata(["check", "--format", "json"], in: repo.root.appendingPathComponent("src"))
        #expect(outcome.status == 1)
        let findings = try Finding.decode(outcome.stdout)
        #expect(findings.map(\.file) == ["../migrations/0001_users.sql"], "\(outcome.stdout)\(outcome.stderr)")
        let lint = try GitFixture.runStrata(["lint"], in: repo.root.appendingPathComponent("src"))
        #expect(lint.stdout.hasSuffix("2 files linted: no problems\n"), "\(lint.stdout)\(lint.stderr)")
    }

    /// A repository of migrations only (`migrations: .`): the folder is the repository's root.
    @Test func renameAtTheRepositoryRoot() throws {
        let repo = try GitFixture()
        try repo.write("strata.yml", "migrations: .\n")
        try repo.write("0001_users.sql", Fixtures.table("users"))
        try repo.write("0002_posts.sql", Fixtures.table("posts"))
        try repo.commitAll("applied")
        try repo.checkout("feature", create: true)
        try repo.mv("0001_users.sql", "0001_accounts.sql")
        try repo.rm("0002_posts.sql")
        let expected = [
            Finding("./0001_accounts.sql", 1, 1, "error", "renamed-applied-migration",
                    "applied migration '0001_users' was renamed to '0001_accounts'; databases that ran it know it as '0001_users'"),
            Finding("./0002_posts.sql", 1, 1, "error", "deleted-applied-migration",
                    "applied migration '0002_posts' was deleted; databases on main already ran it"),
        ]
        #expect(try repo.checkJSON().diagnostics == expected)
        #expect(try repo.checkJSON("--staged").diagnostics == expected)
        try repo.commit("rename")
        #expect(try repo.checkJSON("--rev", "HEAD").diagnostics == expected)
    }

    @Test func outOfOrderMigrationIsAnError() throws {
        let repo = try GitFixture.withAppliedMigrations()
        // main moves on with 0004 after the branch started; the branch adds 0003.
        try repo.checkout("main")
        try repo.write("migrations/0004_tags.sql", Fixtures.table("tags"))
        try repo.commitAll("tags")
        try repo.checkout("feature")
        try repo.write("migrations/0003_comments.sql", Fixtures.table("comments"))
        let json = try repo.checkJSON()
        #expect(json.status == 1)
        #expect(json.diagnostics == [Finding("migrations/0003_comments.sql", 1, 1, "error", "out-of-order-migration",
                                             "'0003_comments' is new on this branch but sorts before '0004_tags', already on main")])
        // Renumbered after the latest: clean.
        try repo.move("migrations/0003_comments.sql", "migrations/0005_comments.sql")
        let fixed = try repo.checkJSON()
        #expect(fixed.status == 0)
        #expect(fixed.diagnostics.isEmpty)
    }

    @Test func numberTakenOnTheBaseBranch() throws {
        let repo = try GitFixture.withAppliedMigrations()
        try repo.checkout("main")
        try repo.write("migrations/0003_tags.sql", Fixtures.table("tags"))
        try repo.commitAll("tags")
        try repo.checkout("feature")
        try repo.write("migrations/0003_comments.sql", Fixtures.table("comments"))
        let json = try repo.checkJSON()
        #expect(json.status == 1)
        #expect(Set(json.diagnostics.map(\.description)) == [
            Finding("migrations/0003_comments.sql", 1, 1, "error", "duplicate-migration-number",
                    "migration number 0003 is already used by '0003_tags' on main").description,
            Finding("migrations/0003_comments.sql", 1, 1, "error", "out-of-order-migration",
                    "'0003_comments' is new on this branch but sorts before '0003_tags', already on main").description,
        ])
        #expect(json.diagnostics.count == 2)
        // `strata lint` cannot know: the other file is only on main.
        #expect(try repo.strata("lint").status == 0)
    }

    @Test func lintFindingsOnlyForNewOrChangedFiles() throws {
        let repo = try GitFixture()
        try repo.write("migrations/0001_legacy.sql", Fixtures.destructive("legacy"))
        try repo.commitAll("reviewed long ago")
        try repo.checkout("feature", create: true)
        try repo.write("migrations/0002_cleanup.sql", Fixtures.destructive("old"))
        let json = try repo.checkJSON()
        #expect(json.status == 1)
        #expect(json.diagnostics == [Finding("migrations/0002_cleanup.sql", 9, 1, "error", "destructive-in-rollback-safe",
                                             "DROP TABLE old in a migration marked @rollbackSafe: true")])
        // lint reports both files.
        let lint = try repo.strata("lint", "--format", "json")
        #expect(try Finding.decode(lint.stdout).map(\.file) == ["migrations/0001_legacy.sql", "migrations/0002_cleanup.sql"])
        // An applied file that changes is linted again.
        try repo.edit("migrations/0001_legacy.sql", replacing: "-- @name: Example", with: "-- @name: Legacy")
        #expect(try repo.checkJSON().diagnostics.map(\.rule) == ["edited-applied-migration", "destructive-in-rollback-safe", "destructive-in-rollback-safe"])
    }

    @Test func filesOutsideTheMigrationsFolderAreIgnored() throws {
        let repo = try GitFixture()
        try repo.write("strata.yml", "migrations: db/migrations\n")
        try repo.write("db/migrations/0001_users.sql", Fixtures.table("users"))
        try repo.write("migrations/0001_users.sql", Fixtures.table("users"))
        try repo.write("db/seeds/0001_seed.sql", Fixtures.table("seed"))
        try repo.write("README.md", "# app\n")
        try repo.commitAll("base")
        try repo.checkout("feature", create: true)
        // Edits, deletions and renames outside db/migrations do not matter.
        try repo.edit("migrations/0001_users.sql", replacing: "INTEGER", with: "BIGINT")
        try repo.mv("db/seeds/0001_seed.sql", "db/seeds/0001_seeds.sql")
        try repo.rm("README.md")
        try repo.write("db/0009_stray.sql", Fixtures.destructive("x"))
        let outcome = try repo.strata("check")
        #expect(outcome.status == 0, "\(outcome.stdout)")
        #expect(outcome.stdout == "1 file linted: no problems\n")
        // Inside it they do, shown under the configured folder.
        try repo.edit("db/migrations/0001_users.sql", replacing: "INTEGER", with: "BIGINT")
        #expect(try repo.checkJSON().diagnostics.map(\.file) == ["db/migrations/0001_users.sql"])
        // A migration moved out of the folder is a deletion.
        try repo.git("checkout", "--", "db/migrations")
        try repo.mv("db/migrations/0001_users.sql", "db/0001_users.sql")
        #expect(try repo.checkJSON().diagnostics == [Finding("db/migrations/0001_users.sql", 1, 1, "error", "deleted-applied-migration",
                                                             "applied migration '0001_users' was deleted; databases on main already ran it")])
    }

    @Test func pathsLimitTheReport() throws {
        let repo = try GitFixture.withAppliedMigrations()
        try repo.edit(users, replacing: "INTEGER", with: "BIGINT")
        try repo.edit(posts, replacing: "INTEGER", with: "BIGINT")
        let json = try repo.checkJSON(posts)
        #expect(json.diagnostics.map(\.file) == [posts])
        #expect(json.status == 1)
    }
}
