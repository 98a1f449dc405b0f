import Testing
import StrataSyntax

/// Helpers for the statement reader tests (namespaced so other test files cannot clash).
enum SRT {
    static func all(_ sql: String, _ dialect: Dialect = .postgresql) -> [Statement] {
        let source = SourceText(sql, dialect: dialect)
        return StatementSplitter.split(source).map { StatementReader.read(source, tokens: $0) }
    }

    static func read(_ sql: String, _ dialect: Dialect = .postgresql) -> Statement {
        let source = SourceText(sql, dialect: dialect)
        let ranges = StatementSplitter.split(source)
        return StatementReader.read(source, tokens: ranges[0])
    }

    static func kind(_ sql: String, _ dialect: Dialect = .postgresql) -> StatementKind {
        read(sql, dialect).kind
    }

    static func createTable(_ sql: String, _ dialect: Dialect = .postgresql) -> CreateTable? {
        if case .createTable(let table) = kind(sql, dialect) { return table }
        return nil
    }

    static func alterTable(_ sql: String, _ dialect: Dialect = .postgresql) -> AlterTable? {
        if case .alterTable(let alter) = kind(sql, dialect) { return alter }
        return nil
    }

    static func actions(_ sql: String, _ dialect: Dialect = .postgresql) -> [AlterTableAction] {
        alterTable(sql, dialect)?.actions.map(\.action) ?? []
    }

    static func createIndex(_ sql: String, _ dialect: Dialect = .postgresql) -> CreateIndex? {
        if case .createIndex(let index) = kind(sql, dialect) { return index }
        return nil
    }

    static func drop(_ sql: String, _ dialect: Dialect = .postgresql) -> DropStatement? {
        if case .drop(let drop) = kind(sql, dialect) { return drop }
        return nil
    }

    /// `line:column` of a range's start.
    static func at(_ range: SourceRange) -> String { "\(range.start.line):\(range.start.column)" }

    /// The source text a range covers.
    static func text(_ sql: String, _ range: SourceRange) -> String {
        String(decoding: Array(sql.utf8)[range.byteRange], as: UTF8.self)
    }
}

@Suite("StatementReader: general")
struct StatementReaderTests {
    @Test(arguments: Dialect.allCases)
    func statementRangeRunsFromFirstToLastToken(dialect: Dialect) {
        let sql = "-- lead\n  DROP TABLE users  -- trailing\n;\n"
        let statement = SRT.read(sql, dialect)
        #expect(SRT.at(statement.range) == "2:3")
        #expect(SRT.text(sql, statement.range) == "DROP TABLE users")
        #expect(statement.range.end.line == 2 && statement.range.end.column == 19)
    }

    @Test func statementRangeEndsAfterMultiLineToken() {
        let sql = "INSERT INTO t VALUES ('a\nbc')"
        let statement = SRT.read(sql)
        #expect(statement.range.end.line == 2)
        #expect(statement.range.end.column == 5)
        #expect(statement.range.end.offset == sql.utf8.count)
    }

    @Test func emptyTokenRangeDoesNotCrash() {
        let source = SourceText("   ", dialect: .postgresql)
        let statement = StatementReader.read(source, tokens: 0..<0)
        #expect(statement.kind == .other(""))
        let trivia = StatementReader.read(source, tokens: 0..<1)
        #expect(trivia.kind == .other(""))
    }

    @Test(arguments: Dialect.allCases)
    func otherStatementsKeepTheirLeadingKeywords(dialect: Dialect) {
        let cases: [(String, String)] = [
            ("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql", "create function"),
            ("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'", "create function"),
            ("GRANT SELECT ON users TO reader", "grant"),
            ("REVOKE ALL ON users FROM public", "revoke"),
            ("COMMENT ON TABLE users IS 'people'", "comment on"),
            ("CREATE VIEW v AS SELECT 1", "create view"),
            ("CREATE OR REPLACE VIEW v AS SELECT 1", "create view"),
            ("CREATE MATERIALIZED VIEW mv AS SELECT 1", "create materialized view"),
            ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", "refresh materialized view"),
            ("CREATE EXTENSION IF NOT EXISTS pgcrypto", "create extension"),
            ("CREATE SCHEMA app", "create schema"),
            ("CREATE TYPE mood AS ENUM ('sad', 'happy')", "create type"),
            ("ALTER TYPE mood ADD VALUE 'ok'", "alter type"),
            ("ALTER INDEX i RENAME TO j", "alter index"),
            ("ALTER SEQUENCE s RESTART", "alter sequence"),
            ("SELECT 1", "select"),
            ("VACUUM ANALYZE users", "vacuum"),
            ("ANALYZE users", "analyze"),
            ("RESET lock_timeout", "reset"),
            ("WITH x AS (SELECT 1) SELECT * FROM x", "with"),
            ("CREATE VIRTUAL TABLE docs USING fts5(body)", "create virtual table"),
            ("CREATE UNIQUE something", "create something"),
            ("CREATE", "create"),
            ("(SELECT 1)", ""),
        ]
        for (sql, label) in cases {
            #expect(SRT.kind(sql, dialect) == .other(label), "\(sql)")
        }
    }

    @Test func triggerStatementsAreOther() {
        let sqlite = """
            CREATE TRIGGER users_touch AFTER UPDATE ON users
            BEGIN
              UPDATE users SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
            END;
            DROP TABLE x;
            """
        let statements = SRT.all(sqlite, .sqlite)
        #expect(statements.count == 2)
        #expect(statements[0].kind == .other("create trigger"))
        #expect(SRT.drop("DROP TABLE x", .sqlite)?.names.map(\.name) == ["x"])

        let pg = "CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()"
        #expect(SRT.kind(pg) == .other("create trigger"))
        #expect(SRT.kind("CREATE CONSTRAINT TRIGGER t AFTER INSERT ON u FOR EACH ROW EXECUTE FUNCTION f()")
            == .other("create trigger"))
        #expect(SRT.kind("CREATE OR REPLACE TRIGGER t AFTER INSERT ON u EXECUTE FUNCTION f()")
            == .other("create trigger"))
    }

    // MARK: Transactions

    @Test(arguments: Dialect.allCases)
    func transactionControl(dialect: Dialect) {
        let cases: [(String, TransactionControl)] = [
            ("BEGIN", .begin), ("BEGIN TRANSACTION", .begin), ("begin work", .begin),
            ("BEGIN DEFERRED", .begin), ("BEGIN IMMEDIATE TRANSACTION", .begin), ("BEGIN EXCLUSIVE", .begin),
            ("START TRANSACTION", .begin), ("START TRANSACTION ISOLATION LEVEL SERIALIZABLE", .begin),
            ("COMMIT", .commit), ("COMMIT TRANSACTION", .commit), ("END", .commit), ("END TRANSACTION", .commit),
            ("ROLLBACK", .rollback), ("ROLLBACK TRANSACTION", .rollback), ("ROLLBACK TO SAVEPOINT a", .rollback),
            ("ROLLBACK TO a", .rollback), ("ABORT", .rollback),
            ("SAVEPOINT a", .savepoint), ("RELEASE SAVEPOINT a", .release), ("RELEASE a", .release),
        ]
        for (sql, control) in cases {
            #expect(SRT.kind(sql, dialect) == .transaction(control), "\(sql)")
        }
        #expect(SRT.kind("START something", dialect) == .other("start"))
    }

    // MARK: SET and PRAGMA

    @Test func setStatements() {
        #expect(SRT.kind("SET lock_timeout = '2s'") == .set(SetStatement(name: "lock_timeout", value: "'2s'")))
        #expect(SRT.kind("SET statement_timeout TO 5000") == .set(SetStatement(name: "statement_timeout", value: "5000")))
        #expect(SRT.kind("SET LOCAL Lock_Timeout = '1s'")
            == .set(SetStatement(name: "lock_timeout", value: "'1s'", local: true)))
        #expect(SRT.kind("SET SESSION search_path TO  public,\n  \"$user\"")
            == .set(SetStatement(name: "search_path", value: "public, \"$user\"")))
        #expect(SRT.kind("SET TIME ZONE 'UTC'") == .set(SetStatement(name: "timezone", value: "'UTC'")))
        #expect(SRT.kind("SET myapp.user_id = 42") == .set(SetStatement(name: "myapp.user_id", value: "42")))
        #expect(SRT.kind("SET x=-1") == .set(SetStatement(name: "x", value: "-1")))
        #expect(SRT.kind("SET ROLE admin") == .set(SetStatement(name: "role", value: "admin")))
        #expect(SRT.kind("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE") == .other("set"))
        #expect(SRT.kind("SET CONSTRAINTS ALL DEFERRED") == .other("set"))
        #expect(SRT.kind("SET") == .other("set"))
        #expect(SRT.kind("SET x") == .set(SetStatement(name: "x", value: "")))
    }

    @Test func pragmaStatements() {
        #expect(SRT.kind("PRAGMA foreign_keys = ON", .sqlite) == .pragma(SetStatement(name: "foreign_keys", value: "ON")))
        #expect(SRT.kind("PRAGMA main.journal_mode=WAL", .sqlite) == .pragma(SetStatement(name: "journal_mode", value: "WAL")))
        #expect(SRT.kind("PRAGMA cache_size = -2000", .sqlite) == .pragma(SetStatement(name: "cache_size", value: "-2000")))
        #expect(SRT.kind("PRAGMA table_info(users)", .sqlite) == .pragma(SetStatement(name: "table_info", value: "users")))
        #expect(SRT.kind("PRAGMA integrity_check", .sqlite) == .pragma(SetStatement(name: "integrity_check", value: "")))
        #expect(SRT.kind("PRAGMA", .sqlite) == .other("pragma"))
        #expect(SRT.kind("PRAGMA foreign_keys = ON", .postgresql) == .other("pragma"))
    }

    @Test func severalStatementsInOneFile() {
        let sql = """
            BEGIN;
            CREATE TABLE a (id int);
            INSERT INTO a VALUES (1);
            COMMIT;
            """
        let kinds = SRT.all(sql).map(\.kind)
        #expect(kinds.count == 4)
        #expect(kinds[0] == .transaction(.begin))
        #expect(kinds[3] == .transaction(.commit))
        let statements = SRT.all(sql)
        #expect(SRT.at(statements[2].range) == "3:1")
    }
}
