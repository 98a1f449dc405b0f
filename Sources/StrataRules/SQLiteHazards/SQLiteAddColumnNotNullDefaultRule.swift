import StrataCore
import StrataSyntax

public struct SQLiteAddColumnNotNullDefaultRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "sqlite-add-column-not-null-default",
        summary: "ALTER TABLE ADD COLUMN ... NOT NULL without a non-NULL default",
        rationale: """
            SQLite does not rewrite rows when it adds a column: every existing row reads the \
            column's default. A NOT NULL column whose default is missing or NULL would leave those \
            rows NULL, so as soon as the table holds a row SQLite refuses the ALTER TABLE with \
            "Cannot add a NOT NULL column with default value NULL". An empty development database \
            accepts it, which is why the failure shows up first in production. A table created \
            earlier in the same file, with no INSERT into it since, is empty and not reported; \
            generated columns, whose value is computed, are not either.
            """,
        help: """
            give the column a constant default (`ADD COLUMN c TEXT NOT NULL DEFAULT ''`), or add it \
            nullable, fill it with UPDATE, and rebuild the table to make it NOT NULL \
            (https://www.sqlite.org/lang_altertable.html#otheralter)
            """,
        defaultSeverity: .error,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN display_name TEXT ↓NOT NULL;",
                                          down: "ALTER TABLE users DROP COLUMN display_name;"),
                    earlier: [SQLiteAddColumnNonconstantDefaultRule.users], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ADD locale TEXT ↓NOT NULL DEFAULT NULL;",
                                          down: "ALTER TABLE users DROP COLUMN locale;"),
                    earlier: [SQLiteAddColumnNonconstantDefaultRule.users], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN \"Plan\" TEXT COLLATE NOCASE ↓not null CHECK (\"Plan\" <> '');",
                                          down: "ALTER TABLE users DROP COLUMN \"Plan\";"),
                    earlier: [SQLiteAddColumnNonconstantDefaultRule.users], dialects: [.sqlite]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';",
                                          down: "ALTER TABLE users DROP COLUMN display_name;"),
                    earlier: [SQLiteAddColumnNonconstantDefaultRule.users], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN nickname TEXT;\nALTER TABLE users ADD COLUMN email_lower TEXT GENERATED ALWAYS AS (lower(email)) VIRTUAL NOT NULL;",
                                          down: "SELECT 1;"),
                    earlier: [SQLiteAddColumnNonconstantDefaultRule.users], dialects: [.sqlite]),
            Example(ExampleFile.migration("""
                CREATE TABLE teams (id INTEGER PRIMARY KEY);
                ALTER TABLE teams ADD COLUMN name TEXT NOT NULL;
                """, down: "DROP TABLE teams;"), dialects: [.sqlite]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind, alter.actions.count == 1,
                  case .addColumn(let column, _) = alter.actions[0].action, column.notNull,
                  !column.generated, !column.primaryKey, !column.unique,
                  Self.isNullDefault(column.defaultExpression),
                  !SQLiteHazards.isEmptyNewTable(alter.name, in: context, before: index) else { continue }
            let run = SQLiteTokenRun(context.source, statement, bytes: column.range.byteRange)
            guard let position = run.firstTopLevelWord("not", followedBy: "null") else { continue }
            let what = column.defaultExpression == nil ? "no default" : "a NULL default"
            violations.append(Violation(
                range: SQLiteHazards.range(of: run.token(position), in: context.source),
                message: "NOT NULL column \(column.name) added to \(alter.name) has \(what), which SQLite refuses once the table has rows"))
        }
        return violations
    }

    /// No default, or `NULL` / `(NULL)`.
    static func isNullDefault(_ expression: String?) -> Bool {
        guard let expression else { return true }
        var text = expression.lowercased().filter { !$0.isWhitespace }
        while text.hasPrefix("("), text.hasSuffix(")") { text = String(text.dropFirst().dropLast()) }
        return text == "null"
    }
}
