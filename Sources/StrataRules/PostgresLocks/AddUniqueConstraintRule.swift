import StrataCore
import StrataSyntax

public struct AddUniqueConstraintRule: Rule {
    public init() {}

    static let id = "add-unique-constraint"

    public static let description = RuleDescription(
        id: id,
        summary: "A UNIQUE constraint added to a table that may hold data, building its index under the ALTER's lock",
        rationale: """
            ALTER TABLE ... ADD UNIQUE (or ADD CONSTRAINT ... UNIQUE, or ADD COLUMN ... UNIQUE) \
            builds the constraint's unique index while holding an ACCESS EXCLUSIVE lock on the \
            table, so no query can read or write it until the whole index is built. Building the \
            index first with CREATE UNIQUE INDEX CONCURRENTLY lets reads and writes go on, and \
            ADD CONSTRAINT ... UNIQUE USING INDEX then only attaches it, in a moment. A table \
            created earlier in the same file, or new on the branch, is exempt.
            """,
        help: "`CREATE UNIQUE INDEX CONCURRENTLY t_col_key ON t (col);` in a migration that runs outside a transaction (`-- @transaction: false`, or the folder's tool's own way), then `ALTER TABLE t ADD CONSTRAINT t_col_key UNIQUE USING INDEX t_col_key;`",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .lock(.accessExclusive),
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ↓ADD CONSTRAINT users_email_key UNIQUE (email);"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);"),
                    dialects: [.postgresql]),
            Example("alter table accounts ↓add unique (slug), ↓add column handle text unique;\n",
                    earlier: [("0001_accounts.sql", "CREATE TABLE accounts (id BIGINT PRIMARY KEY, slug TEXT);\n")],
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE \"User\" ↓ADD CONSTRAINT \"User_email_key\" UNIQUE (\"email\");\n",
                    earlier: [("0001_init.sql", "CREATE TABLE \"User\" (\"id\" SERIAL PRIMARY KEY, \"email\" TEXT NOT NULL);\n")],
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE users ADD COLUMN unique_code TEXT;\nCREATE UNIQUE INDEX CONCURRENTLY users_code_key ON users (unique_code);\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE slugs (id BIGINT PRIMARY KEY, value TEXT);
                ALTER TABLE slugs ADD CONSTRAINT slugs_value_key UNIQUE (value);
                """), dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        PGLock.checkActions(Self.id, context) { found in
            switch found.action {
            case .addConstraint(let constraint):
                guard case .unique(let columns) = constraint.kind, constraint.usingIndex == nil else { return nil }
                let fix = PGLock.uniqueIndexFirst(found, columns: columns, constraintName: constraint.name, suffix: "key", kind: "UNIQUE")
                return Violation(range: found.range,
                                 message: "UNIQUE (\(columns.map(\.name).joined(separator: ", "))) on \(found.table) builds its index under an ACCESS EXCLUSIVE lock, blocking the table's reads and writes",
                                 help: fix.map { PGLock.uniqueIndexFirstHelp($0, context) }, suggestion: fix)
            case .addColumn(let column, _):
                guard column.unique else { return nil }
                let fix = PGLock.uniqueColumnLater(found, column, context)
                return Violation(range: found.range,
                                 message: "ADD COLUMN \(column.name) UNIQUE on \(found.table) builds its index under an ACCESS EXCLUSIVE lock, blocking the table's reads and writes",
                                 help: fix.map { fix in
                                     "add the column without UNIQUE, `\(fix.statements[0]);`, then " + PGLock.uniqueIndexFirstHelp(SuggestedSQL(Array(fix.statements.dropFirst()), placement: .instead), context)
                                 },
                                 suggestion: fix)
            default:
                return nil
            }
        }
    }
}
