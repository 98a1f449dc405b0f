import Foundation
import Testing

/// Where `strata check` reads the migrations from: the working tree, the index (`--staged`) or a
/// commit (`--rev`); and repositories with no commit or odd file names.
@Suite("strata check: content sources")
struct CheckSourcesTests {
    let users = "migrations/0001_users.sql"

    func editedFinding(_ repo: GitFixture, line: String = "line 9") throws -> Finding {
        let since = try repo.mergeBase("HEAD", "main")
        return Finding(users, 9, 24, "error", "edited-applied-migration",
                       "applied migration edited: its SQL changed on \(line) since it was applied (on main since \(since))")
    }

    @Test func stagedChecksTheIndexNotTheWorkingTree() throws {
        let repo = try GitFixture.withAppliedMigrations()
        let original = try repo.read(users)
        let edited = try editedFinding(repo)

        // Staged edit, then the working tree put back: only --staged sees it.
        try repo.edit(users, replacing: "INTEGER", with: "BIGINT")
        try repo.add(users)
        try repo.write(users, original)
        let staged = try repo.checkJSON("--staged")
        #expect(staged.status == 1)
        #expect(staged.diagnostics == [edited])
        let workingTree = try repo.checkJSON()
        #expect(workingTree.status == 0)
        #expect(workingTree.diagnostics.isEmpty)

        // Unstaged edit: --staged ignores it, the working tree shows it.
        try repo.git("reset", "-q", "--", users)
        try repo.edit(users, replacing: "INTEGER", with: "BIGINT")
        #expect(try repo.checkJSON("--staged").diagnostics.isEmpty)
        #expect(try repo.checkJSON().diagnostics == [edited])

        // A new file counts once staged; an untracked one does not.
        try repo.write(users, original)
        try repo.write("migrations/0003_cleanup.sql", Fixtures.destructive("posts"))
        try repo.write("migrations/0004_untracked.sql", Fixtures.destructive("users"))
        try repo.add("migrations/0003_cleanup.sql")
        let outcome = try repo.strata("check", "--staged")
        #expect(outcome.status == 1)
        #expect(outcome.stdout == """
            migrations/0003_cleanup.sql:9:1: error: DROP TABLE posts in a migration marked @rollbackSafe: true [destructive-in-rollback-safe]
              help: mark the file `@rollbackSafe: false`, or move the destructive step to its own migration
            3 files linted: 1 error

            """)
    }

    @Test func stagedDeletionIsSeenButAnUnstagedOneIsNot() throws {
        let repo = try GitFixture.withAppliedMigrations()
        try repo.remove(users)
        #expect(try repo.checkJSON("--staged").diagnostics.isEmpty, "the index still holds the file")
        try repo.rm(users)
        #expect(try repo.checkJSON("--staged").diagnostics.map(\.rule) == ["deleted-applied-migration"])
    }

    @Test func revChecksACommit() throws {
        let repo = try GitFixture.withAppliedMigrations()
        let edited = try editedFinding(repo)
        try repo.edit(users, replacing: "INTEGER", with: "BIGINT")
        try repo.commitAll("edit")
        try repo.write("migrations/0003_new.sql", Fixtures.table("new"))
        try repo.commitAll("new")
        // From main, with an untouched working tree: the branch's commits are checked.
        try repo.checkout("main")
        let tip = try repo.checkJSON("--rev", "feature")
        #expect(tip.status == 1)
        #expect(tip.diagnostics == [edited])
        let sha = try repo.revParse("feature~1")
        #expect(try repo.checkJSON("--rev", sha).diagnostics == [edited])
        // The working tree does not matter to --rev.
        try repo.write("migrations/0009_wip.sql", Fixtures.destructive("users"))
        #expect(try repo.checkJSON("--rev", "feature~2").diagnostics.isEmpty)
        #expect(try repo.strata("check", "--rev", "feature~2").stdout == "2 files linted: no problems\n")
        #expect(try repo.strata("check", "--rev", "feature").stdout.hasSuffix("3 files linted: 1 error\n"))
    }

    @Test func revAndStagedErrors() throws {
        let repo = try GitFixture.withAppliedMigrations()
        let unknown = try repo.strata("check", "--rev", "no-such-branch")
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "strata: error: unknown revision 'no-such-branch'\n")
        #expect(unknown.stdout.isEmpty)
        let both = try repo.strata("check", "--staged", "--rev", "HEAD")
        #expect(both.status == 64)
        #expect(both.stderr.contains("--staged and --rev exclude each other"))
    }

    @Test func repositoryWithNoCommits() throws {
        let repo = try GitFixture()
        try repo.write("migrations/0001_users.sql", Fixtures.table("users"))
        let note = "strata: note: the repository has no commit yet: checked without history\n"
        let outcome = try repo.strata("check")
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "1 file linted: no problems\n")
        #expect(outcome.stderr == note)

        // Lint still runs and sets the exit code.
        try repo.write("migrations/0002_cleanup.sql", Fixtures.destructive("users"))
        let failing = try repo.checkJSON()
        #expect(failing.status == 1)
        #expect(failing.diagnostics.map(\.rule) == ["destructive-in-rollback-safe"])
        #expect(failing.stderr == note)

        // --staged reads the index of the unborn branch.
        try repo.add("migrations/0001_users.sql")
        let staged = try repo.strata("check", "--staged")
        #expect(staged.status == 0)
        #expect(staged.stdout == "1 file linted: no problems\n")
        #expect(staged.stderr == note)

        let required = try repo.strata("check", "--require-base")
        #expect(required.status == 2)
        #expect(required.stderr == "strata: error: --require-base: the repository has no commit yet\n")
        #expect(required.stdout.isEmpty)

        let rev = try repo.strata("check", "--rev", "HEAD")
        #expect(rev.status == 2)
        #expect(rev.stderr == "strata: error: unknown revision 'HEAD'\n")
    }

    /// A file name that is not valid UTF-8 (`0003_caf\xE9.sql`, Latin-1). git stores the raw
    /// bytes; strata reads them and shows the name with U+FFFD in place of the bad byte.
    @Test func nonUTF8FileName() throws {
        let repo = try GitFixture.withAppliedMigrations()
        try repo.write(rawPath: Array("migrations/0003_caf".utf8) + [0xE9] + Array(".sql".utf8), Fixtures.destructive("posts"))
        let shown = "migrations/0003_caf\u{FFFD}.sql"
        let finding = Finding(shown, 9, 1, "error", "destructive-in-rollback-safe", "DROP TABLE posts in a migration marked @rollbackSafe: true")

        // Working tree: the file is opened by its raw bytes and shown with U+FFFD, in `check`
        // and `lint` alike.
        let workingTree = try repo.checkJSON()
        #expect(workingTree.status == 1)
        #expect(workingTree.diagnostics == [finding])
        let lint = try repo.strata("lint", "--format", "json")
        #expect(lint.status == 1)
        #expect(lint.stdout.contains("\"file\":\"\(shown)\""))

        // Index and commits come from libgit2, which hands over the bytes: the file is checked.
        try repo.addAll()
        let staged = try repo.checkJSON("--staged")
        #expect(staged.status == 1)
        #expect(staged.diagnostics == [finding])
        try repo.commit("caf\u{E9}")
        let rev = try repo.checkJSON("--rev", "HEAD")
        #expect(rev.status == 1)
        #expect(rev.diagnostics == [finding])

        // Once applied on main and then deleted, it is reported under the same name.
        try repo.checkout("main")
        try repo.git("merge", "-q", "--ff-only", "feature")
        try repo.checkout("feature")
        try repo.rm(":(glob)migrations/0003_caf*.sql")
        let deleted = try repo.checkJSON("--staged")
        #expect(deleted.diagnostics == [Finding(shown, 1, 1, "error", "deleted-applied-migration",
                                                "applied migration '0003_caf\u{FFFD}' was deleted; databases on main already ran it")])
    }
}
