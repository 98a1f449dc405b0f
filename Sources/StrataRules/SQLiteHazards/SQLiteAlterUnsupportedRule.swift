import StrataCore
import StrataSyntax

public struct SQLiteAlterUnsupportedRule: Rule {
    public init() {}

    static let schema = ("0001_schema.sql", ExampleFile.migration("""
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, nickname TEXT);
        CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER, title TEXT);
        INSERT INTO users (id, email) VALUES (1, 'ada@example.com');
        INSERT INTO posts (author_id, title) VALUES (1, 'Hello');
        """, down: "DROP TABLE posts;\nDROP TABLE users;"))

    public static let description = RuleDescription(
        id: "sqlite-alter-unsupported",
        summary: "An ALTER TABLE form SQLite does not have",
        rationale: """
            SQLite's ALTER TABLE knows four things: RENAME TO, RENAME COLUMN (from 3.25), ADD \
            COLUMN, and DROP COLUMN (from 3.35), one per statement. ALTER COLUMN (TYPE, SET/DROP \
            NOT NULL, SET/DROP DEFAULT), ADD/DROP/RENAME/VALIDATE CONSTRAINT, ADD PRIMARY KEY / \
            UNIQUE / CHECK / FOREIGN KEY, IF [NOT] EXISTS, ONLY, CASCADE, several comma-separated \
            actions, and PostgreSQL's other actions (OWNER TO, SET SCHEMA...) are syntax errors, \
            so the migration fails where it runs. RENAME COLUMN and DROP COLUMN are reported \
            when `sqlite.version` in strata.yml is older than the release that added them.
            """,
        help: """
            rebuild the table (https://www.sqlite.org/lang_altertable.html#otheralter) in a file that \
            runs outside a transaction (`-- @transaction: false`, or the folder's tool's own way): \
            PRAGMA foreign_keys = OFF; BEGIN; CREATE TABLE new_t with the \
            new definition; INSERT INTO new_t SELECT ... FROM t; DROP TABLE t; ALTER TABLE new_t \
            RENAME TO t; recreate t's indexes, triggers and views; PRAGMA foreign_key_check; COMMIT; \
            PRAGMA foreign_keys = ON
            """,
        defaultSeverity: .error,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ↓ALTER COLUMN email TYPE VARCHAR(320);"),
                    earlier: [schema], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE posts ↓ADD CONSTRAINT fk_posts_author FOREIGN KEY (author_id) REFERENCES users (id);"),
                    earlier: [schema], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ↓DROP CONSTRAINT users_email_key;\nALTER TABLE users ↓ALTER nickname SET NOT NULL;"),
                    earlier: [schema], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE posts ADD COLUMN body TEXT, ↓ADD COLUMN published_at TEXT;"),
                    earlier: [schema], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE ↓IF EXISTS posts ADD COLUMN body TEXT;\nALTER TABLE users ↓DROP COLUMN IF EXISTS nickname;"),
                    earlier: [schema], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users ↓RENAME COLUMN nickname TO display_name;"),
                    earlier: [schema], dialects: [.sqlite], versions: DialectVersions(sqlite: SQLiteVersion(3, 24))),
            Example(ExampleFile.migration("ALTER TABLE users ↓DROP COLUMN nickname;"),
                    earlier: [schema], dialects: [.sqlite], versions: DialectVersions(sqlite: SQLiteVersion(3, 34, 1))),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users RENAME COLUMN nickname TO display_name;\nALTER TABLE users DROP COLUMN display_name;"),
                    earlier: [schema], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE posts ADD COLUMN body TEXT;\nALTER TABLE posts ADD published_at TEXT;\nALTER TABLE posts RENAME TO articles;"),
                    earlier: [schema], dialects: [.sqlite]),
            Example(ExampleFile.migration("ALTER TABLE users DROP COLUMN nickname;"),
                    earlier: [schema], dialects: [.sqlite], versions: DialectVersions(sqlite: SQLiteVersion(3, 35))),
            Example(ExampleFile.migration("ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(320);"),
                    earlier: [schema], dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        var violations: [Violation] = []
        for statement in context.upStatements {
            guard case .alterTable(let alter) = statement.kind else { continue }
            if alter.ifExists || alter.only {
                let run = SQLiteTokenRun(context.source, statement.tokens)
                if let position = (0..<min(run.count, 4)).first(where: { run.isWord($0, "if") || run.isWord($0, "only") }) {
                    let form = alter.ifExists ? "ALTER TABLE IF EXISTS" : "ALTER TABLE ONLY"
                    violations.append(Violation(range: SQLiteHazards.range(of: run.token(position), in: context.source),
                                                message: "\(form) \(alter.name) is not SQLite syntax",
                                                help: "write `ALTER TABLE \(alter.name.sql(.sqlite))` without \(alter.ifExists ? "IF EXISTS" : "ONLY"): SQLite has no such clause"))
                }
            }
            for (index, (action, range)) in alter.actions.enumerated() {
                let start = SourceRange(start: range.start, end: range.end)
                if let form = SQLiteHazards.unsupported(action, versions: context.versions) {
                    let version = form.hasSuffix("before SQLite 3.35") || form.hasSuffix("before SQLite 3.25")
                    let message = version
                        ? "ALTER TABLE \(alter.name) \(form.replacingOccurrences(of: " before ", with: " needs ")) or later (sqlite.version is \(context.versions.sqlite))"
                        : "ALTER TABLE \(alter.name) \(form) is not supported by SQLite"
                    violations.append(Violation(range: start, message: message, help: SQLiteHazards.rebuildHelp(alter.name, context)))
                } else if index > 0 {
                    violations.append(Violation(range: start,
                                                message: "ALTER TABLE \(alter.name) has several actions; SQLite takes one per statement",
                                                help: "write one `ALTER TABLE \(alter.name.sql(.sqlite)) ...;` statement for each action"))
                }
            }
        }
        return violations
    }
}
