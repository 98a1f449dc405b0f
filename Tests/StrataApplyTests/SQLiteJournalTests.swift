import Foundation
import StrataApply
import StrataCore
import Testing

/// `up` on SQLite keeps one rollback journal for the whole run (PERSIST) instead of creating
/// and deleting one per migration, and leaves the database's journal as it found it.
@Suite("SQLite: the rollback journal during up")
struct SQLiteJournalTests {
    static let migrations = [
        migration("0001_a", up: "CREATE TABLE a (x INT);"),
        migration("0002_b", up: "CREATE TABLE b (x INT);"),
        migration("0003_c", up: "INSERT INTO a VALUES (1);"),
    ]

    /// The journal mode each migration ran under, as its first statement saw it.
    func modesDuringUp(_ db: ScratchDatabase, _ inputs: [MigrationInput]) throws -> (modes: [String], report: Result<UpReport, ApplyError>) {
        let applier = try db.applier(inputs)
        let connection = applier.database
        var modes: [String] = []
        applier.statementWillRun = { entry, step in
            if step.sql == entry.up.first?.sql { modes.append((try? connection.query("PRAGMA journal_mode"))?.first?.first?.text ?? "?") }
        }
        let plan = try applier.plan().get()
        let report = Result { () throws(ApplyError) in try applier.up(plan) }
        return (modes, report)
    }

    func journalMode(_ db: ScratchDatabase) throws -> String? {
        try db.connect().query("PRAGMA journal_mode").first?.first?.text
    }

    @Test func theJournalIsKeptForTheRunThenRemoved() throws {
        let db = try ScratchDatabase(.sqlite)
        let (modes, report) = try modesDuringUp(db, Self.migrations)
        #expect(try report.get().applied.count == 3)
        #expect(modes == ["persist", "persist", "persist"])
        #expect(!FileManager.default.fileExists(atPath: db.folder.path("app.db-journal")))
        #expect(try journalMode(db) == "delete")
        #expect(try db.connect().query("SELECT count(*) FROM a").first?.first?.integer == 1)
    }

    /// A failed migration rolls back as ever; the journal is removed all the same.
    @Test func aFailedRunRemovesTheJournalToo() throws {
        let db = try ScratchDatabase(.sqlite)
        let (modes, report) = try modesDuringUp(db, Array(Self.migrations.prefix(2)) + [migration("0003_c", up: "INSERT INTO nowhere VALUES (1);")])
        #expect(throws: ApplyError.self) { try report.get() }
        #expect(modes == ["persist", "persist", "persist"])
        #expect(try db.rows(on: db.connect()) == [["0001_a", "applied"], ["0002_b", "applied"]])
        #expect(!FileManager.default.fileExists(atPath: db.folder.path("app.db-journal")))
    }

    /// A database in WAL mode is left in it, journal mode untouched.
    @Test func aWALDatabaseIsLeftAlone() throws {
        let db = try ScratchDatabase(.sqlite)
        _ = try db.connect().query("PRAGMA journal_mode = WAL")
        let (modes, report) = try modesDuringUp(db, Self.migrations)
        #expect(try report.get().applied.count == 3)
        #expect(modes == ["wal", "wal", "wal"])
        #expect(try journalMode(db) == "wal")
    }

    /// A migration outside a transaction that switches the database to WAL keeps it: the run
    /// does not put DELETE back over it.
    @Test func aMigrationsOwnJournalModeStands() throws {
        let db = try ScratchDatabase(.sqlite)
        let toWAL = migration("0002_wal", header: "-- @transaction: false", up: "PRAGMA journal_mode = WAL;")
        let (_, report) = try modesDuringUp(db, [Self.migrations[0], toWAL, migration("0003_c", up: "CREATE TABLE c (x INT);")])
        #expect(try report.get().applied.count == 3)
        #expect(try journalMode(db) == "wal")
    }

    /// One migration, one commit: nothing to keep, the mode is not touched.
    @Test func aSingleMigrationRunsInDeleteMode() throws {
        let db = try ScratchDatabase(.sqlite)
        let (modes, report) = try modesDuringUp(db, [Self.migrations[0]])
        #expect(try report.get().applied.count == 1)
        #expect(modes == ["delete"])
    }
}
