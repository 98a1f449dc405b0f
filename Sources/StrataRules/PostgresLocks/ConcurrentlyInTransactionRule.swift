import StrataCore
import StrataSyntax

public struct ConcurrentlyInTransactionRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "concurrently-in-transaction",
        summary: "A CONCURRENTLY operation in a migration the applier wraps in a transaction",
        rationale: """
            Strata applies each migration inside one transaction unless its header says \
            `@transaction: false`. PostgreSQL refuses CREATE INDEX CONCURRENTLY, DROP INDEX \
            CONCURRENTLY, REINDEX ... CONCURRENTLY and ALTER TABLE ... DETACH PARTITION ... \
            CONCURRENTLY inside a transaction block ("cannot run inside a transaction block"), so \
            the migration fails every time it runs, whether the table is new or not. The rule \
            needs the metadata header, so it does not run on the plain layout, where Strata cannot \
            know how another tool runs the file.
            """,
        help: "add `-- @transaction: false` to the header, and keep the file to the concurrent statement (a failure part-way then leaves nothing half-applied besides an INVALID index to drop)",
        defaultSeverity: .error,
        requires: .metadata,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("↓CREATE INDEX CONCURRENTLY idx_users_email ON users (email);"), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE events (id BIGINT PRIMARY KEY, kind TEXT);
                ↓CREATE INDEX CONCURRENTLY idx_events_kind ON events (kind);
                ↓DROP INDEX CONCURRENTLY IF EXISTS idx_old;
                ↓REINDEX TABLE CONCURRENTLY events;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE measurements ↓DETACH PARTITION measurements_2020 CONCURRENTLY;"),
                    dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(PGLockExample.noTransaction("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);"), dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE INDEX idx_users_email ON users (email);\nREFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;"),
                    dialects: [.postgresql]),
            Example("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n", layout: .plain, dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.file.runsInTransaction else { return [] }
        var violations: [Violation] = []
        func report(_ range: SourceRange, _ what: String) {
            violations.append(Violation(
                range: range,
                message: "\(what) cannot run inside the transaction Strata wraps this migration in; PostgreSQL refuses it"))
        }
        for statement in context.upStatements {
            switch statement.kind {
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
