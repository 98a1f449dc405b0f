import Foundation
import Testing

/// `strata lint FILE` and `strata check FILE...` (what editors, lint-staged and pre-commit run)
/// read the rest of the file's migrations folder, and report the files named only.
@Suite("Files named one by one")
struct NamedFilesCommandTests {
    /// The README's `migrations/`: users, then posts depending on users.
    static func writeReadmeShape(_ write: (String, String) throws -> Void, folder: String = "migrations") throws {
        try write("\(folder)/0001_create_users.sql", Fixtures.migration(
            up: "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);", down: "DROP TABLE users;"))
        try write("\(folder)/0002_create_posts.sql", Fixtures.migration(
            up: "CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES users (id));\nCREATE INDEX idx_posts_author_id ON posts (author_id);",
            down: "DROP TABLE posts;", dependencies: "[\"0001_create_users\"]"))
    }

    static func readmeProject() throws -> Project {
        let project = try Project()
        try writeReadmeShape(project.write)
        return project
    }

    static func findings(_ outcome: CLI.Outcome) throws -> [Finding] { try Finding.decode(outcome.stdout) }

    @Test func aFileKnowsTheMigrationsBesideIt() throws {
        let project = try Self.readmeProject()
        let outcome = try project.run("lint", "migrations/0002_create_posts.sql")
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout == "1 file linted: no problems\n")
        // Named with `./`, or by its absolute path: the same, under the path as given.
        let absolute = project.root.path + "/migrations/0002_create_posts.sql"
        for path in ["./migrations/0002_create_posts.sql", absolute] {
            let again = try project.run("lint", "--format", "json", path)
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            #expect(try Self.findings(again).isEmpty)
        }
    }

    @Test func aDependencyReallyMissingIsReportedOnTheNamedFileOnly() throws {
        let project = try Self.readmeProject()
        try project.write("migrations/0003_tags.sql", Fixtures.migration(
            up: "CREATE TABLE tags (id INTEGER PRIMARY KEY);", dependencies: "[\"0002_create_post\"]"))
        try project.write("migrations/0004_broken.sql", Fixtures.migration(up: "DROP TABLE users;", dependencies: "[\"0009_nope\"]"))
        let outcome = try project.run("lint", "--format", "json", "migrations/0003_tags.sql")
        #expect(outcome.status == 1)
        let found = try Self.findings(outcome)
        #expect(found.map(\.rule) == ["unknown-dependency"], "\(found)")
        #expect(found.map(\.file) == ["migrations/0003_tags.sql"])
        #expect(found.first?.message.contains("'0002_create_post'") == true)
        // Exit codes follow the named files: 0004's errors do not fail a lint of 0002.
        #expect(try project.run("lint", "migrations/0002_create_posts.sql").status == 0)
    }

    /// A rule that needs the schema the earlier migrations built finds what a lint of the
    /// whole folder finds in the named file.
    @Test func theSchemaOfTheEarlierMigrationsIsBuilt() throws {
        let project = try Self.readmeProject()
        try project.write("migrations/0003_editors.sql", Fixtures.migration(
            up: "ALTER TABLE posts ADD COLUMN editor_id INTEGER REFERENCES users (id);",
            down: "ALTER TABLE posts DROP COLUMN editor_id;", dependencies: "[\"0002_create_posts\"]"))
        let whole = try Self.findings(try project.run("lint", "--format", "json", "migrations"))
        let named = try project.run("lint", "--format", "json", "migrations/0003_editors.sql")
        let found = try Self.findings(named)
        #expect(found.map(\.rule).contains("unindexed-column"), "\(found)")
        #expect(found == whole.filter { $0.file == "migrations/0003_editors.sql" })
        #expect(named.stdout.contains("\"summary\":{\"files\":1,"))
    }

    @Test func filesOfTwoFoldersEachWithTheirOwnFolder() throws {
        let project = try Project()
        try Self.writeReadmeShape(project.write, folder: "services/a/db")
        try Self.writeReadmeShape(project.write, folder: "services/b/db")
        let outcome = try project.run("lint", "--format", "json",
                                      "services/b/db/0002_create_posts.sql", "services/a/db/0002_create_posts.sql")
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        // Two sets, not one: no duplicate number across the folders, no unknown dependency.
        #expect(try Self.findings(outcome).isEmpty)
        #expect(outcome.stdout.contains("\"summary\":{\"files\":2,"))
    }

    /// A file in no migrations folder is linted alone, as before.
    @Test func aFileOutsideAnyMigrationsFolderIsLintedAlone() throws {
        let project = try Project()
        try project.write("scratch/0002_create_posts.sql", Fixtures.migration(
            up: "CREATE TABLE posts (id INTEGER PRIMARY KEY);", dependencies: "[\"0001_create_users\"]"))
        try project.write("scratch/seed.sql", "INSERT INTO posts VALUES (1);\n")
        try project.write("scratch/0001_create_users.sql", Fixtures.table("users"))
        let outcome = try project.run("lint", "--format", "json", "scratch/0002_create_posts.sql")
        #expect(try Self.findings(outcome).map(\.rule) == ["unknown-dependency"], "\(outcome.stdout)")
        try project.write("elsewhere/x.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
        let plain = try project.run("lint", "elsewhere/x.sql")
        #expect(plain.stdout == "1 file linted: no problems\n", "\(plain.stdout)\(plain.stderr)")
    }

    @Test func aFileNamedTwiceOrWithItsFolderIsReportedOnce() throws {
        let project = try Self.readmeProject()
        try project.write("migrations/0003_cleanup.sql", Fixtures.destructive("users"))
        let outcome = try project.run("lint", "--format", "json", "migrations/", "migrations/0003_cleanup.sql")
        #expect(try Self.findings(outcome).map(\.rule) == ["destructive-in-rollback-safe"])
        let missing = try project.run("lint", "migrations/0009_missing.sql")
        #expect(missing.status == 2)
        #expect(missing.stderr == "strata: error: migrations/0009_missing.sql: no such file or directory\n")
    }

    /// pre-commit passes the staged files to `strata check`: their folder is checked (with git
    /// history), they alone are reported.
    @Test func checkOfStagedFilesInARealRepository() throws {
        let repo = try GitFixture()
        try Self.writeReadmeShape(repo.write)
        try repo.commitAll("applied")
        try repo.checkout("feature", create: true)
        try repo.write("migrations/0003_tags.sql", Fixtures.migration(
            up: "CREATE TABLE tags (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts (id));",
            down: "DROP TABLE tags;", dependencies: "[\"0002_create_posts\"]"))
        try repo.write("migrations/0004_drop.sql", Fixtures.migration(up: "DROP TABLE tags;", dependencies: "[\"0003_tags\"]"))
        try repo.write("seeds/data.sql", "INSERT INTO users VALUES (1, 'a');\n")
        try repo.add("migrations/0003_tags.sql", "migrations/0004_drop.sql", "seeds/data.sql")

        let one = try repo.checkJSON("--staged", "migrations/0003_tags.sql")
        #expect(one.status == 0, "\(one.diagnostics)\(one.stderr)")
        #expect(one.diagnostics.map(\.rule) == ["unindexed-column"])
        #expect(one.diagnostics.map(\.file) == ["migrations/0003_tags.sql"])

        let both = try GitFixture.runStrata(["check", "--staged", "migrations/0003_tags.sql", "migrations/0004_drop.sql",
                                             "seeds/data.sql"], in: repo.root)
        #expect(both.status == 1)
        #expect(both.stdout.contains("migrations/0004_drop.sql:9:1: error:"), "\(both.stdout)")
        #expect(!both.stdout.contains("unknown-dependency"))
        #expect(both.stdout.hasSuffix("2 files linted: 1 error, 1 warning\n"), "\(both.stdout)")
        #expect(both.stderr == "strata: note: seeds/data.sql: not in a migrations folder, not checked\n")

        // An applied migration named, unchanged: nothing to report (it passed review on main).
        let applied = try repo.checkJSON("migrations/0001_create_users.sql")
        #expect(applied.status == 0 && applied.diagnostics.isEmpty, "\(applied.diagnostics)")
        // ... edited on the branch: its history finding, and nothing of the other files.
        try repo.edit("migrations/0001_create_users.sql", replacing: "email TEXT NOT NULL", with: "email TEXT")
        let edited = try repo.checkJSON("migrations/0001_create_users.sql")
        #expect(edited.diagnostics.map(\.rule) == ["edited-applied-migration"], "\(edited.diagnostics)")
    }
}
