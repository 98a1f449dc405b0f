import Foundation
import StrataApply
import StrataCore
import Testing

/// Whether the applier wraps a file in a transaction: what `@transaction` says, else what the
/// statements allow, checked against real databases.
@Suite("Transaction mode of a migration")
struct TransactionModeTests {
    /// The catalog entry of a one-file PostgreSQL catalog.
    func entry(_ header: String, _ up: String, postgresMajor: Int? = nil) throws -> CatalogEntry {
        let input = migration("0001_m", header: header, up: up)
        let file = LayoutKind.strata.layout.parse(input, dialect: .postgresql, depth: .full)
        let catalog = MigrationCatalog([input], dialect: .postgresql)
        let entry = try #require(catalog["0001_m"])
        #expect(entry.nonTransactionalReason == file.nonTransactionalReason)
        return entry
    }

    @Test func theHeaderDecidesAndTheStatementsDecideWithoutIt() throws {
        let concurrently = "CREATE INDEX CONCURRENTLY t_x ON t (x);"
        #expect(try entry("", concurrently).nonTransactionalReason == "CREATE INDEX CONCURRENTLY")
        #expect(try entry("-- @transaction: false", "CREATE TABLE t (x INT);").nonTransactionalReason == "@transaction: false")
        let declared = try entry("-- @transaction: true", concurrently)
        #expect(declared.transactional && declared.nonTransactionalReason == nil)
        #expect(try entry("", "ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;").nonTransactionalReason
                == "DETACH PARTITION CONCURRENTLY")
        #expect(try entry("", "ALTER TABLE m DETACH PARTITION m_2020;").transactional)
    }

    @Test func addingAnEnumValueCannotRunInATransactionBeforePostgres12() throws {
        let input = migration("0001_m", up: "ALTER TYPE mood ADD VALUE 'meh';")
        let file = LayoutKind.strata.layout.parse(input, dialect: .postgresql, depth: .full)
        #expect(file.nonTransactionalReason(postgresMajor: 11) == "ALTER TYPE ... ADD VALUE (PostgreSQL 11)")
        #expect(file.nonTransactionalReason(postgresMajor: 12) == nil)
        #expect(file.nonTransactionalReason(postgresMajor: nil) == nil)
        let renamed = LayoutKind.strata.layout.parse(migration("0001_m", up: "ALTER TYPE mood RENAME VALUE 'meh' TO 'fine';"),
                                                     dialect: .postgresql, depth: .full)
        #expect(renamed.nonTransactionalReason(postgresMajor: 11) == nil)
    }

    /// What `sqlite-fk-pragma-in-tx` warns of, on real SQLite: in a wrapped file
    /// `PRAGMA foreign_keys = OFF` does nothing and a DELETE cascades into the child rows;
    /// with `@transaction: false` the pragma holds and the rows stay.
    @Test(arguments: [(header: "", childrenLeft: 0), (header: "-- @transaction: false", childrenLeft: 2)])
    func foreignKeysPragmaOnlyWorksOutsideATransaction(header: String, childrenLeft: Int) throws {
        let scratch = try ScratchDatabase(.sqlite)
        let applier = try scratch.applier([
            migration("0001_schema", header: "-- @transaction: false", up: """
                PRAGMA foreign_keys = ON;
                CREATE TABLE parent (id INTEGER PRIMARY KEY);
                CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);
                INSERT INTO parent VALUES (1);
                INSERT INTO child VALUES (1, 1), (2, 1);
                """),
            migration("0002_rebuild", header: header, up: """
                PRAGMA foreign_keys = OFF;
                DELETE FROM parent;
                INSERT INTO parent VALUES (1);
                PRAGMA foreign_keys = ON;
                """),
        ])
        // Foreign keys on for the connection (an application's own connection, say): after each
        // migration Strata puts them back as they were, so 0002 starts with them on.
        try applier.database.execute("PRAGMA foreign_keys = ON")
        _ = try applier.up(try #require(try applier.plan().success))
        #expect(try applier.database.query("SELECT count(*) FROM child").first?.first?.integer == Int64(childrenLeft))
        #expect(try applier.database.query("PRAGMA foreign_keys").first?.first?.integer == 1)
    }

    @Test(.enabled(if: TestPostgres.runs))
    func aDeclaredTransactionAroundConcurrentlyFailsAndRecordsNothing() throws {
        let scratch = try ScratchDatabase(.postgres)
        let applier = try scratch.applier([
            migration("0001_t", up: "CREATE TABLE t (x INT);"),
            migration("0002_ix", header: "-- @transaction: true", up: "CREATE TABLE u (x INT);\nCREATE INDEX CONCURRENTLY t_x ON t (x);"),
        ])
        let plan = try #require(try applier.plan().success)
        #expect(throws: ApplyError.self) { try applier.up(plan) }
        #expect(try scratch.rows(on: applier.database) == [["0001_t", "applied"]])
        #expect(try !scratch.tableExists("u", on: applier.database))
    }

    @Test(.enabled(if: TestPostgres.runs))
    func detachPartitionConcurrentlyRunsOutsideATransaction() throws {
        let scratch = try ScratchDatabase(.postgres)
        let applier = try scratch.applier([
            migration("0001_m", up: """
                CREATE TABLE m (at DATE NOT NULL) PARTITION BY RANGE (at);
                CREATE TABLE m_2020 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
                """),
            migration("0002_detach", up: "ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;"),
        ])
        #expect(try #require(applier.catalog["0002_detach"]).transactional == false)
        _ = try applier.up(try #require(try applier.plan().success))
        #expect(try scratch.rows(on: applier.database) == [["0001_m", "applied"], ["0002_detach", "applied"]])
        #expect(try scratch.tableExists("m_2020", on: applier.database))
    }
}
