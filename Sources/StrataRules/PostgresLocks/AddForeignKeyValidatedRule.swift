import StrataCore
import StrataSyntax

public struct AddForeignKeyValidatedRule: Rule {
    public init() {}

    static let id = "add-fk-validated"

    public static let description = RuleDescription(
        id: id,
        summary: "A foreign key added to a table that may hold data, checked at once (no NOT VALID)",
        rationale: """
            Adding a foreign key without NOT VALID makes PostgreSQL check every existing row of \
            the table against the referenced table before the ALTER ends. During that scan it \
            holds a SHARE ROW EXCLUSIVE lock on both tables, which blocks their INSERTs, UPDATEs \
            and DELETEs (and, for ADD COLUMN ... REFERENCES, an ACCESS EXCLUSIVE lock on the \
            altered table, which blocks its reads too). With NOT VALID the constraint is recorded \
            at once and enforced for new rows only; a later VALIDATE CONSTRAINT checks the old \
            rows under SHARE UPDATE EXCLUSIVE, which lets reads and writes go on (and only a \
            ROW SHARE lock on the referenced table). ADD COLUMN ... REFERENCES without a DEFAULT is \
            not reported: the new column is NULL in every row, so PostgreSQL skips the check and \
            marks the key valid at once (a DEFAULT, even an explicit NULL, makes it check). A \
            table created earlier in the same file, or new on the branch, is exempt while it is \
            empty; one the file filled first with `CREATE TABLE ... AS SELECT` (not WITH NO DATA) \
            or `INSERT ... SELECT` is not, when the referenced table existed before the file: \
            the check of every copied row runs while that table is locked SHARE ROW EXCLUSIVE. \
            Checked on PostgreSQL 15.18: on a table of 2,000,000 rows copied by CREATE TABLE AS, \
            the ADD CONSTRAINT took 4.6 s (1.9 s after INSERT ... SELECT into a created table) \
            with the 1,000,000-row parent locked SHARE ROW EXCLUSIVE throughout, and the lock is \
            kept until the migration's transaction commits.
            """,
        help: "add the constraint with `NOT VALID` (for a new column: add the column first, then `ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID`), then `VALIDATE CONSTRAINT` in a later migration",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .lock(.shareRowExclusive),
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE orders ↓ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);"),
                    earlier: PGLockExample.base("CREATE TABLE customers (id BIGINT PRIMARY KEY);\nCREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT);"),
                    dialects: [.postgresql]),
            Example("alter table comments ↓add column author_id bigint default 1 references users (id) on delete cascade;\nalter table comments ↓add foreign key (post_id) references posts;\n",
                    earlier: [("0001_base.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY);\nCREATE TABLE posts (id BIGINT PRIMARY KEY);\nCREATE TABLE comments (id BIGINT PRIMARY KEY, post_id BIGINT);\n")],
                    layout: .plain, dialects: [.postgresql]),
            // Prisma's names: quoted, mixed case, the referenced table written `"User"("id")`.
            Example("ALTER TABLE \"Post\" ↓ADD CONSTRAINT \"Post_authorId_fkey\" FOREIGN KEY (\"authorId\") REFERENCES \"User\"(\"id\") ON DELETE RESTRICT ON UPDATE CASCADE;\n",
                    earlier: [("0001_init.sql", "CREATE TABLE \"User\" (\"id\" SERIAL PRIMARY KEY);\nCREATE TABLE \"Post\" (\"id\" SERIAL PRIMARY KEY, \"authorId\" INTEGER NOT NULL);\n")],
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE comment_actions AS SELECT person_id, comment_id, score FROM comment_likes;
                ALTER TABLE comment_actions ↓ADD CONSTRAINT comment_actions_person_fk FOREIGN KEY (person_id) REFERENCES person (id);
                CREATE TABLE saved (person_id BIGINT, post_id BIGINT);
                INSERT INTO saved (person_id, post_id) SELECT person_id, post_id FROM post_saved;
                ALTER TABLE saved RENAME TO post_saves;
                ALTER TABLE post_saves ↓ADD FOREIGN KEY (person_id) REFERENCES person, ADD COLUMN note TEXT;
                """), earlier: PGLockExample.base("CREATE TABLE person (id BIGINT PRIMARY KEY);\nCREATE TABLE comment_likes (person_id BIGINT, comment_id BIGINT, score INT);\nCREATE TABLE post_saved (person_id BIGINT, post_id BIGINT);"),
                    dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example("ALTER TABLE comments ADD COLUMN author_id bigint REFERENCES users (id) ON DELETE CASCADE;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\nALTER TABLE orders ADD COLUMN note TEXT;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE order_archive AS SELECT * FROM orders WITH NO DATA;
                ALTER TABLE order_archive ADD CONSTRAINT order_archive_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
                CREATE TABLE order_notes (order_id BIGINT, note TEXT);
                INSERT INTO order_notes (order_id, note) VALUES (1, 'first');
                ALTER TABLE order_notes ADD CONSTRAINT order_notes_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
                CREATE TABLE order_copy AS SELECT * FROM orders;
                ALTER TABLE order_copy ADD CONSTRAINT order_copy_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
                """), earlier: PGLockExample.base("CREATE TABLE customers (id BIGINT PRIMARY KEY);\nCREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE tags (id BIGINT PRIMARY KEY, name TEXT);
                CREATE TABLE post_tags AS SELECT p.id AS post_id, 1::bigint AS tag_id FROM (VALUES (1)) AS p (id);
                ALTER TABLE post_tags ADD CONSTRAINT post_tags_tag_fk FOREIGN KEY (tag_id) REFERENCES tags (id);
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE payments (id BIGINT PRIMARY KEY, order_id BIGINT);
                ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
                """), dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        PGLock.checkActions(Self.id, context, onNewTable: { Self.filledTableFinding($0, $1, context) }) { found in
            switch found.action {
            case .addConstraint(let constraint):
                guard case .foreignKey(let columns, let references) = constraint.kind, !constraint.notValid else { return nil }
                let list = columns.map(\.name).joined(separator: ", ")
                let fix = PGLock.addedNotValid(found, constraint, context,
                                               defaultName: [found.table.name] + columns.map(\.name), suffix: "fkey")
                return Violation(range: found.range,
                                 message: "foreign key on \(found.table) (\(list)) is checked against \(references.table) row by row while both tables are locked SHARE ROW EXCLUSIVE, blocking their writes",
                                 help: fix.map(PGLock.notValidHelp), suggestion: fix)
            case .addColumn(let column, _):
                // Without a DEFAULT the new column is NULL in every row: PostgreSQL skips the
                // check and marks the key valid at once (only an explicit default, even NULL,
                // makes it validate).
                guard let references = column.references, column.defaultExpression != nil else { return nil }
                return Violation(range: found.range,
                                 message: "ADD COLUMN \(column.name) REFERENCES \(references.table) checks every row of \(found.table) while it is locked ACCESS EXCLUSIVE and \(references.table) SHARE ROW EXCLUSIVE")
            default:
                return nil
            }
        }
    }
}
