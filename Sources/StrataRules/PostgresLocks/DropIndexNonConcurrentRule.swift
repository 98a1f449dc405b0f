import StrataCore
import StrataSyntax

public struct DropIndexNonConcurrentRule: Rule {
    public init() {}

    static let id = "drop-index-non-concurrent"

    public static let description = RuleDescription(
        id: id,
        summary: "DROP INDEX without CONCURRENTLY",
        rationale: """
            A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: every read and \
            write of the table waits for it, and while it waits behind a long query, every later \
            query queues behind it. The drop itself is quick, but the wait is not bounded. DROP \
            INDEX CONCURRENTLY waits for the queries using the index to finish without blocking \
            new ones. It cannot run in a transaction block, drop several indexes at once, use \
            CASCADE, or drop an index that backs a constraint (drop the constraint then). An index \
            whose table is created earlier in the same file (or is new on the branch) is exempt \
            when Strata can tell the table: the index is created in this file or known to the \
            schema model.
            """,
        help: "use `DROP INDEX CONCURRENTLY IF EXISTS name;`, one index a statement, in a migration that runs outside a transaction (`-- @transaction: false`, or the folder's tool's own way)",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .lock(.accessExclusive),
        triggeringExamples: [
            Example(ExampleFile.migration("↓DROP INDEX idx_users_email;"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);\nCREATE INDEX idx_users_email ON users (email);"),
                    dialects: [.postgresql]),
            Example("↓drop index if exists public.orders_ref_key;\n", layout: .plain, dialects: [.postgresql]),
            Example("-- +goose Up\n↓DROP INDEX \"public\".\"Post_authorId_idx\", \"Post_title_key\";\n\n-- +goose Down\nSELECT 1;\n",
                    fileName: "00002_drop_post_indexes.sql",
                    earlier: [("00001_init.sql", """
                        -- +goose Up
                        CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "authorId" INTEGER NOT NULL, "title" TEXT);
                        CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");
                        CREATE UNIQUE INDEX "Post_title_key" ON "Post"("title");

                        -- +goose Down
                        DROP TABLE "Post";

                        """)],
                    layout: .goose, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(PGLockExample.noTransaction("DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE drafts (id BIGINT PRIMARY KEY, title TEXT);
                CREATE INDEX idx_drafts_title ON drafts (title);
                DROP INDEX idx_drafts_title;
                """), dialects: [.postgresql]),
            Example("DROP TABLE sessions;\n", layout: .plain, dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.drop) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .drop(let drop) = statement.kind, drop.objectKind == .index, !drop.concurrently,
                  !drop.names.isEmpty else { continue }
            let tables = drop.names.map { PGLock.table(ofIndex: $0, context, before: index) }
            let reasons = tables.map { $0.flatMap { PGLock.newTableReason($0, context, before: index) } }
            if reasons.allSatisfy({ $0 != nil }), let reason = reasons.first ?? nil {
                violations.append(context.skipped(Self.id, at: statement.range, reason: reason))
                continue
            }
            let names = drop.names.map(\.description).joined(separator: ", ")
            let known = Set(tables.compactMap { $0?.description }).sorted()
            let on = known.isEmpty ? "its table" : known.joined(separator: ", ")
            // CONCURRENTLY drops one index a statement, and without CASCADE.
            let fix = drop.cascade ? nil : SuggestedSQL(drop.names.map { "DROP INDEX CONCURRENTLY IF EXISTS \($0.sql(.postgresql))" },
                                                         placement: .instead, transactional: false)
            let write = fix.map { "write `\($0.text)` instead" }
                ?? "drop what depends on the index first, then use DROP INDEX CONCURRENTLY (it takes no CASCADE)"
            violations.append(Violation(
                range: statement.range,
                message: "DROP INDEX \(names) without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on \(on), blocking its reads and writes",
                help: "\(write), \(Hints.inMigrationOutsideTransaction(context))",
                suggestion: fix))
        }
        return violations
    }
}
