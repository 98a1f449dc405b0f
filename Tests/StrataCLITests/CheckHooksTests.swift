import Foundation
import Testing

/// `strata hooks install`, and the installed hook stopping a real `git commit`.
@Suite("strata hooks install")
struct CheckHooksTests {
    /// The repository's `hooks/pre-commit`, which must equal what `hooks install` writes.
    static let shippedHook: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("hooks/pre-commit"), encoding: .utf8)) ?? "(missing)"
    }()

    func hookPath(_ repo: GitFixture, _ folder: String = ".git/hooks") -> String {
        repo.root.appendingPathComponent(folder).appendingPathComponent("pre-commit").path
    }

    func isExecutable(_ path: String) throws -> Bool {
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? 0
        return permissions & 0o111 == 0o111
    }

    @Test func installsTheShippedHookOnce() throws {
        let repo = try GitFixture()
        let path = hookPath(repo)
        try? FileManager.default.removeItem(atPath: path)
        let first = try repo.strata("hooks", "install")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "installed \(path)\n")
        #expect(first.stderr.isEmpty)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == Self.shippedHook)
        #expect(written.hasPrefix("#!/bin/sh\n") && written.contains("exec strata check --staged\n"))
        #expect(try isExecutable(path))

        // Again: nothing to do.
        let second = try repo.strata("hooks", "install")
        #expect(second.status == 0)
        #expect(second.stdout == "the Strata pre-commit hook is already installed at \(path)\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.shippedHook)

        // From a sub-folder, the same repository.
        try repo.write("db/readme.txt", "x\n")
        let nested = try GitFixture.runStrata(["hooks", "install"], in: repo.root.appendingPathComponent("db"))
        #expect(nested.stdout == "the Strata pre-commit hook is already installed at \(path)\n")
    }

    @Test func keepsADifferentHookUnlessForced() throws {
        let repo = try GitFixture()
        let path = hookPath(repo)
        let mine = "#!/bin/sh\necho my own hook\n"
        try repo.write(".git/hooks/pre-commit", mine)
        let refused = try repo.strata("hooks", "install")
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr == "strata: error: \(path) already exists and is not Strata's hook; keep it, or replace it with --force\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == mine)

        let forced = try repo.strata("hooks", "install", "--force")
        #expect(forced.status == 0)
        #expect(forced.stdout == "installed \(path)\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.shippedHook)
        #expect(try isExecutable(path))
    }

    @Test func followsCoreHooksPath() throws {
        let repo = try GitFixture()
        try repo.git("config", "core.hooksPath", "githooks")
        let relative = try repo.strata("hooks", "install")
        #expect(relative.status == 0, "\(relative.stderr)")
        let path = hookPath(repo, "githooks")
        #expect(relative.stdout == "installed \(path)\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.shippedHook)
        #expect(!FileManager.default.fileExists(atPath: hookPath(repo)))

        let elsewhere = try Project()
        let absolute = elsewhere.root.appendingPathComponent("shared-hooks").path
        try repo.git("config", "core.hooksPath", absolute)
        let outcome = try repo.strata("hooks", "install")
        #expect(outcome.stdout == "installed \(absolute)/pre-commit\n")
        #expect(try String(contentsOfFile: absolute + "/pre-commit", encoding: .utf8) == Self.shippedHook)
    }

    /// Where git itself runs hooks from, for the same environment.
    func gitHooksFolder(_ repo: GitFixture, in directory: URL? = nil, environment: [String: String] = [:]) throws -> String {
        try GitFixture.runGit(["rev-parse", "--path-format=absolute", "--git-path", "hooks"], in: directory ?? repo.root,
                              environment: environment).stdout.trimmingCharacters(in: .newlines)
    }

    @Test func linkedWorktreeInstallsWhereGitLooks() throws {
        let repo = try GitFixture()
        try repo.write("a.txt", "a\n")
        try repo.commitAll("a")
        let linked = try Project()
        try FileManager.default.removeItem(at: linked.root)
        try repo.git("worktree", "add", "-q", "-b", "other", linked.root.path)
        let outcome = try GitFixture.runStrata(["hooks", "install"], in: linked.root)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let folder = try gitHooksFolder(repo, in: linked.root)
        #expect(folder == repo.root.appendingPathComponent(".git/hooks").path)
        #expect(outcome.stdout == "installed \(folder)/pre-commit\n")
        #expect(try String(contentsOfFile: folder + "/pre-commit", encoding: .utf8) == Self.shippedHook)
    }

    @Test func hooksPathStartingWithTilde() throws {
        let repo = try GitFixture()
        let home = try Project()
        try repo.git("config", "core.hooksPath", "~/git-hooks")
        let outcome = try repo.strata("hooks", "install", environment: ["HOME": home.root.path])
        let folder = try gitHooksFolder(repo, environment: ["HOME": home.root.path])
        #expect(folder == home.root.appendingPathComponent("git-hooks").path)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "installed \(folder)/pre-commit\n")
        #expect(FileManager.default.fileExists(atPath: folder + "/pre-commit"))
    }

    @Test func outsideARepositoryIsAnError() throws {
        let project = try GitFixture(branch: nil)
        let outcome = try project.strata("hooks", "install")
        #expect(outcome.status == 2)
        #expect(outcome.stderr.hasPrefix("strata: error: not inside a git repository ("))
    }

    /// The installed hook, run by git, with the built binary first on PATH.
    @Test func hookBlocksACommitThatEditsAnAppliedMigration() throws {
        let repo = try GitFixture.withAppliedMigrations()
        #expect(try repo.strata("hooks", "install").status == 0)
        let binFolder = CLI.binary.deletingLastPathComponent().path
        let path = binFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let head = try repo.revParse("HEAD")

        try repo.edit("migrations/0001_users.sql", replacing: "INTEGER", with: "BIGINT")
        try repo.addAll()
        let blocked = try repo.gitOutcome(["commit", "-q", "-m", "edit applied"], environment: ["PATH": path])
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("migrations/0001_users.sql:9:24: error: applied migration edited: its SQL changed on line 9 since it was applied (on main since \(head.prefix(10))) [edited-applied-migration]"),
                "\(blocked.stdout)\(blocked.stderr)")
        #expect(try repo.revParse("HEAD") == head, "nothing was committed")

        // `git commit -a` stages into a temporary index (GIT_INDEX_FILE): the hook must see it.
        try repo.git("reset", "-q")
        let all = try repo.gitOutcome(["commit", "-q", "-a", "-m", "edit applied"], environment: ["PATH": path])
        #expect(all.status == 1, "\(all.stdout)\(all.stderr)")
        #expect(all.stderr.contains("[edited-applied-migration]"))
        #expect(try repo.revParse("HEAD") == head)

        // So does `git commit PATH` (its temporary index holds the working tree's file).
        let only = try repo.gitOutcome(["commit", "-q", "-m", "edit applied", "--", "migrations/0001_users.sql"], environment: ["PATH": path])
        #expect(only.status == 1, "\(only.stdout)\(only.stderr)")
        #expect(only.stderr.contains("[edited-applied-migration]"))
        #expect(try repo.revParse("HEAD") == head)

        // A new, clean migration goes through.
        try repo.git("checkout", "-q", "--", ".")
        try repo.write("migrations/0003_tags.sql", Fixtures.table("tags"))
        try repo.addAll()
        let allowed = try repo.gitOutcome(["commit", "-q", "-m", "add tags"], environment: ["PATH": path])
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        #expect(try repo.revParse("HEAD") != head)

        // Without strata on PATH the hook says so and stops the commit.
        try repo.write("migrations/0004_more.sql", Fixtures.table("more"))
        try repo.addAll()
        let missing = try repo.gitOutcome(["commit", "-q", "-m", "more"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("strata pre-commit: strata is not on PATH (install it, or skip once with git commit --no-verify)"))
    }
}
