import StrataCore
import StrataSyntax

public struct SQLiteAddColumnConstraintRule: Rule {
    public init() {}

    static let posts = ("0001_posts.sql", ExampleFile.migration("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
        CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
        INSERT INTO users (id, email) VALUES (1, 'ada@example.com');
        INSERT INTO posts (title) VALUES ('Hello');
        """, down: "DROP TABLE posts;\nDROP TABLE users;"))

    static func noTransaction(_ up: String, down: String) -> String {
        ExampleFile.migration(up, down: down).replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: false\n-- UP MIGRATION")
    }

    public static let description = RuleDescription(
        id: "sqlite-add-column-constraint",
        summary: "ALTER TABLE ADD COLUMN with a constraint SQLite cannot add to an existing table",
        rationale: """
            SQLite's ADD COLUMN only appends a column definition; it never builds an index or \
            checks existing rows against a key. So it refuses a PRIMARY KEY column ("Cannot add a \
            PRIMARY KEY column") and a UNIQUE column ("Cannot add a UNIQUE column") outright. A \
            generated column declared STORED would need every row rewritten, and is refused once \
            the table has rows ("cannot add a STORED column"); VIRTUAL is accepted. With foreign \
            keys on, a REFERENCES column whose default is not NULL is refused too ("Cannot add a \
            REFERENCES column with non-NULL default value"), as existing rows would point at a \
            parent nobody checked; that one is reported only when the file itself turns \
            `PRAGMA foreign_keys = ON` and runs outside a transaction (where the pragma takes \
            effect), since SQLite starts with foreign keys off.
            """,
        help: """
            add the column plain and create the constraint separately: `CREATE UNIQUE INDEX ... ON t (c)` \
            for UNIQUE, a VIRTUAL generated column instead of STORED, a NULL default for a \
            REFERENCES column (filled by UPDATE afterwards); a new PRIMARY KEY needs the 12-step \
            table rebuild (https://www.sqlite.org/lang_altertable.html#otheralter)
            """,
        defaultSeverity: .error,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE posts ADD COLUMN slug TEXT ↓UNIQUE;", down: "SELECT 1;"),
                    earlier: [posts], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE posts ADD COLUMN uuid TEXT ↓PRIMARY KEY;", down: "SELECT 1;"),
                    earlier: [posts], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE posts ADD COLUMN title_length INTEGER GENERATED ALWAYS AS (length(title)) ↓STORED;",
                                          down: "SELECT 1;"),
                    earlier: [posts], dialects: [.sqlite]),
            Example(noTransaction("PRAGMA foreign_keys = ON;\nALTER TABLE posts ADD COLUMN author_id INTEGER NOT NULL DEFAULT 1 ↓REFERENCES users (id);",
                                  down: "SELECT 1;"),
                    earlier: [posts], dialects: [.sqlite]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE posts ADD COLUMN slug TEXT;\nCREATE UNIQUE INDEX idx_posts_slug ON posts (slug);",
                                          down: "SELECT 1;"),
                    earlier: [posts], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE posts ADD COLUMN title_length INTEGER GENERATED ALWAYS AS (length(title)) VIRTUAL;",
                                          down: "SELECT 1;"),
                    earlier: [posts], dialects: [.sqlite]),
            Example(noTransaction("PRAGMA foreign_keys = ON;\nALTER TABLE posts ADD COLUMN author_id INTEGER REFERENCES users (id);",
                                  down: "SELECT 1;"),
                    earlier: [posts], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE posts ADD COLUMN author_id INTEGER NOT NULL DEFAULT 1 REFERENCES users (id);",
                                          down: "SELECT 1;"),
                    earlier: [posts], dialects: [.sqlite]),
            Example(ExampleFile.migration("""
                CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);
                ALTER TABLE tags ADD COLUMN name_length INTEGER AS (length(name)) STORED;
                """, down: "DROP TABLE tags;"), dialects: [.sqlite]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind, alter.actions.count == 1,
                  case .addColumn(let column, _) = alter.actions[0].action else { continue }
            let run = SQLiteTokenRun(context.source, statement, bytes: column.range.byteRange)
            func report(_ position: Int?, _ message: String) {
                guard let position else { return }
                violations.append(Violation(range: SQLiteHazards.range(of: run.token(position), in: context.source),
                                            message: "column \(column.name) added to \(alter.name) \(message)"))
            }
            if column.primaryKey {
                report(run.firstTopLevelWord("primary", followedBy: "key"), "is a PRIMARY KEY, which SQLite cannot add to an existing table")
                continue
            }
            if column.unique {
                report(run.firstTopLevelWord("unique"), "is UNIQUE, which SQLite cannot add to an existing table")
                continue
            }
            let empty = SQLiteHazards.isEmptyNewTable(alter.name, in: context, before: index)
            if column.generated, !empty, let stored = Self.storedWord(run) {
                report(stored, "is a STORED generated column, which SQLite refuses once the table has rows")
                continue
            }
            if column.references != nil, !empty, context.file.nonTransactionalReason != nil,
               SQLiteHazards.isOn(SQLiteHazards.pragma("foreign_keys", in: context, before: index)),
               !SQLiteAddColumnNotNullDefaultRule.isNullDefault(column.defaultExpression) {
                report(run.firstTopLevelWord("references"), "references \(column.references!.table) with a non-NULL default, which SQLite refuses with foreign keys on once the table has rows")
            }
        }
        return violations
    }

    /// `STORED` after the generated column's `AS (...)`.
    static func storedWord(_ run: SQLiteTokenRun) -> Int? {
        guard let asWord = run.topLevel.first(where: { run.isWord($0, "as") && run.isPunct($0 + 1, "(") }) else { return nil }
        let after = run.closing(asWord + 1) + 1
        return run.isWord(after, "stored") ? after : nil
    }
}
