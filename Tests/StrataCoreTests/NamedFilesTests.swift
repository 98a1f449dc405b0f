import Foundation
import StrataCore
import StrataRules
import Testing

/// Files named one by one are linted with the rest of their migrations folder, and only they
/// are checked and reported.
@Suite("Named files and their migrations folder")
struct NamedFilesTests {
    /// A temporary folder, removed at the end of the test.
    final class Folder {
        let root: String
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-named-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }

        func write(_ path: String, _ text: String = "SELECT 1;\n") throws {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }

    static func migration(_ up: String, dependencies: String = "[]", down: String = "SELECT 1;") -> String {
        """
        -- @name: n
        -- @description: d
        -- @timestamp: 2024-01-01T00:00:00Z
        -- @rollbackSafe: true
        -- @performanceImpact: low
        -- @dependencies: \(dependencies)

        -- UP MIGRATION
        \(up)

        -- DOWN MIGRATION
        \(down)

        """
    }

    /// The README's shape: users, then posts depending on users with a foreign key to it.
    static func readmeFolder() throws -> Folder {
        let folder = try Folder()
        try folder.write("migrations/0001_create_users.sql",
                         migration("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);", down: "DROP TABLE users;"))
        try folder.write("migrations/0002_create_posts.sql",
                         migration("CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES users (id));",
                                   dependencies: "[\"0001_create_users\"]", down: "DROP TABLE posts;"))
        return folder
    }

    // MARK: - Paths as text

    @Test(arguments: [
        ("migrations/0001.sql", "/work", "/work/migrations/0001.sql"),
        ("./migrations//0001.sql", "/work", "/work/migrations/0001.sql"),
        ("../other/./x.sql", "/work/api", "/work/other/x.sql"),
        ("/abs/../abs/x.sql", "/work", "/abs/x.sql"),
        ("../../..", "/a", "/"),
        ("/", "/a", "/"),
        ("/a/.b/..c/x.sql", "/w", "/a/.b/..c/x.sql"),
        ("x.sql", "/w/", "/w/x.sql"),
        ("db/", "/w", "/w/db"),
    ])
    func absolutePathsAsText(path: String, directory: String, expected: String) {
        #expect(PathText.absolute(path, from: directory) == expected)
    }

    @Test func insideAndRelativeAsText() {
        #expect(PathText.isInside("/repo/migrations/x.sql", "/repo"))
        #expect(!PathText.isInside("/repository/x.sql", "/repo"))
        #expect(!PathText.isInside("/repo", "/repo"))
        #expect(PathText.isInside("/x.sql", "/"))
        #expect(PathText.relative("/repo/services/api/m/1.sql", below: "/repo") == "services/api/m/1.sql")
        #expect(PathText.relative("/x.sql", below: "/") == "x.sql")
        #expect(PathText.relative("/elsewhere/1.sql", below: "/repo") == nil)
    }

    // MARK: - Which folder a file belongs to

    @Test func aFileInTheConfiguredFolderIsGroupedUnderTheFolderAsSpelled() throws {
        let folder = try Self.readmeFolder()
        for (named, spelled) in [("migrations/0002_create_posts.sql", "migrations/"),
                                 ("./migrations/0002_create_posts.sql", "./migrations/"),
                                 (folder.root + "/migrations/0002_create_posts.sql", folder.root + "/migrations/")] {
            let resolved = NamedFiles.resolve([named], migrationsFolder: "migrations", workingDirectory: folder.root, layout: .strata)
            #expect(resolved.loose.isEmpty)
            #expect(resolved.groups.map(\.folder) == [spelled])
            #expect(resolved.groups.map(\.absoluteFolder) == [folder.root + "/migrations"])
            #expect(resolved.groups.first?.files == [named])
        }
        // Named from inside the folder itself.
        let inside = NamedFiles.resolve(["0002_create_posts.sql"], migrationsFolder: folder.root + "/migrations",
                                        workingDirectory: folder.root + "/migrations", layout: .plain)
        #expect(inside.groups.map(\.folder) == ["./"])
        #expect(inside.groups.first?.namedPath(for: "./0002_create_posts.sql") == "0002_create_posts.sql")
        #expect(inside.groups.first?.namedPath(for: "./0001_create_users.sql") == nil)
    }

    @Test func aFolderOfMigrationNamesIsAMigrationsFolderOfItsOwn() throws {
        let folder = try Folder()
        try folder.write("db/0001_a.sql")
        try folder.write("db/0002_b.sql")
        try folder.write("scripts/0001_a.sql")
        try folder.write("scripts/seed.sql")
        try folder.write("tmp/x.sql")
        let resolved = NamedFiles.resolve(["db/0002_b.sql", "scripts/0001_a.sql", "tmp/x.sql", "db/0001_a.sql"],
                                          migrationsFolder: "migrations", workingDirectory: folder.root, layout: .strata)
        #expect(resolved.groups.map(\.folder) == ["db/"])
        #expect(resolved.groups.first?.files == ["db/0002_b.sql", "db/0001_a.sql"])
        // A folder with a file that is no migration, or a file not named as one: as given.
        #expect(resolved.loose == ["scripts/0001_a.sql", "tmp/x.sql"])
        // The plain layout has no naming scheme: only the configured folder groups files.
        let plain = NamedFiles.resolve(["db/0002_b.sql"], migrationsFolder: "migrations", workingDirectory: folder.root, layout: .plain)
        #expect(plain.groups.isEmpty && plain.loose == ["db/0002_b.sql"])
    }

    @Test func pairedLayoutsGroupEitherFileAndDieselOneFolderUp() throws {
        let folder = try Folder()
        try folder.write("gm/0001_users.up.sql")
        try folder.write("gm/0001_users.down.sql")
        try folder.write("ds/2019-01-01-000000_users/up.sql")
        try folder.write("ds/2019-01-01-000000_users/down.sql")
        let golang = NamedFiles.resolve(["gm/0001_users.down.sql"], migrationsFolder: "migrations",
                                        workingDirectory: folder.root, layout: .golangMigrate)
        #expect(golang.groups.map(\.folder) == ["gm/"])
        let diesel = NamedFiles.resolve(["ds/2019-01-01-000000_users/down.sql"], migrationsFolder: "migrations",
                                        workingDirectory: folder.root, layout: .diesel)
        #expect(diesel.groups.map(\.folder) == ["ds/"])
        #expect(diesel.groups.first?.namedPath(for: "ds/2019-01-01-000000_users/down.sql") == "ds/2019-01-01-000000_users/down.sql")
        // Named from inside the migration's own folder: the folder is not spelled, so absolute.
        let inside = NamedFiles.resolve(["up.sql"], migrationsFolder: "migrations",
                                        workingDirectory: folder.root + "/ds/2019-01-01-000000_users", layout: .diesel)
        #expect(inside.groups.map(\.folder) == [folder.root + "/ds/"])
        #expect(inside.groups.first?.namedPath(for: folder.root + "/ds/2019-01-01-000000_users/up.sql") == "up.sql")
    }

    // MARK: - The engine

    func linter(_ layout: LayoutKind = .strata, postgresql: Bool = false) -> Linter {
        Linter(rules: AllRules.instances(), settings: [:], dialect: postgresql ? .postgresql : .sqlite, layout: layout)
    }

    /// Lints files named by their absolute paths (tests share the process's working
    /// directory), reported without the folder's path.
    func lint(_ named: [String], in folder: Folder, layout: LayoutKind = .strata, postgresql: Bool = false) throws -> LintResult {
        let resolved = NamedFiles.resolve(named.map { folder.root + "/" + $0 }, migrationsFolder: "migrations",
                                          workingDirectory: folder.root, layout: layout)
        #expect(resolved.groups.count == 1 && resolved.loose.isEmpty)
        var diagnostics: [Diagnostic] = []
        let summary = try linter(layout, postgresql: postgresql).lint(resolved.groups[0]) { diagnostics += $0 }
        for index in diagnostics.indices { diagnostics[index].file = String(diagnostics[index].file.dropFirst(folder.root.count + 1)) }
        return LintResult(diagnostics: diagnostics, fileCount: summary.fileCount)
    }

    @Test func aNamedFileSeesTheMigrationsAndSchemaBeforeIt() throws {
        let folder = try Self.readmeFolder()
        let alone = try lint(["migrations/0002_create_posts.sql"], in: folder)
        let whole = try linter().lint(paths: [folder.root + "/migrations"])
        #expect(!alone.diagnostics.contains { $0.rule == "unknown-dependency" }, "\(alone.diagnostics)")
        #expect(alone.fileCount == 1)
        // The foreign key to users, created by 0001, found as when the whole folder is linted.
        #expect(alone.diagnostics.map(\.rule) == ["unindexed-column"])
        #expect(alone.diagnostics.map(\.file) == ["migrations/0002_create_posts.sql"])
        #expect(alone.diagnostics.map(\.range) == whole.diagnostics.filter { $0.file.hasSuffix("0002_create_posts.sql") }.map(\.range))
    }

    @Test func aDependencyReallyMissingIsStillReported() throws {
        let folder = try Self.readmeFolder()
        try folder.write("migrations/0003_tags.sql", Self.migration("CREATE TABLE tags (id INTEGER PRIMARY KEY);",
                                                                    dependencies: "[\"0001_create_user\"]"))
        let result = try lint(["migrations/0003_tags.sql"], in: folder)
        #expect(result.diagnostics.map(\.rule) == ["unknown-dependency"])
        #expect(result.diagnostics.first?.message.contains("'0001_create_user'") == true)
    }

    @Test func setFindingsAreReportedOnTheNamedFileOnly() throws {
        let folder = try Self.readmeFolder()
        try folder.write("migrations/0002_other.sql", Self.migration("SELECT 2;"))
        try folder.write("migrations/0003_bad.sql", Self.migration("SELEC 3;\nDROP TABLE users;"))
        let result = try lint(["migrations/0002_other.sql"], in: folder)
        // Both 0002 files have the number; only the named one is reported, and nothing of 0003.
        #expect(result.diagnostics.map(\.rule) == ["duplicate-migration-number"], "\(result.diagnostics)")
        #expect(result.diagnostics.map(\.file) == ["migrations/0002_other.sql"])
    }

    /// No rule runs on a file that is only read for context.
    @Test func rulesRunOnTheNamedFilesOnly() throws {
        let folder = try Self.readmeFolder()
        let resolved = NamedFiles.resolve([folder.root + "/migrations/0002_create_posts.sql"], migrationsFolder: "migrations",
                                          workingDirectory: folder.root, layout: .strata)
        let seen = CheckedFiles()
        var recording = Linter(rules: [RecordingRule(seen: seen)], settings: ["recording": .warning],
                               dialect: .sqlite, layout: .strata)
        recording.lanes = 2
        try recording.lint(resolved.groups[0]) { _ in }
        #expect(seen.paths == [folder.root + "/migrations/0002_create_posts.sql"])
    }

    @Test func eitherFileOfAPairChecksTheMigrationWithItsPair() throws {
        let folder = try Folder()
        try folder.write("migrations/0001_users.up.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY);\n")
        try folder.write("migrations/0001_users.down.sql", "DROP TABLE users;\n")
        try folder.write("migrations/0002_teams.up.sql", "ALTER TABLE users ADD COLUMN team_id BIGINT REFERENCES teams (id);\n")
        try folder.write("migrations/0002_teams.down.sql", "SELECT 'unclosed;\n")
        let byDown = try lint(["migrations/0002_teams.down.sql"], in: folder, layout: .golangMigrate, postgresql: true)
        let byUp = try lint(["migrations/0002_teams.up.sql"], in: folder, layout: .golangMigrate, postgresql: true)
        #expect(byDown.diagnostics == byUp.diagnostics)
        #expect(byDown.fileCount == 1)
        #expect(Set(byDown.diagnostics.map(\.file)) == ["migrations/0002_teams.up.sql", "migrations/0002_teams.down.sql"])
        #expect(byDown.diagnostics.contains { $0.rule == "unindexed-column" })
    }
}

/// The files a rule was asked to check.
final class CheckedFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var checked: [String] = []
    var paths: [String] { lock.withLock { checked } }
    func add(_ path: String) { lock.withLock { checked.append(path) } }
}

/// A rule that reports nothing and notes every file it is run on.
struct RecordingRule: Rule {
    static let description = RuleDescription(id: "recording", summary: "s", rationale: "r", help: "h",
                                             defaultSeverity: .warning, optIn: true,
                                             triggeringExamples: [], nonTriggeringExamples: [])
    var seen = CheckedFiles()
    init() {}
    init(seen: CheckedFiles) { self.seen = seen }
    func check(_ context: RuleContext) -> [Violation] {
        seen.add(context.file.path)
        return []
    }
}
