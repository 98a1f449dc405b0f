import Foundation
import StrataApply
import StrataCore
import Testing

/// `strata optimize`'s write-then-apply, from the library: the migration file it has written is
/// applied like any other; when that fails before a tracking row exists the files go (nothing
/// half-done stays in the folder), and when one exists they stay for `strata repair`. And the
/// decision whether to apply at all. On a real SQLite file and real files in a folder.
@Suite("optimize: apply the written migration")
struct OptimizeApplyTests {
    /// A folder with an SQLite database at which `0001` is applied, and the applier.
    static func project() throws -> (TemporaryFolder, Applier) {
        let folder = try TemporaryFolder()
        let scratchURL = "sqlite:" + folder.path("app.db")
        let database = try DatabaseConnector.connect(DatabaseURL(scratchURL))
        let first = migration("0001_init", up: "CREATE TABLE items (id INTEGER PRIMARY KEY, owner TEXT);")
        let applier = try Applier(database: database, catalog: MigrationCatalog([first], dialect: .sqlite))
        _ = try applier.up(try applier.plan().get())
        return (folder, applier)
    }

    /// The optimisation migration written to a real file, as `OptimizeFileWriter` leaves it.
    static func written(_ folder: TemporaryFolder, header: String = "", up: String) throws -> (MigrationFile, MigrationInput, String) {
        var input = migration("0002_optimize_indexes_and_statistics", header: header, up: up, down: "DROP INDEX IF EXISTS idx_items_owner;")
        let path = folder.path("0002_optimize_indexes_and_statistics.sql")
        input.path = path
        try Data(input.bytes).write(to: URL(fileURLWithPath: path))
        let file = MigrationCatalog.parse([input], layout: .strata, dialect: .sqlite)[0]
        return (file, input, path)
    }

    @Test func aCleanPlanIsAppliedAndRecorded() throws {
        let (folder, applier) = try Self.project()
        let (file, input, path) = try Self.written(folder, up: "CREATE INDEX idx_items_owner ON items (owner);")
        let report = try applier.applyWrittenOptimization(file, input: input, written: [path])
        #expect(report.applied.map(\.id) == [file.id])
        #expect(try applier.hasTrackingRow(file.id))
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aFailureBeforeAnyRowRemovesTheFiles() throws {
        let (folder, applier) = try Self.project()
        let (file, input, path) = try Self.written(folder, up: "CREATE INDEX idx_items_owner ON items (owner);\nCREATE INDEX idx_gone ON no_such_table (x);")
        let beside = folder.path("0002_settings.toml")
        try Data("x".utf8).write(to: URL(fileURLWithPath: beside))
        #expect {
            try applier.applyWrittenOptimization(file, input: input, written: [path, beside])
        } throws: { error in
            guard let error = error as? ApplyError else { return false }
            return error.message.hasSuffix("(nothing applied; \(path) removed)") && error.exitStatus == .environment
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: beside))
        #expect(try !applier.hasTrackingRow(file.id))
        // The transaction took the first index with it.
        #expect(try applier.database.query("SELECT count(*) FROM sqlite_schema WHERE name = 'idx_items_owner'").first?.first?.integer == 0)
    }

    @Test func aFailureMidwayOutsideATransactionKeepsTheFileForRepair() throws {
        let (folder, applier) = try Self.project()
        let (file, input, path) = try Self.written(folder, header: "-- @transaction: false",
                                                   up: "CREATE INDEX idx_items_owner ON items (owner);\nCREATE INDEX idx_gone ON no_such_table (x);")
        #expect {
            try applier.applyWrittenOptimization(file, input: input, written: [path])
        } throws: { error in
            (error as? ApplyError)?.message.contains("\(path) is kept, recorded failed: fix the database, then `strata repair \(file.id)`") == true
        }
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try applier.hasTrackingRow(file.id))
    }

    @Test func theDecisionRefusesWhileAMigrationIsPendingOrNoOneCanConfirm() throws {
        let (_, applier) = try Self.project()
        let plan = OptimizePlan(OptimizeReport(dialect: .sqlite, findings: []), includeDrops: false)
        #expect(try applier.optimizeDecision(plan, on: "sqlite:app.db", yes: true, canAsk: false) == .apply(question: nil))
        #expect(try applier.optimizeDecision(plan, on: "sqlite:app.db", yes: false, canAsk: true)
                == .apply(question: "Apply 0 changes to sqlite:app.db as a new migration? [y/N] "))
        guard case .refuse(let message) = try applier.optimizeDecision(plan, on: "sqlite:app.db", yes: false, canAsk: false) else {
            Issue.record("applied with no one to confirm"); return
        }
        #expect(message.contains("no terminal to confirm on: pass --yes"))

        // A migration that is not applied yet: refused, even with --yes.
        let pending = migration("0002_more", up: "CREATE TABLE more (id INTEGER);")
        let behind = try Applier(database: applier.database, catalog: MigrationCatalog(
            [migration("0001_init", up: "CREATE TABLE items (id INTEGER PRIMARY KEY, owner TEXT);"), pending], dialect: .sqlite))
        guard case .refuse(let refusal) = try behind.optimizeDecision(plan, on: "sqlite:app.db", yes: true, canAsk: true) else {
            Issue.record("applied while a migration is pending"); return
        }
        #expect(refusal.hasPrefix("optimize refused: 1 migration is not applied as written: 0002_more (pending)"), "\(refusal)")
    }
}
