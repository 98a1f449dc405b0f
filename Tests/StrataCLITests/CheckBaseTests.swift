import Foundation
import Testing

/// How `strata check` finds the protected branch, and what it does without one.
@Suite("strata check: base branch")
struct CheckBaseTests {
    let users = "migrations/0001_users.sql"

    /// A repository on `branch` with 0001_users committed, then a branch `feature` editing it
    /// in the working tree.
    func repository(initialBranch: String) throws -> GitFixture {
        let repo = try GitFixture(branch: initialBranch)
        try repo.write(users, Fixtures.table("users"))
        try repo.commitAll("applied")
        try repo.checkout("feature", create: true)
        try repo.edit(users, replacing: "INTEGER", with: "BIGINT")
        return repo
    }

    func edited(on base: String, since: String) -> Finding {
        Finding(users, 9, 24, "error", "edited-applied-migration",
                "applied migration edited: its SQL changed on line 9 since it was applied (on \(base) since \(since))")
    }

    @Test func localMainAndMasterAreFound() throws {
        for branch in ["main", "master"] {
            let repo = try repository(initialBranch: branch)
            let json = try repo.checkJSON()
            #expect(json.status == 1)
            #expect(json.diagnostics == [edited(on: branch, since: try repo.mergeBase("HEAD", branch))])
            #expect(json.stderr.isEmpty)
        }
    }

    @Test func remoteTrackingBranchesComeFirst() throws {
        let upstream = try GitFixture()
        try upstream.write(users, Fixtures.table("users"))
        try upstream.commitAll("applied")
        let clone = try upstream.clone()
        let since = String(try upstream.revParse("HEAD").prefix(10))

        // A fresh clone has origin/HEAD.
        try clone.checkout("feature", create: true)
        try clone.edit(users, replacing: "INTEGER", with: "BIGINT")
        #expect(try clone.checkJSON().diagnostics == [edited(on: "origin/HEAD", since: since)])

        // Without origin/HEAD, origin/main.
        try clone.git("remote", "set-head", "origin", "-d")
        #expect(try clone.checkJSON().diagnostics == [edited(on: "origin/main", since: since)])

        // origin/main wins over a local main that is ahead of it: a migration committed only
        // on the local main is not applied yet, so editing it is fine.
        try clone.git("checkout", "-q", "--", users)
        try clone.checkout("main")
        try clone.write("migrations/0002_local.sql", Fixtures.table("local"))
        try clone.commitAll("not pushed")
        try clone.git("checkout", "-q", "-B", "feature")
        try clone.edit("migrations/0002_local.sql", replacing: "INTEGER", with: "BIGINT")
        let json = try clone.checkJSON()
        #expect(json.status == 0)
        #expect(json.diagnostics.isEmpty)
        // Named explicitly, the local main counts.
        let local = try clone.checkJSON("--base", "main")
        #expect(local.diagnostics == [Finding("migrations/0002_local.sql", 9, 24, "error", "edited-applied-migration",
                                              "applied migration edited: its SQL changed on line 9 since it was applied (on main since \(try clone.mergeBase("HEAD", "main")))")])
    }

    /// `git clone --branch feature` points origin/HEAD at the feature branch: taken as the
    /// base, every migration of the branch would count as applied and none would be linted.
    @Test func aCloneOfTheFeatureBranchStillComparesWithMain() throws {
        let upstream = try GitFixture()
        try upstream.write(users, Fixtures.table("users"))
        try upstream.commitAll("applied")
        try upstream.checkout("feature", create: true)
        try upstream.write("migrations/0002_posts.sql", Fixtures.migration(
            up: "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));", down: "DROP TABLE posts;",
            dependencies: "[\"0001_users\"]"))
        try upstream.commitAll("new on the branch")
        try upstream.edit(users, replacing: "INTEGER", with: "BIGINT")
        try upstream.commitAll("edit an applied one")
        let clone = try upstream.clone(branch: "feature", noSingleBranch: true)
        #expect(try clone.revParse("origin/HEAD") == (try clone.revParse("HEAD")))
        let json = try clone.checkJSON()
        #expect(json.diagnostics.map(\.rule).sorted() == ["edited-applied-migration", "unindexed-column"], "\(json.diagnostics)")
        #expect(json.diagnostics.contains { $0.rule == "edited-applied-migration" && $0.message.contains("on origin/main since") })
        // On the base branch itself every name is at the checked commit: nothing is new there.
        let main = try upstream.clone(branch: "main", noSingleBranch: true)
        #expect(try main.checkJSON().diagnostics.isEmpty)
    }

    @Test func baseOptionAndConfiguration() throws {
        let repo = try repository(initialBranch: "trunk")
        let since = try repo.mergeBase("HEAD", "trunk")
        #expect(try repo.checkJSON("--base", "trunk").diagnostics == [edited(on: "trunk", since: since)])
        #expect(try repo.checkJSON("--base", "refs/heads/trunk").diagnostics == [edited(on: "refs/heads/trunk", since: since)])

        try repo.write("strata.yml", "history:\n  base: trunk\n")
        let configured = try repo.checkJSON()
        #expect(configured.diagnostics == [edited(on: "trunk", since: since)])
        #expect(configured.stderr.isEmpty)

        // --base wins over history.base; a ref that names nothing is not replaced by the usual names.
        try repo.git("branch", "main", "trunk")
        #expect(try repo.checkJSON("--base", "main").diagnostics == [edited(on: "main", since: since)])
        let missing = try repo.strata("check", "--base", "release")
        #expect(missing.status == 0)
        #expect(missing.stderr == "strata: note: no base branch found (tried 'release'): checked without history; name one with --base or history.base in strata.yml\n")
    }

    @Test func noBaseFoundRunsLintAlone() throws {
        let repo = try repository(initialBranch: "trunk")
        let note = "strata: note: no base branch found (tried origin/HEAD, origin/main, origin/master, main, master): checked without history; name one with --base or history.base in strata.yml\n"
        let clean = try repo.strata("check")
        #expect(clean.status == 0, "the edit cannot be seen without a base")
        #expect(clean.stdout == "1 file linted: no problems\n")
        #expect(clean.stderr == note)

        // Lint findings still decide the exit code.
        try repo.write("migrations/0002_cleanup.sql", Fixtures.destructive("users"))
        let failing = try repo.checkJSON()
        #expect(failing.status == 1)
        #expect(failing.diagnostics == [Finding("migrations/0002_cleanup.sql", 9, 1, "error", "destructive-in-rollback-safe",
                                                "DROP TABLE users in a migration marked @rollbackSafe: true")])
        #expect(failing.stderr == note)

        let required = try repo.strata("check", "--require-base")
        #expect(required.status == 2)
        #expect(required.stdout.isEmpty)
        #expect(required.stderr == "strata: error: --require-base: no base branch found (tried origin/HEAD, origin/main, origin/master, main, master); name one with --base or history.base in strata.yml\n")
    }

    @Test func baseWithNoSharedHistory() throws {
        let repo = try repository(initialBranch: "main")
        try repo.git("checkout", "-q", "--orphan", "unrelated")
        try repo.commitAll("unrelated root")
        let outcome = try repo.strata("check")
        #expect(outcome.status == 0)
        #expect(outcome.stderr == "strata: note: main and the checked commit share no history: checked without history\n")
        let required = try repo.strata("check", "--require-base")
        #expect(required.status == 2)
        #expect(required.stderr == "strata: error: --require-base: main and the checked commit share no history\n")
    }

    @Test func repositoryIsFoundFromTheMigrationsFolder() throws {
        // Run from a folder that is not in the repository, naming the repository's migrations.
        let repo = try GitFixture.withAppliedMigrations()
        try repo.edit("migrations/0001_users.sql", replacing: "PRIMARY KEY", with: "PRIMARY KEY NOT NULL")
        let elsewhere = try Project()
        let outcome = try GitFixture.runStrata(["check", "--format", "json", repo.root.appendingPathComponent("migrations").path],
                                               in: elsewhere.root)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.isEmpty)
        #expect(outcome.stdout.contains("\"rule\":\"edited-applied-migration\""))
    }

    @Test func outsideARepository() throws {
        let project = try GitFixture(branch: nil)
        try project.write("migrations/0001_users.sql", Fixtures.table("users"))
        let outcome = try project.strata("check")
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "1 file linted: no problems\n")
        #expect(outcome.stderr == "strata: note: not inside a git repository: checked without history\n")

        try project.write("migrations/0002_cleanup.sql", Fixtures.destructive("users"))
        let failing = try project.checkJSON()
        #expect(failing.status == 1)
        #expect(failing.diagnostics.map(\.rule) == ["destructive-in-rollback-safe"])

        let required = try project.strata("check", "--require-base")
        #expect(required.status == 2)
        #expect(required.stderr == "strata: error: --require-base: not inside a git repository\n")

        let staged = try project.strata("check", "--staged")
        #expect(staged.status == 2)
        #expect(staged.stderr.hasPrefix("strata: error: --staged needs a git repository, and "))
        #expect(staged.stderr.hasSuffix(" is not inside one\n"))
        let rev = try project.strata("check", "--rev", "HEAD")
        #expect(rev.status == 2)
        #expect(rev.stderr.hasPrefix("strata: error: --rev needs a git repository"))
    }

    /// CI checks out the pull request's branch alone, one commit deep: the base is not there.
    @Test func shallowCloneWithoutTheBase() throws {
        let upstream = try repository(initialBranch: "main")
        try upstream.commitAll("edit")
        try upstream.checkout("main")
        let clone = try upstream.clone(depth: 1, branch: "feature")
        #expect(try clone.git("rev-parse", "--is-shallow-repository") == "true")
        let outcome = try clone.strata("check")
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "1 file linted: no problems\n")
        #expect(outcome.stderr == "strata: note: no base branch found (tried origin/HEAD, origin/main, origin/master, main, master); this is a shallow clone, fetch the base branch (git fetch origin main): checked without history; name one with --base or history.base in strata.yml\n")
        let required = try clone.strata("check", "--require-base")
        #expect(required.status == 2)
        #expect(required.stderr == "strata: error: --require-base: no base branch found (tried origin/HEAD, origin/main, origin/master, main, master); this is a shallow clone, fetch the base branch (git fetch origin main); name one with --base or history.base in strata.yml\n")
        let develop = try clone.strata("check", "--base", "origin/develop")
        #expect(develop.stderr.contains("no base branch found (tried 'origin/develop'); this is a shallow clone, fetch the base branch (git fetch origin develop)"),
                "\(develop.stderr)")
        let rev = try clone.strata("check", "--rev", "HEAD~1")
        #expect(rev.status == 2)
        #expect(rev.stderr == "strata: error: unknown revision 'HEAD~1' (this is a shallow clone: fetch more history)\n")

        // After fetching the base, one commit deep, the edit shows.
        try clone.git("fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
        let fetched = try clone.checkJSON()
        #expect(fetched.stderr.isEmpty, "\(fetched.stderr)")
        #expect(fetched.diagnostics.map(\.rule) == ["edited-applied-migration"])
    }

    /// Both branches fetched one commit deep: the base is there but the history joining them is not.
    @Test func shallowCloneWithoutTheMergeBase() throws {
        let upstream = try repository(initialBranch: "main")
        try upstream.commitAll("edit")
        try upstream.checkout("main")
        try upstream.write("migrations/0002_posts.sql", Fixtures.table("posts"))
        try upstream.commitAll("main moves on")
        let clone = try upstream.clone(depth: 1, noSingleBranch: true)
        try clone.checkout("feature")
        let outcome = try clone.strata("check")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "1 file linted: no problems\n")
        #expect(outcome.stderr == "strata: note: cannot find where origin/HEAD and the checked commit diverge: this is a shallow clone, fetch more history (git fetch --unshallow): checked without history\n")
        let required = try clone.strata("check", "--require-base")
        #expect(required.status == 2)
        #expect(required.stderr == "strata: error: --require-base: cannot find where origin/HEAD and the checked commit diverge: this is a shallow clone, fetch more history (git fetch --unshallow)\n")
        // Unshallowed, the edit is found.
        try clone.git("fetch", "-q", "--unshallow")
        #expect(try clone.checkJSON().diagnostics.map(\.rule) == ["edited-applied-migration"])
    }
}
