import Foundation
import StrataCore
import StrataGit
import StrataProject
import Testing

/// `Project`: how every command works out the configuration, the migrations folder, the
/// layout, the dialect and the suppressions file from a folder and its environment, without a
/// process (the commands only pass their options in).
@Suite("project")
struct ProjectTests {
    /// A folder of its own (no git repository needed here).
    static func folder(_ files: [String: String]) throws -> TempRepository {
        let folder = try TempRepository(branch: nil)
        for (path, text) in files { try folder.write(path, text) }
        return folder
    }

    static let dbmateMigration = "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n"
    static let strataMigration = "-- @name: A\n-- UP MIGRATION\nCREATE TABLE a (id INTEGER);\n-- DOWN MIGRATION\nDROP TABLE a;\n"

    @Test func strataYmlNamesTheFolderAndTheDialect() throws {
        let root = try Self.folder([
            "strata.yml": "migrations: sql/changes\ndialect: postgresql\n",
            "sql/changes/0001_a.sql": Self.strataMigration,
        ])
        let project = try Project(workingDirectory: root.path, environment: [:])
        #expect(project.migrationsDirectoryForDisplay == "sql/changes")
        #expect(project.dialect == .postgresql)
        #expect(project.dialectSource == "strata.yml")
        #expect(project.layout == .strata)
        #expect(project.folderFinding == nil)
        #expect(project.projectRoot == root.path)
    }

    /// No strata.yml: the folder the project's tool uses, its layout from the files, the dialect
    /// from the environment, and `--verbose` says what chose each.
    @Test func withoutConfigurationEachChoiceIsFoundAndExplained() throws {
        let root = try Self.folder(["db/migrations/20240101000000_create_a.sql": Self.dbmateMigration])
        let project = try Project(workingDirectory: root.path, environment: ["DATABASE_URL": "postgres://u@db/app"])
        #expect(project.migrationsDirectoryForDisplay == "db/migrations")
        #expect(project.layout == .dbmate)
        #expect(project.dialect == .postgresql)
        #expect(project.dialectSource == "DATABASE_URL in the environment")
        let report = project.detectionReport.joined(separator: "\n")
        #expect(report.contains("strata: migrations db/migrations (found: "), "\(report)")
        #expect(report.contains("strata: layout dbmate (detected: "), "\(report)")
        #expect(report.contains("strata: dialect postgresql (from DATABASE_URL in the environment)"), "\(report)")
    }

    @Test func optionsGivenWinOverWhatTheProjectShows() throws {
        let root = try Self.folder([
            "strata.yml": "migrations: migrations\ndialect: postgresql\nlayout: dbmate\n",
            "migrations/0001_a.sql": Self.strataMigration,
        ])
        let project = try Project(dialect: .sqlite, layout: .fixed(.plain), workingDirectory: root.path, environment: [:])
        #expect(project.dialect == .sqlite && project.dialectSource == "--dialect")
        #expect(project.layout == .plain && project.detection == nil)
        let configured = try Project(workingDirectory: root.path, environment: [:])
        #expect(configured.layout == .dbmate && configured.detection == nil)
        let detected = try Project(layout: .auto, workingDirectory: root.path, environment: [:])
        #expect(detected.layout == .strata && detected.detection != nil)
    }

    /// A project for a database Strata does not read ends the command (exit 2) saying what to
    /// pass, instead of linting MySQL as SQLite.
    @Test func aProjectForAnotherDatabaseIsAClearError() throws {
        let root = try Self.folder([
            "prisma/schema.prisma": "datasource db {\n  provider = \"mysql\"\n  url = env(\"DATABASE_URL\")\n}\n",
            "migrations/0001_a.sql": Self.strataMigration,
        ])
        let error = try #require(throws: CommandFailure.self) { try Project(workingDirectory: root.path, environment: [:]) }
        #expect(error.exitStatus == .environment)
        #expect(error.userMessage.contains("written for mysql (prisma/schema.prisma: mysql)"), "\(error.userMessage)")
        #expect(error.userMessage.contains("pass --dialect"))
        #expect(try Project(dialect: .postgresql, workingDirectory: root.path, environment: [:]).dialect == .postgresql)
    }

    /// Run from a sub-folder, the suppressions file of the folder above is found; an entry for
    /// a rule that does not exist is a warning through `warn`, and the linter still builds.
    @Test func theSuppressionsFileIsFoundFromASubFolderAndItsUnknownRulesWarned() throws {
        let root = try Self.folder([
            "strata-suppressions.json": #"{"version": 1, "files": {"migrations/0001_a.sql": {"no-such-rule": {"count": 1}}}}"#,
            "migrations/0001_a.sql": Self.strataMigration,
            "tools/README": "",
        ])
        let warnings = Warnings()
        let project = try Project(workingDirectory: root.path + "/tools", environment: [:], warn: { warnings.add($0) })
        #expect(project.projectRoot == root.path)
        #expect(project.suppressionsDisplayName == "../strata-suppressions.json")
        _ = try project.linter(dialect: .sqlite)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.hasPrefix("../strata-suppressions.json: unknown rule 'no-such-rule'") == true, "\(warnings.all)")
    }

    @Test func aSuppressionsFileThatCannotBeReadEndsTheCommand() throws {
        let root = try Self.folder(["strata-suppressions.json": "{not json", "migrations/0001_a.sql": Self.strataMigration])
        let project = try Project(workingDirectory: root.path, environment: [:])
        let error = try #require(throws: InputError.self) { try project.linter(dialect: .sqlite) }
        #expect(error.userMessage.contains("strata-suppressions.json"), "\(error.userMessage)")
    }

    /// `lint --suppress-all` then `--prune-suppressions`: the file records each finding by file
    /// and rule, and pruning drops the entries of a file whose finding is gone.
    @Test func suppressionsAreRecordedAndPruned() throws {
        let header = "-- @name: M\n-- @description: d\n-- @timestamp: 2024-01-01T00:00:00Z\n-- @rollbackSafe: true\n-- @performanceImpact: low\n-- @dependencies: []\n"
        let unindexed = header + "-- UP MIGRATION\nCREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\n-- DOWN MIGRATION\nDROP TABLE b;\n"
        let root = try Self.folder([
            "strata.yml": "migrations: migrations\ndialect: sqlite\n",
            "migrations/0001_a.sql": header + "-- UP MIGRATION\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n-- DOWN MIGRATION\nDROP TABLE a;\n",
            "migrations/0002_b.sql": unindexed,
        ])
        let project = try Project(workingDirectory: root.path, environment: [:])
        func tally(recordAll: Bool) throws -> BulkSuppressions.Tally {
            var linter = try project.linter(dialect: .sqlite)
            var bulk = linter.bulkSuppressions ?? project.bulkSuppressions(SuppressionsFile())
            bulk.recordAll = recordAll
            linter.bulkSuppressions = bulk
            return try #require(try linter.lint(paths: [root.path + "/migrations"]) { _ in }.bulk)
        }
        let said = try project.updateSuppressions(SuppressionsFile(), with: try tally(recordAll: true), prune: false)
        #expect(said == "strata-suppressions.json: recorded 1 finding of 1 rule in 1 file", "\(said)")
        let recorded = try #require(try SuppressionsFile.load(project.suppressionsPath, shownAs: "s"))
        #expect(recorded.entries == ["migrations/0002_b.sql": ["unindexed-column": 1]])
        // The finding fixed: pruning removes its entry.
        try root.write("migrations/0002_b.sql", unindexed.replacingOccurrences(of: "\n-- DOWN", with: "CREATE INDEX idx_b_a ON b (a_id);\n-- DOWN"))
        let pruned = try project.updateSuppressions(recorded, with: try tally(recordAll: false), prune: true)
        #expect(pruned == "strata-suppressions.json: pruned 1 finding; it holds 0 findings of 0 rules in 0 files", "\(pruned)")
        #expect(try SuppressionsFile.load(project.suppressionsPath, shownAs: "s")?.entries.isEmpty == true)
    }

    /// What `check` and `deploy` ask git for: the configured folder and base unless given.
    @Test func theHistoryRequestDefaultsToTheConfiguredFolderAndBase() throws {
        let root = try Self.folder([
            "strata.yml": "migrations: db/sql\ndialect: sqlite\nhistory:\n  base: origin/trunk\n",
            "db/sql/0001_a.sql": Self.strataMigration,
        ])
        let project = try Project(workingDirectory: root.path, environment: [:])
        let request = project.historyRequest(base: nil, source: .workingTree)
        #expect(request.migrationsDirectory == root.path + "/db/sql")
        #expect(request.displayDirectory == "db/sql")
        #expect(request.base == "origin/trunk" && request.dialect == .sqlite && request.layout == .strata)
        let given = project.historyRequest(folder: "/elsewhere", display: "elsewhere", dialect: .postgresql, base: "main", source: .index)
        #expect(given.migrationsDirectory == "/elsewhere" && given.base == "main" && given.dialect == .postgresql && given.source == .index)
    }
}

/// Warnings collected from `Project`'s `warn`.
final class Warnings: @unchecked Sendable {
    private(set) var all: [String] = []
    func add(_ warning: String) { all.append(warning) }
}
