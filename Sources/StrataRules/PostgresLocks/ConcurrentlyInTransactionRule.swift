import StrataCore
import StrataSyntax

public struct ConcurrentlyInTransactionRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "concurrently-in-transaction",
        summary: "A CONCURRENTLY operation in a migration that runs inside a transaction block",
        rationale: """
            PostgreSQL refuses CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX ... \
            CONCURRENTLY and ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY inside a \
            transaction block ("cannot run inside a transaction block"), so such a migration fails \
            every time it runs, whether the table is new or not. Strata's applier runs a file \
            holding one of them outside a transaction by itself when the header does not say, so \
            the rule reports only what will fail for sure: a file whose header asks for a \
            transaction (`@transaction: true`), a concurrent statement between an explicit \
            BEGIN and its COMMIT in any layout, and one inside a goose `StatementBegin` … \
            `StatementEnd` block holding other statements: the block is sent as one piece of \
            text, which PostgreSQL runs as one implicit transaction (checked on PostgreSQL 15: \
            `CREATE TABLE a (x int); CREATE INDEX CONCURRENTLY ON a (x);` in one query fails \
            with "cannot run inside a transaction block"), even under `-- +goose NO TRANSACTION`.
            """,
        help: "remove `@transaction: true` (or say `-- @transaction: false`) and the surrounding BEGIN/COMMIT, and keep the file to the concurrent statement (a failure part-way then leaves nothing half-applied besides an INVALID index to drop)",
        defaultSeverity: .error,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(PGLockExample.declaringTransaction("↓CREATE INDEX CONCURRENTLY idx_users_email ON users (email);"),
                    dialects: [.postgresql]),
            Example(PGLockExample.declaringTransaction("""
                CREATE TABLE events (id BIGINT PRIMARY KEY, kind TEXT);
                ↓CREATE INDEX CONCURRENTLY idx_events_kind ON events (kind);
                ↓DROP INDEX CONCURRENTLY IF EXISTS idx_old;
                ↓REINDEX TABLE CONCURRENTLY events;
                """), dialects: [.postgresql]),
            Example(PGLockExample.declaringTransaction("ALTER TABLE measurements ↓DETACH PARTITION measurements_2020 CONCURRENTLY;"),
                    dialects: [.postgresql]),
            Example("BEGIN;\n↓CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\nCOMMIT;\n", layout: .plain, dialects: [.postgresql]),
            Example(PGLockExample.noTransaction("""
                BEGIN;
                ↓DROP INDEX CONCURRENTLY idx_old;
                COMMIT;
                CREATE INDEX CONCURRENTLY idx_new ON users (email);
                """), dialects: [.postgresql]),
            Example("""
                -- +goose NO TRANSACTION
                -- +goose Up
                -- +goose StatementBegin
                ALTER TABLE users ADD COLUMN email_lower TEXT;
                ↓CREATE INDEX CONCURRENTLY idx_users_email_lower ON users (email_lower);
                -- +goose StatementEnd

                -- +goose Down
                DROP INDEX IF EXISTS idx_users_email_lower;
                """, fileName: "00002_email_lower.sql", layout: .goose, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(PGLockExample.noTransaction("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);"), dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);"), dialects: [.postgresql]),
            Example(PGLockExample.declaringTransaction("CREATE INDEX idx_users_email ON users (email);\nREFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;"),
                    dialects: [.postgresql]),
            Example("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n", layout: .plain, dialects: [.postgresql]),
            Example("BEGIN;\nCREATE TABLE t (id INT);\nCOMMIT;\nCREATE INDEX CONCURRENTLY idx_t_id ON t (id);\n",
                    layout: .plain, dialects: [.postgresql]),
            // A block of the one statement is sent alone, as a statement outside a block is.
            Example("""
                -- +goose NO TRANSACTION
                -- +goose Up
                -- +goose StatementBegin
                CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
                -- +goose StatementEnd
                CREATE INDEX CONCURRENTLY idx_users_name ON users (name);

                -- +goose Down
                DROP INDEX IF EXISTS idx_users_email;
                """, fileName: "00002_indexes.sql", layout: .goose, dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        // The header's `@transaction: true` wraps the whole file; an explicit BEGIN opens a
        // block until its COMMIT or ROLLBACK whatever the header says.
        let declared = context.file.transactionDeclared == true
        var inBlock = false
        // Statements of a goose block that holds others: sent as one text, one implicit transaction.
        let sentWithOthers = Set(context.file.up?.blocks.filter { $0.count > 1 }.flatMap { $0 } ?? [])
        var index = 0
        var violations: [Violation] = []
        func report(_ range: SourceRange, _ what: String) {
            if sentWithOthers.contains(index), !declared, !inBlock {
                violations.append(Violation(
                    range: range,
                    message: "\(what) cannot run inside a transaction block; this one is in a StatementBegin/StatementEnd block with other statements, which is sent as one text and runs as one implicit transaction, and PostgreSQL refuses it",
                    help: "end the block before the concurrent statement and leave that statement outside any block (or in a block of its own)"
                        + (context.file.transactionDeclared == false ? "" : ", in a file that runs outside a transaction (\(Hints.outsideTransaction(context)))")))
                return
            }
            guard declared || inBlock else { return }
            // A diesel metadata.toml or Flyway .sql.conf that says `true` is named as the header would be.
            let setting = context.file.transactionSetting
            let block = inBlock ? "between BEGIN and COMMIT" : "in the transaction `\(setting?.declaration ?? "@transaction: true")` asks for"
            let undeclare = setting.map { "set it to false in \($0.path.split(separator: "/").last.map(String.init) ?? $0.path)" }
                ?? "remove `@transaction: true` (or say `-- @transaction: false`)"
            let remove = declared
                ? "\(undeclare)\(inBlock ? " and the BEGIN/COMMIT around it" : "")"
                : "remove the BEGIN/COMMIT around it"
            violations.append(Violation(
                range: range,
                message: "\(what) cannot run inside a transaction block; this one runs \(block), and PostgreSQL refuses it",
                help: "\(remove), and keep the concurrent statement to a migration of its own that runs outside a transaction (\(Hints.outsideTransaction(context))): a failure part-way then leaves nothing half-applied besides an INVALID index to drop"))
        }
        for (n, statement) in context.upStatements.enumerated() {
            index = n
            switch statement.kind {
            case .transaction(.begin):
                inBlock = true
            case .transaction(.commit), .transaction(.rollback):
                inBlock = false
            case .createIndex(let create) where create.concurrently:
                report(statement.range, "CREATE INDEX CONCURRENTLY")
            case .drop(let drop) where drop.objectKind == .index && drop.concurrently:
                report(statement.range, "DROP INDEX CONCURRENTLY")
            case .alterTable(let alter):
                for (action, range) in alter.actions {
                    guard case .other(let label) = action, label.hasPrefix("detach partition") else { continue }
                    if PGLockTokens(statement, context.source, within: range.byteRange).contains("concurrently") {
                        report(range, "DETACH PARTITION ... CONCURRENTLY")
                    }
                }
            case .other:
                if let reindex = PGLockReindex(statement, context.source), reindex.concurrently {
                    report(statement.range, "REINDEX CONCURRENTLY")
                }
            default:
                break
            }
        }
        return violations
    }
}
