import StrataCore
import StrataSyntax

public struct AddPrimaryKeyRule: Rule {
    public init() {}

    static let id = "add-primary-key"

    public static let description = RuleDescription(
        id: id,
        summary: "A PRIMARY KEY added to a table that may hold data, building its index under the ALTER's lock",
        rationale: """
            ALTER TABLE ... ADD PRIMARY KEY (or ADD COLUMN ... PRIMARY KEY) builds a unique index \
            while holding an ACCESS EXCLUSIVE lock on the table, and first scans it to set NOT \
            NULL on the key's columns when they allow NULL: no query can read or write the table \
            until both are done. Building the index with CREATE UNIQUE INDEX CONCURRENTLY lets \
            reads and writes go on; ADD CONSTRAINT ... PRIMARY KEY USING INDEX then only attaches \
            it (its columns should already be NOT NULL, see `set-not-null-scan`). A table created \
            earlier in the same file, or new on the branch, is exempt.
            """,
        help: "`CREATE UNIQUE INDEX CONCURRENTLY t_pkey ON t (id);` in a migration that runs outside a transaction (`-- @transaction: false`, or the folder's tool's own way), then `ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_pkey;`",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .lock(.accessExclusive),
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE events ↓ADD PRIMARY KEY (id);"),
                    earlier: PGLockExample.base("CREATE TABLE events (id BIGINT NOT NULL, kind TEXT);"),
                    dialects: [.postgresql]),
            Example("alter table memberships ↓add constraint memberships_pkey primary key (user_id, group_id);\n",
                    earlier: [("0001_memberships.sql", "CREATE TABLE memberships (user_id BIGINT NOT NULL, group_id BIGINT NOT NULL);\n")],
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE \"_PostToTag\" ↓ADD CONSTRAINT \"_PostToTag_AB_pkey\" PRIMARY KEY (\"A\", \"B\");\n",
                    earlier: [("0001_init.sql", "CREATE TABLE \"_PostToTag\" (\"A\" INTEGER NOT NULL, \"B\" INTEGER NOT NULL);\n")],
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example("ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id_idx;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE events DROP CONSTRAINT events_pkey;\nALTER TABLE events ADD COLUMN primary_owner TEXT;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE tags (id BIGINT NOT NULL, name TEXT);
                ALTER TABLE tags ADD PRIMARY KEY (id);
                """), dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        PGLock.checkActions(Self.id, context) { found in
            switch found.action {
            case .addConstraint(let constraint):
                guard case .primaryKey(let columns) = constraint.kind, constraint.usingIndex == nil else { return nil }
                let fix = PGLock.uniqueIndexFirst(found, columns: columns, constraintName: constraint.name, suffix: "pkey", kind: "PRIMARY KEY")
                return Violation(range: found.range,
                                 message: "PRIMARY KEY (\(columns.map(\.name).joined(separator: ", "))) on \(found.table) builds its index under an ACCESS EXCLUSIVE lock, blocking the table's reads and writes",
                                 help: fix.map { PGLock.uniqueIndexFirstHelp($0, context) + " (its columns should be NOT NULL already, see `set-not-null-scan`)" },
                                 suggestion: fix)
            case .addColumn(let column, _):
                guard column.primaryKey else { return nil }
                // The column must exist, filled and NOT NULL, before its index: no one fix here.
                let steps = PGLock.uniqueIndexFirst(found, columns: [column.name], constraintName: nil, suffix: "pkey", kind: "PRIMARY KEY")
                return Violation(range: found.range,
                                 message: "ADD COLUMN \(column.name) PRIMARY KEY on \(found.table) builds its index under an ACCESS EXCLUSIVE lock, blocking the table's reads and writes",
                                 help: steps.map { "add the column without PRIMARY KEY and fill it (NOT NULL), then " + PGLock.uniqueIndexFirstHelp($0, context) })
            default:
                return nil
            }
        }
    }
}
