import Foundation
import Testing

/// `strata check` on renames, against real repositories whose migrations come from one template
/// (`strata new`, filled in): a rename is the same SQL under a new name, never two files that
/// merely look alike. Each case is checked on the working tree, the index and a commit.
@Suite("strata check: renames")
struct CheckRenameTests {
    static let tables = ["users", "posts", "items", "tags", "notes"]

    /// `main`: 0001_create_users … 0005_create_notes, each written by `strata new` and given its
    /// CREATE TABLE; `feature` is checked out at the same commit.
    static func templatedRepository() throws -> GitFixture {
        let repo = try GitFixture()
        for (n, table) in tables.enumerated() {
            let created = try repo.strata("new", "create \(table)")
            try #require(created.status == 0, "\(created.stderr)")
            try repo.fill("migrations/000\(n + 1)_create_\(table).sql", table: table)
        }
        try repo.commitAll("five migrations")
        try repo.checkout("feature", create: true)
        return repo
    }

    /// `strata check --base main --format json` on the working tree, then (after `git add -A`)
    /// the index, then (after a commit) the commit: each gives `expected`, in any order.
    func expectEverySource(_ repo: GitFixture, _ expected: [Finding], sourceLocation: SourceLocation = #_sourceLocation) throws {
        func check(_ args: String...) throws {
            let json = try repo.checkJSON(["--base", "main"] + args)
            #expect(json.status == (expected.contains { $0.severity == "error" } ? 1 : 0), "\(args): \(json.stderr)", sourceLocation: sourceLocation)
            #expect(json.diagnostics.sorted(by: { $0.description < $1.description }) == expected.sorted(by: { $0.description < $1.description }),
                    "\(args)", sourceLocation: sourceLocation)
        }
        try check()
        try repo.addAll()
        try check("--staged")
        try repo.commit("the branch's change")
        try check("--rev", "HEAD")
    }

    let items = "migrations/0003_create_items.sql"

    func deleted(_ id: String) -> Finding {
        Finding("migrations/\(id).sql", 1, 1, "error", "deleted-applied-migration", "applied migration '\(id)' was deleted; databases on main already ran it")
    }

    func renamed(_ from: String, _ to: String) -> Finding {
        Finding("migrations/\(to).sql", 1, 1, "error", "renamed-applied-migration",
                "applied migration '\(from)' was renamed to '\(to)'; databases that ran it know it as '\(from)'")
    }

    /// The case: 0003 deleted, 0006 copied from 0005 with another table. Twelve of its
    /// fourteen lines are 0003's, which git's similarity took for a rename of 0003.
    @Test func aDeletionAndATemplatedNewFile() throws {
        let repo = try Self.templatedRepository()
        try repo.rm(items)
        try repo.write("migrations/0006_feature.sql", try repo.read("migrations/0005_create_notes.sql").replacingOccurrences(of: "notes", with: "features"))
        try expectEverySource(repo, [deleted("0003_create_items")])

        // main took 0006 meanwhile: the new file's number is taken, and it sorts before main's.
        try repo.checkout("main")
        try repo.write("migrations/0006_other.sql", try repo.read("migrations/0005_create_notes.sql").replacingOccurrences(of: "notes", with: "others"))
        try repo.commitAll("main's own 0006")
        try repo.checkout("feature")
        let feature = "migrations/0006_feature.sql"
        let expected = [
            deleted("0003_create_items"),
            Finding(feature, 1, 1, "error", "duplicate-migration-number", "migration number 0006 is already used by '0006_other' on main"),
            Finding(feature, 1, 1, "error", "out-of-order-migration", "'0006_feature' is new on this branch but sorts before '0006_other', already on main"),
        ]
        for args in [[], ["--rev", "HEAD"]] {
            let json = try repo.checkJSON(["--base", "main"] + args)
            #expect(json.status == 1)
            #expect(json.diagnostics.sorted(by: { $0.description < $1.description }) == expected.sorted(by: { $0.description < $1.description }), "\(args)")
        }
    }

    /// Renamed and its SQL edited: no longer the applied migration but a new one, checked as
    /// new against what main's databases ran (0005 is later, and 0002 is main's number).
    @Test func aRenameWithAnSQLEditIsADeletionAndANewMigration() throws {
        let repo = try Self.templatedRepository()
        try repo.mv("migrations/0002_create_posts.sql", "migrations/0002_posts.sql")
        try repo.edit("migrations/0002_posts.sql", replacing: "id INTEGER PRIMARY KEY", with: "id INTEGER PRIMARY KEY, title TEXT")
        let posts = "migrations/0002_posts.sql"
        try expectEverySource(repo, [
            deleted("0002_create_posts"),
            Finding(posts, 1, 1, "error", "duplicate-migration-number", "migration number 0002 is already used by '0002_create_posts' on main"),
            Finding(posts, 1, 1, "error", "out-of-order-migration", "'0002_posts' is new on this branch but sorts before '0005_create_notes', already on main"),
        ])
    }

    /// The same SQL under a new name: one renamed-applied-migration, nothing else (no deletion,
    /// no edit, not new: neither out of order nor a taken number, though main has a 0006 too).
    @Test func aTrueRenameIsReportedOnce() throws {
        let repo = try Self.templatedRepository()
        try repo.checkout("main")
        try repo.write("migrations/0006_other.sql", try repo.read("migrations/0005_create_notes.sql").replacingOccurrences(of: "notes", with: "others"))
        try repo.commitAll("main's own 0006")
        try repo.checkout("feature")
        // Moved on disk only: git sees a deleted and an untracked file.
        try repo.move(items, "migrations/0003_items.sql")
        try expectEverySource(repo, [renamed("0003_create_items", "0003_items")])
        // Renumbered after the others.
        try repo.mv("migrations/0003_items.sql", "migrations/0006_items.sql")
        try expectEverySource(repo, [renamed("0003_create_items", "0006_items")])
    }

    /// Renamed with its description, comments and layout reworded: the SQL is the same, so it is
    /// a rename; the reworded text is the cosmetic edit warning, against the applied file.
    @Test func aRenameWithOnlyCommentAndWhitespaceChangesIsARename() throws {
        let repo = try Self.templatedRepository()
        let catalogue = "migrations/0003_catalogue.sql"
        try repo.mv(items, catalogue)
        try repo.edit(catalogue, replacing: "-- @name: create items", with: "-- @name: the catalogue")
        try repo.edit(catalogue, replacing: "CREATE TABLE items (id INTEGER PRIMARY KEY);",
                      with: "-- one row per item on sale\nCREATE TABLE items (\n    id INTEGER PRIMARY KEY\n);")
        try expectEverySource(repo, [
            renamed("0003_create_items", "0003_catalogue"),
            Finding(catalogue, 1, 1, "warning", "edited-applied-migration",
                    "applied migration edited: only comments, whitespace or descriptive metadata changed on lines 1-12"),
        ])
    }

    /// Two deleted applied migrations of the same SQL and one new copy: one rename (the one of
    /// the same number), one deletion.
    @Test func twoDeletedTwinsAndOneCopy() throws {
        let repo = try GitFixture()
        try repo.write("migrations/0001_seed.sql", Fixtures.migration(up: "INSERT INTO settings VALUES (1);", down: "DELETE FROM settings;"))
        try repo.write("migrations/0002_seed_again.sql", Fixtures.migration(up: "INSERT INTO settings VALUES (1);", down: "DELETE FROM settings;"))
        try repo.commitAll("twins")
        try repo.checkout("feature", create: true)
        try repo.rm("migrations/0001_seed.sql")
        try repo.mv("migrations/0002_seed_again.sql", "migrations/0002_settings.sql")
        try expectEverySource(repo, [deleted("0001_seed"), renamed("0002_seed_again", "0002_settings")])
    }
}

extension GitFixture {
    /// Gives a file written by `strata new` its statements: CREATE TABLE and DROP TABLE `table`.
    func fill(_ path: String, table: String) throws {
        try edit(path, replacing: "-- UP MIGRATION\n\n", with: "-- UP MIGRATION\nCREATE TABLE \(table) (id INTEGER PRIMARY KEY);\n")
        try edit(path, replacing: "-- DOWN MIGRATION\n\n", with: "-- DOWN MIGRATION\nDROP TABLE \(table);\n")
    }

    /// `strata check --format json ARGS` (an array, for arguments built in a test).
    func checkJSON(_ args: [String]) throws -> (status: Int32, diagnostics: [Finding], stderr: String) {
        let outcome = try Self.runStrata(["check", "--format", "json"] + args, in: root)
        return (outcome.status, try Finding.decode(outcome.stdout), outcome.stderr)
    }
}
