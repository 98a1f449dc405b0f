import Foundation
import StrataApply
import StrataCore
import StrataSyntax
import Testing

/// What a DOWN section would destroy, measured on real databases holding known rows.
@Suite("Rollback risk of a DOWN section")
struct RollbackRiskTests {
    /// The data items of `down` against `db`.
    func items(_ down: String, on db: any Database) throws -> [RollbackRisk.Item] {
        let input = migration("0002_m", up: "SELECT 1;", down: down)
        let file = LayoutKind.strata.layout.parse(input, dialect: db.dialect, depth: .full)
        let source = try #require(file.source)
        return RollbackRiskAssessor.dataItems(file.down?.statements ?? [], source: source, database: db)
    }

    func seeded(_ backend: Backend) throws -> (ScratchDatabase, any Database) {
        let scratch = try ScratchDatabase(backend)
        let db = try scratch.connect()
        try db.execute("""
            CREATE TABLE orders (id INT PRIMARY KEY, note TEXT, status TEXT);
            INSERT INTO orders VALUES (1, 'a', 'open'), (2, NULL, 'open'), (3, 'c', 'closed'), (4, NULL, 'closed'), (5, 'e', 'open');
            CREATE TABLE empty_log (id INT);
            CREATE INDEX idx_orders_status ON orders (status)
            """)
        return (scratch, db)
    }

    @Test(arguments: Backend.all)
    func countsAreTheRealRows(_ backend: Backend) throws {
        let (scratch, db) = try seeded(backend)
        defer { withExtendedLifetime(scratch) {} }
        let found = try items("""
            DELETE FROM orders WHERE status = 'closed';
            UPDATE orders SET status = 'void' WHERE id > 3;
            ALTER TABLE orders DROP COLUMN note;
            DROP INDEX idx_orders_status;
            DROP TABLE empty_log;
            DROP TABLE IF EXISTS long_gone;
            DROP TABLE orders;
            """, on: db)
        #expect(found.map(\.kind) == [.rowsDeleted, .rowsUpdated, .columnDropped, .tableDropped, .tableDropped, .tableDropped])
        #expect(found.map(\.rows) == [2, 2, 3, 0, 0, 5])
        #expect(found.map(\.level) == [.high, .medium, .high, .low, .low, .high])
        #expect(found[0].detail == "deletes from orders (2 rows)")
        #expect(found[2].detail == "drops column orders.note (3 non-NULL values)")
        #expect(found[5].line == 13, "the DOWN statement's line in the file")
        #expect(RollbackRisk(items: found).level == .high)
        // Counting changed nothing.
        #expect(try db.query("SELECT count(*) FROM orders").first?.first?.integer == 5)
    }

    @Test(arguments: Backend.all)
    func aRebuildThatCopiesTheRowsLosesNothing(_ backend: Backend) throws {
        let (scratch, db) = try seeded(backend)
        defer { withExtendedLifetime(scratch) {} }
        let found = try items("""
            CREATE TABLE orders_new (id INT PRIMARY KEY, status TEXT);
            INSERT INTO orders_new (id, status) SELECT id, status FROM orders;
            DROP TABLE orders;
            ALTER TABLE orders_new RENAME TO orders;
            """, on: db)
        #expect(found.isEmpty, "\(found)")
        #expect(RollbackRisk(items: found).level == .low)
    }

    @Test func statementsThatCannotBeAssessedAreSaidSo() throws {
        let scratch = try ScratchDatabase(.sqlite)
        let db = try scratch.connect()
        let found = try items("DROP VIEW IF EXISTS v;\nCREATE TABLE t (x INT);\nCALL archive_rows();\nTRUNCATE nothing_here;", on: db)
        try #require(found.map(\.kind) == [.notAssessed, .rowsDeleted], "\(found)")
        #expect(found[0].level == .medium && found[0].detail.hasPrefix("CALL"))
        #expect(found[1].rows == 0 && found[1].level == .low)
    }
}
