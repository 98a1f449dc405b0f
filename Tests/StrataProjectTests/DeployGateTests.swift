import Foundation
import StrataCore
import StrataProject
import StrataGit
import StrataRules
import Testing

/// `deploy`'s gate, without a process: the checks of `strata check` on a real repository (or
/// a folder outside one), and whether their findings let the deploy go on.
@Suite("Deploy gate")
struct DeployGateTests {
    /// A migration with a full header.
    static func migration(_ up: String, rollbackSafe: Bool = true) -> String {
        """
        -- @name: Example
        -- @description: example
        -- @timestamp: 2024-01-01T00:00:00Z
        -- @rollbackSafe: \(rollbackSafe)
        -- @performanceImpact: low
        -- @dependencies: []

        -- UP MIGRATION
        \(up)

        -- DOWN MIGRATION
        SELECT 1;

        """
    }

    static let users = migration("CREATE TABLE users (id INT PRIMARY KEY);")
    /// A foreign key column no index covers: a warning.
    static let posts = migration("CREATE TABLE posts (id INT PRIMARY KEY, user_id INT REFERENCES users (id));")
    /// A DROP in a migration marked rollback-safe: an error.
    static let drop = migration("DROP TABLE users;")

    /// A repository whose `main` holds `applied` (applied wherever main was deployed), with
    /// `feature` checked out and `working` written to the working tree.
    static func repository(applied: [String: String], working: [String: String]) throws -> TempRepository {
        let repo = try TempRepository()   // (shared with StrataGitTests: a link to its file)
        for (name, text) in applied { try repo.write("migrations/\(name)", text) }
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "--allow-empty", "-m", "applied")
        try repo.git("checkout", "-q", "-b", "feature")
        for (name, text) in working { try repo.write("migrations/\(name)", text) }
        return repo
    }

    static func check(_ folder: TempRepository, _ gate: DeployGate = DeployGate()) throws -> DeployGate.Verdict {
        let request = HistoryRequest(workingDirectory: folder.path, migrationsDirectory: folder.path + "/migrations",
                                     displayDirectory: folder.path + "/migrations", layout: .strata, dialect: .sqlite, base: "main", source: .workingTree)
        let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .strata)
        return try gate.check(request, linter: linter)
    }

    @Test func aCleanChangePasses() throws {
        let repo = try Self.repository(applied: ["0001_users.sql": Self.users], working: [:])
        let verdict = try Self.check(repo)
        #expect(verdict.refusal == nil)
        #expect(verdict.note == nil)
        #expect(verdict.findings.errorCount == 0 && verdict.findings.warningCount == 0, "\(verdict.findings.diagnostics)")
    }

    @Test func anErrorInANewMigrationRefuses() throws {
        let repo = try Self.repository(applied: ["0001_users.sql": Self.users], working: ["0002_drop.sql": Self.drop])
        let verdict = try Self.check(repo)
        #expect(verdict.refusal == "the checks found errors")
        #expect(verdict.findings.diagnostics.contains { $0.rule == "destructive-in-rollback-safe" && $0.file.hasSuffix("0002_drop.sql") })
    }

    /// Warnings let the deploy go on (and are kept to be shown), unless warnings fail it or
    /// there are more of them than allowed.
    @Test func warningsPassUnlessTheGateIsToldOtherwise() throws {
        let repo = try Self.repository(applied: ["0001_users.sql": Self.users], working: ["0002_posts.sql": Self.posts])
        let passed = try Self.check(repo)
        #expect(passed.refusal == nil)
        #expect(passed.findings.warningCount == 1 && passed.findings.diagnostics.first?.rule == "unindexed-column",
                "\(passed.findings.diagnostics)")
        #expect(try Self.check(repo, DeployGate(failOnWarnings: true)).refusal == "the checks found warnings (--fail-on warning)")
        #expect(try Self.check(repo, DeployGate(maxWarnings: 0)).refusal == "1 warnings, more than --max-warnings 0")
        #expect(try Self.check(repo, DeployGate(maxWarnings: 1)).refusal == nil)
    }

    /// History counts: a migration applied on main, edited on the branch, refuses the deploy;
    /// an error in a file unchanged since main is not the branch's to answer for.
    @Test func anAppliedMigrationEditedRefusesButAnUnchangedOneIsNotLinted() throws {
        let edited = try Self.repository(applied: ["0001_users.sql": Self.users],
                                         working: ["0001_users.sql": Self.users.replacingOccurrences(of: "PRIMARY KEY", with: "PRIMARY KEY, name TEXT")])
        let verdict = try Self.check(edited)
        #expect(verdict.refusal == "the checks found errors")
        #expect(verdict.findings.diagnostics.map(\.rule).contains("edited-applied-migration"), "\(verdict.findings.diagnostics)")

        let old = try Self.repository(applied: ["0001_users.sql": Self.users, "0002_drop.sql": Self.drop], working: [:])
        #expect(try Self.check(old).refusal == nil)
    }

    /// Outside a repository the files are linted alone, and the verdict says so.
    @Test func outsideARepositoryTheFilesAreLintedAlone() throws {
        let folder = try TempRepository(branch: nil)
        try folder.write("migrations/0001_drop.sql", Self.drop)
        let verdict = try Self.check(folder)
        #expect(verdict.note?.hasPrefix("not inside a git repository: checked without history") == true, "\(verdict.note ?? "")")
        #expect(verdict.refusal == "the checks found errors")
    }
}
