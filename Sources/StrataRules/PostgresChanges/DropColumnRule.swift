import StrataCore
import StrataSyntax

public struct DropColumnRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "drop-column",
        summary: "ALTER TABLE ... DROP COLUMN on a table running code already uses",
        rationale: """
            The column's values are gone once the migration commits, and code deployed before \
            it still names the column: its SELECTs and INSERTs fail with `column ... does not \
            exist` until every instance runs the new version (ORMs that list all columns fail on \
            every query of the table). PostgreSQL only marks the column dropped, so the statement \
            is fast, but the data cannot be brought back by a DOWN section. Tables created \
            earlier in the same file or new on the branch, and columns added earlier in the same \
            file, are skipped.
            """,
        help: "first ship code that no longer reads or writes the column (ignore it in the ORM), then drop it in a later migration",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ↓DROP COLUMN nickname;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE ONLY public.orders ↓DROP IF EXISTS coupon, ↓DROP COLUMN notes CASCADE;"),
                    earlier: [("0001_orders.sql", ExampleFile.migration("CREATE TABLE orders (id bigint PRIMARY KEY, coupon text, notes text);"))],
                    dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE invoices (id bigint PRIMARY KEY, draft_note text);
                ALTER TABLE invoices DROP COLUMN draft_note;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                ALTER TABLE users ADD COLUMN tmp_flag boolean;
                UPDATE users SET tmp_flag = true WHERE deleted_at IS NULL;
                ALTER TABLE users DROP COLUMN tmp_flag;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users DROP CONSTRAINT users_email_key;\nALTER TABLE users ALTER COLUMN bio DROP DEFAULT;"),
                    dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.dropColumn) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind else { continue }
            for (action, range) in alter.actions {
                guard case .dropColumn(let column, _, _) = action else { continue }
                if let reason = PostgresChangeSupport.newReason(context, table: alter.name, column: column.name, before: index) {
                    violations.append(context.skipped(Self.description.id, at: range, reason: reason))
                } else if !PostgresChangeSupport.columnNameReestablished(context, table: alter.name, column: column.name, after: index) {
                    violations.append(Violation(range: range,
                                                message: "dropping column \(column) of \(alter.name) deletes its data and breaks running code that still uses it"))
                }
            }
        }
        return violations
    }
}
