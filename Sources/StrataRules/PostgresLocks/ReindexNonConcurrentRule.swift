import StrataCore
import StrataSyntax

public struct ReindexNonConcurrentRule: Rule {
    public init() {}

    static let id = "reindex-non-concurrent"

    public static let description = RuleDescription(
        id: id,
        summary: "REINDEX without CONCURRENTLY",
        rationale: """
            A plain REINDEX takes a SHARE lock on the table, so its writes wait for the whole \
            rebuild, and an ACCESS EXCLUSIVE lock on each index it rebuilds, so even reads whose \
            plan would use the index wait. REINDEX ... CONCURRENTLY (PostgreSQL 12 and later) \
            builds a new copy of each index next to the old one and swaps them, taking only SHARE \
            UPDATE EXCLUSIVE, which lets reads and writes go on. It cannot run in a transaction \
            block. Not reported: REINDEX SYSTEM (it has no concurrent form), targets of PostgreSQL \
            11 and older (where there is no concurrent form either; create a new index \
            CONCURRENTLY and drop the old one instead), and a table created earlier in the same \
            file or new on the branch.
            """,
        help: "use `REINDEX INDEX CONCURRENTLY name` (or `REINDEX TABLE CONCURRENTLY`) in a migration that runs outside a transaction (`-- @transaction: false`, or the folder's tool's own way)",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .lock(.share),
        triggeringExamples: [
            Example(ExampleFile.migration("↓REINDEX INDEX idx_users_email;"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT);\nCREATE INDEX idx_users_email ON users (email);"),
                    dialects: [.postgresql]),
            Example("↓reindex (verbose) table public.orders;\n",
                    earlier: [("0001_orders.sql", "CREATE TABLE orders (id BIGINT PRIMARY KEY);\n")], layout: .plain, dialects: [.postgresql]),
            Example("↓REINDEX TABLE \"Post\";\n",
                    earlier: [("0001_init.sql", "CREATE TABLE \"Post\" (\"id\" SERIAL PRIMARY KEY, \"authorId\" INTEGER);\n")],
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(PGLockExample.noTransaction("REINDEX INDEX CONCURRENTLY idx_users_email;"), dialects: [.postgresql]),
            Example(PGLockExample.noTransaction("REINDEX (CONCURRENTLY, VERBOSE) TABLE orders;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE TABLE imports (id BIGINT PRIMARY KEY);\nREINDEX TABLE imports;"),
                    dialects: [.postgresql]),
            Example("REINDEX INDEX idx_users_email;\n", layout: .plain, dialects: [.postgresql],
                    versions: DialectVersions(postgres: 11)),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.versions.postgres >= 12, context.upFeatures.contains(.other) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard let reindex = PGLockReindex(statement, context.source), !reindex.concurrently,
                  ["index", "table", "schema", "database"].contains(reindex.kind),
                  reindex.name != nil || reindex.kind == "database" else { continue }
            var table: ObjectName?
            switch reindex.kind {
            case "table": table = reindex.name
            case "index": table = reindex.name.flatMap { PGLock.table(ofIndex: $0, context, before: index) }
            default: break
            }
            if let table, let note = PGLock.skip(Self.id, context, table: table, statement: index, at: statement.range) {
                violations.append(note)
                continue
            }
            let target = "\(reindex.kind.uppercased())\(reindex.name.map { " \($0)" } ?? "")"
            let tables = reindex.kind == "schema" || reindex.kind == "database" ? "each of its tables" : "the table"
            // REINDEX DATABASE names the database (before PostgreSQL 16 it must): no fix written for it.
            let fix = reindex.kind == "database" ? nil : reindex.name.map { name in
                SuggestedSQL(["REINDEX \(reindex.kind.uppercased()) CONCURRENTLY \(name.sql(.postgresql))"],
                             placement: .instead, transactional: false)
            }
            let write = fix.map { "write `\($0.text)` instead" } ?? "use REINDEX \(reindex.kind.uppercased()) CONCURRENTLY"
            violations.append(Violation(
                range: statement.range,
                message: "REINDEX \(target) without CONCURRENTLY blocks writes to \(tables) (SHARE lock) and reads that use the rebuilt indexes (ACCESS EXCLUSIVE) until it ends",
                help: "\(write), \(Hints.inMigrationOutsideTransaction(context))",
                suggestion: fix))
        }
        return violations
    }
}
