import Testing
import StrataSyntax

/// The text of each statement the splitter finds, from its first to its last non-trivia token.
func statements(_ sql: String, _ dialect: Dialect) -> [String] {
    let source = SourceText(sql, dialect: dialect)
    return StatementSplitter.split(source).map { range in
        source.text(source.tokens[range.lowerBound].offset..<source.tokens[range.upperBound - 1].endOffset)
    }
}

struct SplitCase: Sendable, CustomTestStringConvertible {
    var sql: String
    var dialect: Dialect
    var expected: [String]

    init(_ sql: String, _ dialect: Dialect, _ expected: [String]) {
        self.sql = sql
        self.dialect = dialect
        self.expected = expected
    }

    var testDescription: String { "\(dialect): \(sql.debugDescription)" }
}

private func both(_ sql: String, _ expected: [String]) -> [SplitCase] {
    [SplitCase(sql, .sqlite, expected), SplitCase(sql, .postgresql, expected)]
}

@Suite("Statement splitter")
struct SplitterTests {
    // MARK: `;` that does not end a statement

    static let quotedCases: [SplitCase] = []
        + both("SELECT 'a;b'; SELECT 2", ["SELECT 'a;b'", "SELECT 2"])
        + both("SELECT 'it'';s'; SELECT 2;", ["SELECT 'it'';s'", "SELECT 2"])
        + both("SELECT \"a;b\" FROM t; SELECT 2;", ["SELECT \"a;b\" FROM t", "SELECT 2"])
        + both("SELECT X'3B'; SELECT 2;", ["SELECT X'3B'", "SELECT 2"])
        + both("SELECT 1 /* ; */ + 1; -- ;\nSELECT 2;", ["SELECT 1 /* ; */ + 1", "SELECT 2"])
        + both("SELECT 1 -- ; not the end\n, 2; SELECT 3;", ["SELECT 1 -- ; not the end\n, 2", "SELECT 3"])
        + [
            SplitCase("SELECT [a;b], `c;d`; SELECT 2;", .sqlite, ["SELECT [a;b], `c;d`", "SELECT 2"]),
            SplitCase("SELECT $$a;b$$; SELECT $t$;$t$;", .postgresql, ["SELECT $$a;b$$", "SELECT $t$;$t$"]),
            SplitCase(#"SELECT E'\';'; SELECT 2;"#, .postgresql, [#"SELECT E'\';'"#, "SELECT 2"]),
            SplitCase("SELECT U&';'; SELECT 2;", .postgresql, ["SELECT U&';'", "SELECT 2"]),
            SplitCase("SELECT 1 /* /* ; */ ; */; SELECT 2;", .postgresql, ["SELECT 1", "SELECT 2"]),
            // SQLite comments do not nest: the first */ ends it and the `;` after it counts.
            SplitCase("SELECT 1 /* /* */ ; */; SELECT 2;", .sqlite, ["SELECT 1", "*/", "SELECT 2"]),
            // In SQLite `$$` is no dollar quote.
            SplitCase("SELECT $$a;b$$;", .sqlite, ["SELECT $$a", "b$$"]),
        ]

    @Test(arguments: quotedCases)
    func semicolonsInsideTokens(_ c: SplitCase) {
        #expect(statements(c.sql, c.dialect) == c.expected)
    }

    // MARK: Bodies

    @Test func sqliteTriggerBody() {
        let sql = """
            CREATE TRIGGER audit AFTER UPDATE ON accounts
            WHEN CASE WHEN NEW.balance < 0 THEN 1 ELSE 0 END
            BEGIN
              INSERT INTO log VALUES (NEW.id, CASE WHEN NEW.balance < -100 THEN 'big' ELSE 'small' END);
              UPDATE accounts SET flagged = 1 WHERE id = NEW.id;
              SELECT CASE WHEN NEW.id IS NULL THEN RAISE(ABORT, 'no; way') END;
            END;
            CREATE TABLE x (a);
            """
        let found = statements(sql, .sqlite)
        #expect(found.count == 2)
        #expect(found.first?.hasPrefix("CREATE TRIGGER audit") == true)
        #expect(found.first?.hasSuffix("END;\nEND") == true)
        #expect(found.last == "CREATE TABLE x (a)")
    }

    static let triggerCases: [SplitCase] = [
        SplitCase("create temp trigger if not exists t before insert on x begin select 1; select 2; end; select 3",
                  .sqlite, ["create temp trigger if not exists t before insert on x begin select 1; select 2; end",
                            "select 3"]),
        SplitCase("CREATE TEMPORARY TRIGGER t DELETE ON x BEGIN DELETE FROM y; END;SELECT 3;", .sqlite,
                  ["CREATE TEMPORARY TRIGGER t DELETE ON x BEGIN DELETE FROM y; END", "SELECT 3"]),
        // Nested CASE ... END, and CASE right at the start of a body statement.
        SplitCase("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT CASE WHEN 1 THEN CASE 2 WHEN 2 THEN 3 END END; END; SELECT 4;",
                  .sqlite, ["CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT CASE WHEN 1 THEN CASE 2 WHEN 2 THEN 3 END END; END",
                            "SELECT 4"]),
        // BEGIN and END are also ordinary column names in SQLite.
        SplitCase("CREATE TRIGGER t AFTER INSERT ON shifts BEGIN UPDATE shifts SET end = NEW.begin WHERE id = NEW.id; SELECT 2; END; SELECT 3;",
                  .sqlite, ["CREATE TRIGGER t AFTER INSERT ON shifts BEGIN UPDATE shifts SET end = NEW.begin WHERE id = NEW.id; SELECT 2; END",
                            "SELECT 3"]),
        SplitCase("CREATE TRIGGER t AFTER INSERT ON shifts BEGIN UPDATE shifts SET end = NEW.start; SELECT 2; END; SELECT 3;",
                  .sqlite, ["CREATE TRIGGER t AFTER INSERT ON shifts BEGIN UPDATE shifts SET end = NEW.start; SELECT 2; END",
                            "SELECT 3"]),
        SplitCase("CREATE TRIGGER t AFTER UPDATE OF begin, end ON x BEGIN SELECT 1; END; SELECT 2;", .sqlite,
                  ["CREATE TRIGGER t AFTER UPDATE OF begin, end ON x BEGIN SELECT 1; END", "SELECT 2"]),
        SplitCase("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END -- done\n; SELECT 2;", .sqlite,
                  ["CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END", "SELECT 2"]),
        // Words that only look like a body's start, outside CREATE TRIGGER.
        SplitCase("CREATE TABLE jobs (procedure TEXT, begin TEXT); INSERT INTO jobs VALUES (1, 2); SELECT 3;", .sqlite,
                  ["CREATE TABLE jobs (procedure TEXT, begin TEXT)", "INSERT INTO jobs VALUES (1, 2)", "SELECT 3"]),
        SplitCase("CREATE VIEW v AS SELECT trigger, begin FROM x; SELECT 2;", .sqlite,
                  ["CREATE VIEW v AS SELECT trigger, begin FROM x", "SELECT 2"]),
        SplitCase("CREATE INDEX i ON x (begin); SELECT 2;", .sqlite, ["CREATE INDEX i ON x (begin)", "SELECT 2"]),
        // An unfinished trigger runs to the end of the file.
        SplitCase("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT 2;", .sqlite,
                  ["CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT 2;"]),
    ]

    @Test(arguments: triggerCases)
    func sqliteTriggers(_ c: SplitCase) {
        #expect(statements(c.sql, c.dialect) == c.expected)
    }

    @Test func postgresDollarQuotedFunction() {
        let sql = """
            CREATE OR REPLACE FUNCTION bump() RETURNS trigger AS $$
            BEGIN
              NEW.updated_at := now();
              RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION bump();
            DO $body$ BEGIN PERFORM 1; END $body$;
            """
        let found = statements(sql, .postgresql)
        #expect(found.count == 3)
        #expect(found.first?.hasSuffix("$$ LANGUAGE plpgsql") == true)
        #expect(found.dropFirst().first == "CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION bump()")
        #expect(found.last == "DO $body$ BEGIN PERFORM 1; END $body$")
    }

    static let atomicCases: [SplitCase] = [
        SplitCase("""
            CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN a IS NULL THEN 0 ELSE CASE WHEN b > 0 THEN a END END + b;
              INSERT INTO calls VALUES (a, b);
            END;
            SELECT add(1, 2);
            """, .postgresql, ["""
            CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN a IS NULL THEN 0 ELSE CASE WHEN b > 0 THEN a END END + b;
              INSERT INTO calls VALUES (a, b);
            END
            """, "SELECT add(1, 2)"]),
        SplitCase("create or replace procedure p() language sql begin atomic insert into t values (1); end; call p();",
                  .postgresql, ["create or replace procedure p() language sql begin atomic insert into t values (1); end",
                                "call p()"]),
        // SQL-standard body without BEGIN ATOMIC: an ordinary statement, CASE and all.
        SplitCase("CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN CASE WHEN x > 0 THEN 1 END; SELECT 2;",
                  .postgresql, ["CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql RETURN CASE WHEN x > 0 THEN 1 END",
                                "SELECT 2"]),
        // PostgreSQL triggers have no body; BEGIN there is a transaction.
        SplitCase("CREATE TRIGGER t AFTER INSERT ON x EXECUTE FUNCTION f(); BEGIN; SELECT 1; END;", .postgresql,
                  ["CREATE TRIGGER t AFTER INSERT ON x EXECUTE FUNCTION f()", "BEGIN", "SELECT 1", "END"]),
        SplitCase("CREATE TABLE function (begin int, atomic int); SELECT 1;", .postgresql,
                  ["CREATE TABLE function (begin int, atomic int)", "SELECT 1"]),
    ]

    @Test(arguments: atomicCases)
    func postgresBeginAtomic(_ c: SplitCase) {
        #expect(statements(c.sql, c.dialect) == c.expected)
    }

    // MARK: Transactions, empty statements, ends

    static let plainCases: [SplitCase] = []
        + both("BEGIN; CREATE TABLE a (id int); COMMIT;", ["BEGIN", "CREATE TABLE a (id int)", "COMMIT"])
        + both("begin transaction;\ninsert into a values (1);\nend transaction;\n",
               ["begin transaction", "insert into a values (1)", "end transaction"])
        + both("BEGIN;\nSELECT CASE WHEN 1 THEN 2 END;\nROLLBACK;", ["BEGIN", "SELECT CASE WHEN 1 THEN 2 END", "ROLLBACK"])
        + both(";;", [])
        + both(" ; ;\n-- c\n; /* d */ ;", [])
        + both("", [])
        + both("   \n -- only a comment\n", [])
        + both("SELECT 1;;SELECT 2", ["SELECT 1", "SELECT 2"])
        + both("SELECT 1; SELECT 2", ["SELECT 1", "SELECT 2"])
        + both("SELECT 1; -- trailing comment", ["SELECT 1"])
        + both("SELECT 1 -- no semicolon\n", ["SELECT 1"])
        + both("SELECT 'never closed; SELECT 2;", ["SELECT 'never closed; SELECT 2;"])
        // An unterminated comment is not trivia: it belongs to the statement it cuts off.
        + both("SELECT 1 /* never closed; SELECT 2;", ["SELECT 1 /* never closed; SELECT 2;"])

    @Test(arguments: plainCases)
    func plainStatements(_ c: SplitCase) {
        #expect(statements(c.sql, c.dialect) == c.expected)
    }

    @Test(arguments: Dialect.allCases)
    func rangesExcludeLeadingCommentsAndTheSemicolon(_ dialect: Dialect) throws {
        let source = SourceText("-- header\n/* c */\n  SELECT 1 /* tail */ ;\n\nUPDATE t SET a = 2\n", dialect: dialect)
        let ranges = StatementSplitter.split(source)
        #expect(ranges.count == 2)
        let first = try #require(ranges.first)
        #expect(source.text(of: source.tokens[first.lowerBound]) == "SELECT")
        #expect(source.tokens[first.lowerBound].start == SourcePosition(offset: 20, line: 3, column: 3))
        #expect(source.text(of: source.tokens[first.upperBound - 1]) == "1")
        // Whatever lies between the last token and the `;` is trivia, and the `;` is outside.
        #expect(source.tokens[first.upperBound...].prefix { $0.kind.isTrivia }.count == 3)
        #expect(source.tokens[first.upperBound...].first { !$0.kind.isTrivia }?.kind == .semicolon)
        let second = try #require(ranges.last)
        #expect(source.text(of: source.tokens[second.lowerBound]) == "UPDATE")
        #expect(second.upperBound == source.tokens.count - 1)  // the final newline is left out
    }

    @Test(arguments: Dialect.allCases)
    func splitsASubrange(_ dialect: Dialect) {
        let source = SourceText("SELECT 1; SELECT 2; SELECT 3;", dialect: dialect)
        let all = StatementSplitter.split(source)
        #expect(all.count == 3)
        // From the middle of the first statement to the end of the second.
        let part = StatementSplitter.split(source, in: 2..<all[1].upperBound)
        #expect(part == [2..<3, all[1]])
    }
}
