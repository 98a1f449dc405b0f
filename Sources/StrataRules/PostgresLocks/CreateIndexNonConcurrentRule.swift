import StrataCore
import StrataSyntax

public struct CreateIndexNonConcurrentRule: Rule {
    public init() {}

    static let id = "create-index-non-concurrent"

    public static let description = RuleDescription(
        id: id,
        summary: "CREATE INDEX without CONCURRENTLY on a table that may hold data",
        rationale: """
            A plain CREATE INDEX takes a SHARE lock on the table for the whole build: reads go on, \
            but every INSERT, UPDATE and DELETE waits until the index is built, which on a large \
            table takes minutes. CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE instead, \
            which lets writes continue, at the price of two table scans and no transaction block. \
            Exempt: a table created earlier in the same file (or, under `strata check`, by a \
            migration new on the branch), a new table renamed earlier in the file, and a \
            materialized view created earlier in the file; they are empty, or invisible to other \
            sessions until the transaction commits. Not known to Strata: whether the table is \
            partitioned (PostgreSQL cannot build an index CONCURRENTLY on a partitioned parent; \
            build it on each partition, then ALTER INDEX ... ATTACH PARTITION).
            """,
        help: "use `CREATE INDEX CONCURRENTLY` in a migration that runs outside a transaction (`-- @transaction: false`, or the folder's tool's own way), one index per file, so that a failed build leaves only an INVALID index to drop and retry",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .lock(.share),
        triggeringExamples: [
            Example(ExampleFile.migration("↓CREATE INDEX idx_users_email ON users (email);"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);"),
                    dialects: [.postgresql]),
            Example("↓create unique index if not exists orders_ref_key on public.orders using btree (ref) where deleted_at is null;\n",
                    earlier: [("0001_orders.sql", "CREATE TABLE orders (id BIGINT PRIMARY KEY, ref TEXT, deleted_at TIMESTAMPTZ);\n")],
                    layout: .plain, dialects: [.postgresql]),
            // Prisma's names: quoted, mixed case.
            Example("-- migrate:up\n↓CREATE INDEX \"Post_authorId_idx\" ON \"Post\"(\"authorId\");\n\n-- migrate:down\nDROP INDEX \"Post_authorId_idx\";\n",
                    fileName: "20240102000000_post_author_index.sql",
                    earlier: [("20240101000000_init.sql", """
                        -- migrate:up
                        CREATE TABLE "User" ("id" SERIAL PRIMARY KEY);
                        CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "authorId" INTEGER NOT NULL REFERENCES "User"("id"));

                        -- migrate:down
                        DROP TABLE "Post";
                        DROP TABLE "User";

                        """)],
                    layout: .dbmate, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(PGLockExample.noTransaction("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE invoices (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL);
                CREATE INDEX idx_invoices_customer ON invoices (customer_id);
                """), dialects: [.postgresql]),
            Example("""
                CREATE TABLE users_new (id BIGINT PRIMARY KEY, email TEXT);
                INSERT INTO users_new SELECT id, email FROM users;
                DROP TABLE users;
                ALTER TABLE users_new RENAME TO users;
                CREATE INDEX idx_users_email ON users (email);
                """, layout: .plain, dialects: [.postgresql]),
            Example("CREATE MATERIALIZED VIEW IF NOT EXISTS daily_totals AS SELECT day, sum(amount) AS total FROM payments GROUP BY day;\nCREATE UNIQUE INDEX daily_totals_day ON daily_totals (day);\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("-- CREATE INDEX idx ON users (email);\nSELECT 'CREATE INDEX idx ON users (email)';\n",
                    layout: .plain, dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.createIndex) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .createIndex(let create) = statement.kind, !create.concurrently else { continue }
            if let note = PGLock.skip(Self.id, context, table: create.table, statement: index, at: statement.range) {
                violations.append(note)
                continue
            }
            let what = create.name.map { "index \($0)" } ?? "an index"
            // The statement as written, CONCURRENTLY after INDEX: its names keep their quotes.
            var concurrent = SQLFragment(context.source, statement)
            // `ON ONLY parent` (a partitioned table's own index) takes no CONCURRENTLY.
            let onOnly = concurrent.firstWord("on").map { concurrent.isWord("only", at: $0 + 1) } ?? false
            let fix = onOnly ? nil : concurrent.firstWord("index").map { index in
                concurrent.insert("CONCURRENTLY", at: index + 1)
                return SuggestedSQL([concurrent.text], placement: .instead, transactional: false)
            }
            violations.append(Violation(
                range: statement.range,
                message: "CREATE \(create.unique ? "UNIQUE " : "")INDEX without CONCURRENTLY builds \(what) under a SHARE lock on \(create.table), blocking its writes until the build ends",
                help: "write \(fix.map { "`\($0.text)`" } ?? "CREATE INDEX CONCURRENTLY") instead, \(Hints.inMigrationOutsideTransaction(context)); one index per migration, so that a failed build leaves only an INVALID index to drop and retry",
                suggestion: fix))
        }
        return violations
    }
}
