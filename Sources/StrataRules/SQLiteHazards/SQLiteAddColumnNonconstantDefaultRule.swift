import StrataCore
import StrataSyntax

public struct SQLiteAddColumnNonconstantDefaultRule: Rule {
    public init() {}

    static let users = ("0001_users.sql", ExampleFile.migration("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
        INSERT INTO users (email) VALUES ('ada@example.com');
        """, down: "DROP TABLE users;"))

    public static let description = RuleDescription(
        id: "sqlite-add-column-nonconstant-default",
        summary: "ALTER TABLE ADD COLUMN with a default SQLite cannot compute once for existing rows",
        rationale: """
            SQLite adds a column without touching the rows: the default is stored in the table's \
            definition and read for every old row. It must therefore be a constant. A default of \
            CURRENT_TIMESTAMP, CURRENT_TIME or CURRENT_DATE, a function call, or any parenthesised \
            expression other than a literal (`(1 + 2)`, `('a' || 'b')`, `(lower('A'))`) makes \
            ALTER TABLE fail with "Cannot add a column with non-constant default" as soon as the \
            table holds a row, so the migration passes on an empty development database and fails \
            in production. Literals, signed numbers, NULL, TRUE/FALSE and CAST of a literal are \
            constant and accepted; a function call without parentheses (`DEFAULT now()`) is a \
            syntax error in SQLite and reported too. A table created earlier in the same file, with no INSERT into \
            it since, is empty and not reported.
            """,
        help: """
            add the column with a constant default (or none), then fill it: `UPDATE t SET c = <expression>;`; \
            to keep the expression as the default for new rows, rebuild the table instead \
            (https://www.sqlite.org/lang_altertable.html#otheralter)
            """,
        defaultSeverity: .error,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN created_at TEXT ↓DEFAULT CURRENT_TIMESTAMP;",
                                          down: "ALTER TABLE users DROP COLUMN created_at;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN token TEXT ↓DEFAULT (lower(hex(randomblob(16))));",
                                          down: "ALTER TABLE users DROP COLUMN token;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ADD score INTEGER NOT NULL ↓DEFAULT (1 + 2);",
                                          down: "ALTER TABLE users DROP COLUMN score;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN updated_at TIMESTAMP ↓DEFAULT now();",
                                          down: "ALTER TABLE users DROP COLUMN updated_at;"),
                    earlier: [users], dialects: [.sqlite]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active';",
                                          down: "ALTER TABLE users DROP COLUMN status;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN retries INTEGER DEFAULT (-1);\nALTER TABLE users ADD COLUMN kind TEXT DEFAULT (CAST(1 AS TEXT));",
                                          down: "SELECT 1;"),
                    earlier: [users], dialects: [.sqlite]),
            Example(ExampleFile.migration("""
                CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT);
                ALTER TABLE events ADD COLUMN happened_at TEXT DEFAULT CURRENT_TIMESTAMP;
                """, down: "DROP TABLE events;"), dialects: [.sqlite]),
            Example(ExampleFile.migration("CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP, tag TEXT DEFAULT (lower('X')));",
                                          down: "DROP TABLE audit;"), dialects: [.sqlite]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind, alter.actions.count == 1,
                  case .addColumn(let column, _) = alter.actions[0].action, !column.generated,
                  !column.primaryKey, !column.unique, column.defaultExpression != nil,
                  !SQLiteHazards.isEmptyNewTable(alter.name, in: context, before: index) else { continue }
            let run = SQLiteTokenRun(context.source, statement, bytes: column.range.byteRange)
            guard let keyword = run.firstTopLevelWord("default"),
                  let end = Self.defaultEnd(run, after: keyword),
                  let reason = Self.nonConstant(run, keyword + 1, end) else { continue }
            let written = context.source.text(run.token(keyword + 1).offset..<run.token(end).endOffset)
            let expression = written.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            violations.append(Violation(
                range: SQLiteHazards.range(of: run.token(keyword), in: context.source),
                message: "column \(column.name) added to \(alter.name) has the non-constant default `\(expression)` (\(reason)), which SQLite refuses in ADD COLUMN once the table has rows"))
        }
        return violations
    }

    /// The last position of the DEFAULT value after `keyword`, as SQLite's grammar reads it: a
    /// parenthesised expression, a signed literal, or one term.
    static func defaultEnd(_ run: SQLiteTokenRun, after keyword: Int) -> Int? {
        let first = keyword + 1
        guard first < run.count else { return nil }
        if run.isPunct(first, "(") { return run.closing(first) }
        if run.isFunctionName(first) { return run.closing(first + 1) }
        if run.isOperator(first, "-") || run.isOperator(first, "+") { return min(first + 1, run.count - 1) }
        return first
    }

    static let timeWords: Set<String> = ["current_timestamp", "current_time", "current_date"]
    static let expressionWords: Set<String> = ["collate", "and", "or", "is", "in", "like", "glob", "between",
                                               "case", "not", "regexp", "match", "select", "exists"]

    /// Why the DEFAULT value from `first` through `last` is not a constant, or nil when it is
    /// (or when unsure).
    static func nonConstant(_ run: SQLiteTokenRun, _ first: Int, _ last: Int) -> String? {
        guard first <= last else { return nil }
        for p in first...last where run.kind(p) == .word && timeWords.contains(run.name(p) ?? "") {
            return "the current time"
        }
        // `DEFAULT now()`: SQLite reads only a literal or a name here, so the call is an error.
        if run.isFunctionName(first), run.closing(first + 1) == last { return "a function call" }
        guard run.isPunct(first, "("), run.closing(first) == last else { return nil }
        var lo = first, hi = last
        while run.isPunct(lo, "("), run.closing(lo) == hi, lo + 1 < hi { lo += 1; hi -= 1 }
        if lo == hi, run.kind(lo) == .word, let name = run.name(lo), !["null", "true", "false"].contains(name) {
            return "a column name"
        }
        for p in lo...hi {
            if run.isFunctionName(p), !run.isWord(p, "cast") { return "a function call" }
            if run.kind(p) == .word, expressionWords.contains(run.name(p) ?? "") { return "an expression" }
            if run.kind(p) == .operator_, p > lo {
                // An operator after a value is binary; after `(` or another operator it is a sign.
                let previous = run.kind(p - 1)
                if previous != .operator_, !run.isPunct(p - 1, "("), !run.isPunct(p - 1, ",") { return "an expression" }
            }
        }
        return nil
    }
}
