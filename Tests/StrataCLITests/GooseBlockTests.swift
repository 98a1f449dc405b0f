import Foundation
import Testing

/// `strata up` on goose files whose `StatementBegin` … `StatementEnd` block fails: the
/// migration failed (exit 2, the `failed` event, nothing of it kept), and the message names the
/// file, line and column of the block's statement that failed, not the session reset after it.
@Suite("goose blocks that fail")
struct GooseBlockTests {
    func project(_ backend: Backend, block: String) throws -> ApplyProject {
        let p = try ApplyProject(backend)
        try p.write("migrations/00001_users.sql", "-- +goose Up\nCREATE TABLE users (id INT PRIMARY KEY);\n-- +goose Down\nDROP TABLE users;\n")
        try p.write("migrations/00002_block.sql", block)
        return p
    }

    /// The block before it holds two statements, each with its own result: counting results as
    /// steps used to place this failure past the migration's last step, on the session reset.
    @Test(arguments: Backend.all)
    func aBlockFailingOnItsFirstStatementFailsTheMigration(_ backend: Backend) throws {
        let p = try project(backend, block: """
            -- +goose Up
            -- +goose StatementBegin
            CREATE TABLE half (id INT);
            INSERT INTO half VALUES (1);
            -- +goose StatementEnd
            -- +goose StatementBegin
            INSERT INTO x VALUES (1);
            CREATE TABLE never (id INT);
            -- +goose StatementEnd
            -- +goose Down
            DROP TABLE half;
            """)
        let up = try p.run("up", "--layout", "goose", "--log-json", "events.jsonl")
        #expect(up.status == 2, "\(up.stdout)\(up.stderr)")
        // PostgreSQL places the error on the missing table; SQLite says which statement failed.
        let at = backend == .postgres ? "7:13" : "7:1"
        #expect(up.stderr.hasPrefix("strata: error: migrations/00002_block.sql:\(at): 00002_block failed: "), "\(up.stderr)")
        #expect(up.stderr.contains("\"x\"") || up.stderr.contains("no such table: x"), "\(up.stderr)")
        #expect(!up.stderr.contains("putting the session back"), "\(up.stderr)")
        #expect(up.stderr.contains("  statement: INSERT INTO x VALUES (1)\n"), "\(up.stderr)")
        #expect(try p.rows() == ["00001_users applied"])
        #expect(try !p.tableExists("half") && !p.tableExists("never"))

        let events = try JSON.lines(try p.project.read("events.jsonl"))
        let failed = try #require(events.first { $0["event"] as? String == "failed" })
        #expect(failed["migration_id"] as? String == "00002_block")
        #expect((failed["error"] as? String)?.hasPrefix("migrations/00002_block.sql:\(at): 00002_block failed: ") == true, "\(failed)")
        let finished = try #require(events.last)
        #expect(finished["outcome"] as? String == "failed" && finished["exit_code"] as? Int == 2, "\(finished)")

        let history = try JSON.object(try p.run("history", "--json", "--layout", "goose").stdout)["events"] as? [[String: Any]] ?? []
        #expect(history.map { "\($0["event"] ?? "") \($0["migration_id"] ?? "")" } == ["applied 00001_users", "failed 00002_block"])
    }

    @Test(arguments: Backend.all)
    func aBlockFailingOnALaterStatementNamesThatStatement(_ backend: Backend) throws {
        let p = try project(backend, block: """
            -- +goose Up
            CREATE TABLE before_block (id INT);
            -- +goose StatementBegin
            CREATE TABLE half (id INT);
            INSERT INTO half VALUES (1);
                INSERT INTO users (id) SELECT id FROM half JOIN nowhere USING (id);
            -- +goose StatementEnd
            -- +goose Down
            DROP TABLE half;
            DROP TABLE before_block;
            """)
        let up = try p.run("up", "--layout", "goose")
        #expect(up.status == 2, "\(up.stdout)\(up.stderr)")
        #expect(up.stderr.hasPrefix("strata: error: migrations/00002_block.sql:\(backend == .postgres ? "6:53" : "6:5"): 00002_block failed: "), "\(up.stderr)")
        #expect(up.stderr.contains("nowhere"), "\(up.stderr)")
        #expect(try p.rows() == ["00001_users applied"])
        #expect(try !p.tableExists("half") && !p.tableExists("before_block"))
    }

    /// `-- +goose NO TRANSACTION`: the block still goes as one piece; its failure leaves the
    /// migration failed, with the statement that failed, for `strata repair`.
    @Test(arguments: Backend.all)
    func aBlockInAFileOutsideATransaction(_ backend: Backend) throws {
        let p = try project(backend, block: """
            -- +goose NO TRANSACTION
            -- +goose Up
            -- +goose StatementBegin
            CREATE TABLE in_block (id INT);
            INSERT INTO nowhere VALUES (1);
            -- +goose StatementEnd
            -- +goose Down
            DROP TABLE in_block;
            """)
        let up = try p.run("up", "--layout", "goose")
        #expect(up.status == 2, "\(up.stdout)\(up.stderr)")
        #expect(up.stderr.hasPrefix("strata: error: migrations/00002_block.sql:\(backend == .postgres ? "5:13" : "5:1"): 00002_block failed: "), "\(up.stderr)")
        #expect(try p.rows() == ["00001_users applied", "00002_block failed"])
        #expect(try p.column("SELECT failed_statement FROM __migrations__ WHERE id = '00002_block'") == ["INSERT INTO nowhere VALUES (1)"])
        let status = try p.run("status", "--layout", "goose")
        #expect(status.status == 1 && status.stdout.contains("1 failed"), "\(status.stdout)")
    }
}
