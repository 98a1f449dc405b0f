import Foundation
import StrataApply
import StrataCore
import Testing

/// A goose `StatementBegin` … `StatementEnd` block goes to the database as one piece of text,
/// as goose sends it; when one of its statements fails, the failure is the migration's and
/// names that statement's line and column, whichever statement of the block it is.
@Suite("Blocks: a failing statement inside a block")
struct BlockFailureTests {
    func goose(_ id: String, _ text: String) -> MigrationInput {
        MigrationInput(id: id, path: "migrations/\(id).sql", bytes: Array(text.utf8))
    }

    func applier(_ scratch: ScratchDatabase, _ inputs: [MigrationInput]) throws -> Applier {
        let db = try scratch.connect()
        return try Applier(database: db, catalog: MigrationCatalog(inputs, layout: .goose, dialect: db.dialect))
    }

    /// The migration's failure: `up` throws it, nothing of the migration is kept, and (run in a
    /// transaction of its own) the failure is in the event history.
    func failure(of inputs: [MigrationInput], on scratch: ScratchDatabase) throws -> (Applier, ApplyError) {
        let applier = try applier(scratch, inputs)
        var events: [ApplyEvent] = []
        applier.onEvent = { events.append($0) }
        let plan = try #require(try applier.plan().success)
        let error = try #require(#expect(throws: ApplyError.self) { try applier.up(plan) })
        let failed = try #require(events.last)
        #expect(failed.kind == .failed && failed.migration == inputs.last?.id, "\(events)")
        return (applier, error)
    }

    static let usersFile = "-- +goose Up\nCREATE TABLE users (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE users;\n"

    /// The block before it holds two statements, each with its own result on PostgreSQL:
    /// counting results as steps used to place this failure on the session reset after it.
    @Test(arguments: Backend.all)
    func aBlockFailingOnItsFirstStatementIsTheMigrationsFailure(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let (applier, error) = try failure(of: [goose("00001_users", Self.usersFile), goose("00002_block", """
            -- +goose Up
            -- +goose StatementBegin
            CREATE TABLE kept (id INT);
            INSERT INTO kept VALUES (1);
            -- +goose StatementEnd
            -- +goose StatementBegin
            INSERT INTO missing_table VALUES (1);
            CREATE TABLE half (id INT);
            -- +goose StatementEnd
            -- +goose Down
            DROP TABLE kept;
            """)], on: scratch)
        // PostgreSQL places the error on the missing table; SQLite says which statement failed.
        let at = backend == .postgres ? "7:13" : "7:1"
        #expect(error.message.hasPrefix("migrations/00002_block.sql:\(at): 00002_block failed: "), "\(error.message)")
        #expect(error.message.contains("missing_table") && !error.message.contains("putting the session back"), "\(error.message)")
        #expect(error.message.hasSuffix("\n  statement: INSERT INTO missing_table VALUES (1)"), "\(error.message)")
        #expect(error.statement == "INSERT INTO missing_table VALUES (1)")
        let db = applier.database
        #expect(try !scratch.tableExists("kept", on: db) && !scratch.tableExists("half", on: db))
        #expect(try scratch.rows(on: db) == [["00001_users", "applied"]])
        let recorded = try db.query("SELECT event, error FROM __migration_events__ WHERE migration_id = '00002_block'")
        #expect(recorded.count == 1 && recorded.first?.first?.text == "failed", "\(recorded)")
        #expect(recorded.first?.last?.text?.hasPrefix("migrations/00002_block.sql:\(at): 00002_block failed: ") == true)
    }

    /// A later statement of the block (here the third, indented), with an error that carries no
    /// position in the text (a duplicate key), is found by counting the block's statements.
    @Test(arguments: Backend.all)
    func aBlockFailingOnALaterStatementNamesIt(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let (applier, error) = try failure(of: [goose("00001_users", Self.usersFile), goose("00002_block", """
            -- +goose Up
            -- +goose StatementBegin
            INSERT INTO users VALUES (1);
            CREATE TABLE half (id INT);
              INSERT INTO users VALUES (1);
            CREATE TABLE never (id INT);
            -- +goose StatementEnd
            CREATE TABLE after_block (id INT);
            """)], on: scratch)
        #expect(error.message.hasPrefix("migrations/00002_block.sql:5:3: 00002_block failed: "), "\(error.message)")
        #expect(error.statement == "INSERT INTO users VALUES (1)")
        let db = applier.database
        #expect(try !scratch.tableExists("half", on: db) && !scratch.tableExists("after_block", on: db))
        #expect(try db.query("SELECT count(*) FROM users").first?.first?.integer == 0)
        #expect(try scratch.rows(on: db) == [["00001_users", "applied"]])
    }

    /// In a file goose runs outside a transaction, the block still goes as one piece: its
    /// failure leaves the migration `failed` with the statement that failed, until repair.
    /// PostgreSQL runs a message of several statements in one implicit transaction, so none of
    /// the block stays; SQLite runs them one after the other, as goose's driver does.
    @Test(arguments: Backend.all)
    func aBlockOutsideATransactionFailsAsTheMigration(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let (applier, error) = try failure(of: [goose("00001_nt", """
            -- +goose NO TRANSACTION
            -- +goose Up
            CREATE TABLE before_block (id INT);
            -- +goose StatementBegin
            CREATE TABLE in_block (id INT);
            INSERT INTO nowhere VALUES (1);
            -- +goose StatementEnd
            CREATE TABLE after_block (id INT);
            """)], on: scratch)
        let at = backend == .postgres ? "6:13" : "6:1"
        #expect(error.message.hasPrefix("migrations/00001_nt.sql:\(at): 00001_nt failed: "), "\(error.message)")
        #expect(error.message.contains("nowhere"))
        let db = applier.database
        #expect(try scratch.rows(on: db) == [["00001_nt", "failed"]])
        let row = try db.query("SELECT failed_statement, error FROM __migrations__")
        #expect(row.first?.first?.text == "INSERT INTO nowhere VALUES (1)")
        #expect(row.first?.last?.text?.hasPrefix("migrations/00001_nt.sql:\(at): 00001_nt failed: ") == true)
        #expect(try scratch.tableExists("before_block", on: db) && !scratch.tableExists("after_block", on: db))
        #expect(try scratch.tableExists("in_block", on: db) == (backend == .sqlite))
        #expect(try applier.plan().failure?.reasons.first?.contains("strata repair 00001_nt") == true)
    }

    /// A block that applies is sent whole and recorded once; its DOWN block failing names its
    /// own statement, and the migration stays applied.
    @Test(arguments: Backend.all)
    func aDownBlockFailureNamesItsStatement(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let input = goose("00001_tags", """
            -- +goose Up
            -- +goose StatementBegin
            CREATE TABLE tags (id INT PRIMARY KEY, name TEXT);
            CREATE INDEX idx_tags_name ON tags (name);
            -- +goose StatementEnd
            -- +goose Down
            -- +goose StatementBegin
            DROP INDEX idx_tags_name;
            DROP TABLE no_such_table;
            -- +goose StatementEnd
            """)
        let applier = try applier(scratch, [input])
        #expect(applier.catalog.entries.first?.up.map(\.parts.count) == [2])
        #expect(try applier.up(try #require(try applier.plan().success)).applied.map(\.id) == ["00001_tags"])
        let file = LayoutKind.goose.layout.parse(input, dialect: applier.database.dialect, depth: .full)
        let plan = RollbackPlanner.plan(.steps(1), applied: try applier.appliedRows(), files: [file.id: file],
                                        catalogOrder: [file.id])
        let error = #expect(throws: ApplyError.self) { try applier.rollback(plan, reason: nil, forced: true, backupPath: nil) }
        #expect(error?.message.hasPrefix("migrations/00001_tags.sql:9:1: rolling back 00001_tags failed: ") == true, "\(error?.message ?? "")")
        #expect(error?.statement == "DROP TABLE no_such_table")
        #expect(try scratch.rows(on: applier.database) == [["00001_tags", "applied"]])
        #expect(try scratch.tableExists("tags", on: applier.database))
    }
}
