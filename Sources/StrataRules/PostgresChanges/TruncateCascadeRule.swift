import StrataCore
import StrataSyntax

public struct TruncateCascadeRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "truncate-cascade",
        summary: "TRUNCATE ... CASCADE empties every table that references the truncated ones",
        rationale: """
            With CASCADE, PostgreSQL also truncates every table that has a foreign key to a \
            truncated table, and the tables referencing those, recursively; the statement names \
            one table and can empty half the database, under an ACCESS EXCLUSIVE lock on each. \
            Which tables it reaches depends on foreign keys that later migrations may add, so \
            the same file becomes more destructive over time. A TRUNCATE of tables all created \
            earlier in the same file is skipped.
            """,
        help: "truncate the tables you mean by name, children first, without CASCADE (PostgreSQL then refuses if another table still references them), or delete the rows you mean with DELETE ... WHERE",
        defaultSeverity: .error,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("↓TRUNCATE users CASCADE;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("↓TRUNCATE TABLE ONLY sessions, tokens RESTART IDENTITY CASCADE;"), dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("TRUNCATE sessions;\nTRUNCATE TABLE tokens RESTRICT;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE import_rows (id bigint PRIMARY KEY);
                TRUNCATE import_rows CASCADE;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE;"),
                    dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.truncate) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .truncate(let truncate) = statement.kind, truncate.cascade else { continue }
            let reasons = truncate.tables.map { PostgresChangeSupport.newTableReason(context, $0, before: index) }
            if !reasons.isEmpty, reasons.allSatisfy({ $0 != nil }) {
                violations.append(context.skipped(Self.description.id, at: statement.range,
                                                  reason: reasons.compactMap { $0 }.joined(separator: "; ")))
                continue
            }
            let list = truncate.tables.map(\.description).joined(separator: ", ")
            violations.append(Violation(range: statement.range,
                                        message: "TRUNCATE \(list) CASCADE also empties every table that references \(truncate.tables.count > 1 ? "them" : "it")"))
        }
        return violations
    }
}
