import StrataCore
import StrataSyntax

public struct TableRewriteMaintenanceRule: Rule {
    public init() {}

    static let id = "table-rewrite-maintenance"

    public static let description = RuleDescription(
        id: id,
        summary: "VACUUM FULL or CLUSTER in a migration",
        rationale: """
            VACUUM FULL and CLUSTER write a new copy of each table they touch, with all its \
            indexes, and hold an ACCESS EXCLUSIVE lock on it the whole time: no query can read or \
            write the table until the copy is done, which on a large table takes minutes to hours, \
            and the copy needs as much free disk again as the table. Without a table name they do \
            it to every table of the database (VACUUM FULL) or every table clustered before \
            (CLUSTER). A table created earlier in the same file, or new on the branch, is exempt. \
            Plain VACUUM (without FULL) takes no such lock and is not reported.
            """,
        help: "run the maintenance outside migrations, in a quiet window; to reclaim space or reorder rows online, use pg_repack or pg_squeeze",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .rewrite,
        triggeringExamples: [
            Example(PGLockExample.noTransaction("↓VACUUM FULL ANALYZE events;"), dialects: [.postgresql]),
            Example("↓vacuum (full, verbose) public.events;\n↓CLUSTER orders USING orders_pkey;\n↓cluster;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(PGLockExample.noTransaction("↓CLUSTER events USING events_pkey;\n↓VACUUM FULL events;"),
                    earlier: PGLockExample.base("CREATE TABLE events (id BIGINT PRIMARY KEY, kind TEXT);"), dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(PGLockExample.noTransaction("VACUUM ANALYZE events;\nVACUUM (VERBOSE, ANALYZE) orders;"), dialects: [.postgresql]),
            Example("VACUUM (FULL false) events;\nALTER TABLE orders CLUSTER ON orders_pkey;\n", layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE staging_rows (id BIGINT PRIMARY KEY, payload TEXT);
                CLUSTER staging_rows USING staging_rows_pkey;
                """), dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.other) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .other(let label) = statement.kind, label == "vacuum" || label == "cluster" else { continue }
            var t = PGLockTokens(statement, context.source)
            t.advance()
            var tables: [ObjectName] = []
            let what: String
            if label == "vacuum" {
                guard readVacuumFull(&t, context.source) else { continue }
                what = "VACUUM FULL"
                while let name = t.objectName() {
                    tables.append(name)
                    if t.isPunct(UInt8(ascii: "(")) { t.skipGroup() }
                    guard t.isPunct(UInt8(ascii: ",")) else { break }
                    t.advance()
                }
            } else {
                what = "CLUSTER"
                if t.isPunct(UInt8(ascii: "(")) { t.skipGroup() }
                _ = t.accept("verbose")
                if let first = t.objectName() {
                    // `CLUSTER index ON table` (before PostgreSQL 8.3's syntax) names the index first.
                    if t.accept("on"), let table = t.objectName() { tables = [table] } else { tables = [first] }
                }
            }
            if !tables.isEmpty {
                let reasons = tables.map { PGLock.newTableReason($0, context, before: index) }
                if reasons.allSatisfy({ $0 != nil }), let reason = reasons[0] {
                    violations.append(context.skipped(Self.id, at: statement.range, reason: reason))
                    continue
                }
            }
            let target = tables.isEmpty
                ? (label == "vacuum" ? "every table of the database" : "every table clustered before")
                : tables.map(\.description).joined(separator: ", ")
            violations.append(Violation(
                range: statement.range,
                message: "\(what) rewrites \(target) under an ACCESS EXCLUSIVE lock, blocking all reads and writes until it ends"))
        }
        return violations
    }

    /// Reads VACUUM's options (`FULL FREEZE VERBOSE ANALYZE` or `(FULL [boolean], ...)`) and
    /// says whether FULL is on.
    private func readVacuumFull(_ t: inout PGLockTokens, _ source: SourceText) -> Bool {
        var full = false
        if t.isPunct(UInt8(ascii: "(")) {
            var options = t
            options.advance()
            t.skipGroup()
            while options.position < t.position - 1 {
                if options.accept("full") {
                    let off = options.isWord("false") || options.isWord("off")
                        || (options.token()?.kind == .number && options.token().map { source.text(of: $0) } == "0")
                    if !off { full = true }
                } else {
                    options.advance()
                }
            }
            return full
        }
        while t.isWord("full") || t.isWord("freeze") || t.isWord("verbose") || t.isWord("analyze") || t.isWord("analyse") {
            if t.isWord("full") { full = true }
            t.advance()
        }
        return full
    }
}
