import Foundation
import StrataCore
import Testing
@testable import StrataApply

/// On SQLite a migration's PRAGMA that sets a connection setting holds for that migration and
/// is put back after it (as PostgreSQL's session is after each migration), so a migration does
/// the same whether applied with the files before it or alone; settings kept in the file stay.
@Suite("SQLite: connection settings a migration sets are put back after it")
struct SQLiteSettingsTests {
    private func setting(_ name: String, _ applier: Applier) throws -> Int64? {
        try applier.database.query("PRAGMA \(name)").first?.first?.integer
    }

    @Test(arguments: [
        ("PRAGMA foreign_keys = ON", "foreign_keys", nil),
        ("  -- why\n pragma Main.Cache_Size=100", "cache_size", "main"),
        ("/* x */PRAGMA recursive_triggers(1)", "recursive_triggers", nil),
        ("PRAGMA temp . temp_store = 2", "temp_store", "temp"),
    ] as [(String, String, String?)])
    func pragmasThatSetAreRecognised(_ sql: String, _ name: String, _ schema: String?) throws {
        let found = try #require(connectionSetting(sql))
        #expect(found == (schema.map { "\($0).\(name)" } ?? name))
    }

    @Test(arguments: ["PRAGMA foreign_keys", "PRAGMA main.cache_size;", "SELECT 1", "PRAGMAX = 1", "-- PRAGMA foreign_keys = ON\nSELECT 1", ""])
    func otherStatementsAreNotSettings(_ sql: String) {
        #expect(connectionSetting(sql) == nil)
    }

    /// The setting the first UP statement of a file holding `sql` sets, as the catalog has it.
    private func connectionSetting(_ sql: String) -> String? {
        MigrationCatalog([migration("0001_m", up: sql)], dialect: .sqlite).entries.first?.up.first?.connectionSettings.first
    }

    /// 0001 turns foreign keys on for itself (outside a transaction, where SQLite honours it);
    /// 0002 inserts a row whose parent does not exist, as it may with foreign keys off (the
    /// connection's setting): applied together or apart, 0002 applies.
    @Test func aLaterMigrationRunsWithTheConnectionsSettingsNotAnEarlierOnes() throws {
        let files = [
            migration("0001_fk", header: "-- @transaction: false", up: """
                PRAGMA foreign_keys = ON;
                CREATE TABLE parent (id INTEGER PRIMARY KEY);
                CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
                """),
            migration("0002_orphan", up: "INSERT INTO child VALUES (1, 42);"),
        ]
        let together = try ScratchDatabase(.sqlite)
        let applier = try together.applier(files)
        let before = try setting("foreign_keys", applier)
        _ = try applier.up(try #require(try applier.plan().success))
        #expect(try together.rows(on: applier.database) == [["0001_fk", "applied"], ["0002_orphan", "applied"]])
        #expect(try setting("foreign_keys", applier) == before)

        let apart = try ScratchDatabase(.sqlite)
        _ = try apart.applier(files).up(try #require(try apart.applier(files).plan(UpRequest(target: "0001_fk")).success))
        let second = try apart.applier(files)
        _ = try second.up(try #require(try second.plan().success))
        #expect(try apart.rows(on: second.database) == [["0001_fk", "applied"], ["0002_orphan", "applied"]])
    }

    /// In a transaction too; after a failure as after a success; and a DOWN's the same way.
    /// `user_version` is kept in the file: the migration's to change, and it stays.
    @Test func settingsArePutBackAfterAnUpAFailureAndARollback() throws {
        let scratch = try ScratchDatabase(.sqlite)
        let inputs = [
            migration("0001_settings", up: """
                PRAGMA recursive_triggers = ON;
                PRAGMA cache_size = 123;
                PRAGMA user_version = 7;
                CREATE TABLE t (x INT);
                """, down: "PRAGMA recursive_triggers = ON;\nDROP TABLE t;"),
            migration("0002_fails", up: "PRAGMA reverse_unordered_selects = ON;\nINSERT INTO missing VALUES (1);"),
        ]
        let applier = try scratch.applier(inputs)
        let cacheSize = try setting("cache_size", applier)
        #expect(throws: ApplyError.self) { try applier.up(try #require(try applier.plan().success)) }
        #expect(try scratch.rows(on: applier.database) == [["0001_settings", "applied"]])
        #expect(try setting("recursive_triggers", applier) == 0)
        #expect(try setting("cache_size", applier) == cacheSize)
        #expect(try setting("reverse_unordered_selects", applier) == 0)
        #expect(try setting("user_version", applier) == 7)

        let files = Dictionary(uniqueKeysWithValues: inputs.map { ($0.id, LayoutKind.strata.layout.parse($0, dialect: .sqlite, depth: .full)) })
        var plan = RollbackPlanner.plan(.steps(1), applied: try applier.appliedRows(), files: files,
                                        catalogOrder: applier.catalog.entries.map(\.id))
        RollbackPlanner.assess(&plan, files: files, database: applier.database)
        _ = try applier.rollback(plan, reason: nil, forced: true, backupPath: nil)
        #expect(try scratch.rows(on: applier.database).isEmpty)
        #expect(try setting("recursive_triggers", applier) == 0)
    }

    /// One transaction for the whole run: settings carry over from one migration to the
    /// next, as on PostgreSQL (docs/commands/up.md), and nothing is put back.
    @Test func withinOneTransactionSettingsCarryOver() throws {
        let scratch = try ScratchDatabase(.sqlite)
        let applier = try scratch.applier([migration("0001_settings", up: "PRAGMA recursive_triggers = ON;\nCREATE TABLE t (x INT);")])
        _ = try applier.up(UpRequest(singleTransaction: true)).get()
        #expect(try setting("recursive_triggers", applier) == 1)
    }
}
