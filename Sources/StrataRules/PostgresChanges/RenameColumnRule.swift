import StrataCore
import StrataSyntax

public struct RenameColumnRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "rename-column",
        summary: "ALTER TABLE ... RENAME COLUMN on a table running code already uses",
        rationale: """
            The new column name is visible the moment the migration commits, while the code \
            that runs against the database changes at another moment: until every instance is \
            redeployed, queries naming the old column fail (`column ... does not exist`), and \
            inserts through an ORM that lists every column fail too. PostgreSQL only updates the \
            catalog, so the statement is fast; the outage comes from the mismatch. Tables created \
            earlier in the same file or new on the branch, and columns added earlier in the same \
            file, are skipped.
            """,
        help: "expand and contract: add the new column, write both and backfill, switch reads to the new column, and drop the old one in a later migration (or expose the new name through a view)",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ↓RENAME COLUMN name TO full_name;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE orders ↓RENAME total TO total_cents, ↓RENAME COLUMN \"Status\" TO status;"),
                    earlier: [("0001_orders.sql", ExampleFile.migration("CREATE TABLE orders (id bigint PRIMARY KEY, total int, \"Status\" text);"))],
                    dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE profiles (id bigint PRIMARY KEY, nick text);
                ALTER TABLE profiles RENAME COLUMN nick TO nickname;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                ALTER TABLE users ADD COLUMN display text;
                ALTER TABLE users RENAME COLUMN display TO display_name;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users RENAME CONSTRAINT users_email_key TO users_email_unique;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN full_name text;\n-- ALTER TABLE users RENAME COLUMN name TO full_name; later"),
                    dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.renameColumn) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind else { continue }
            for (action, range) in alter.actions {
                guard case .renameColumn(let from, let to) = action else { continue }
                if let reason = PostgresChangeSupport.newReason(context, table: alter.name, column: from.name, before: index) {
                    violations.append(context.skipped(Self.description.id, at: range, reason: reason))
                } else if !PostgresChangeSupport.columnNameReestablished(context, table: alter.name, column: from.name, after: index) {
                    violations.append(Violation(range: range,
                                                message: "renaming column \(from) of \(alter.name) to \(to) breaks running code that still uses the old name"))
                }
            }
        }
        return violations
    }
}
