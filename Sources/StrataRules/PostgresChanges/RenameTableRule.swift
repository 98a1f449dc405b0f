import StrataCore
import StrataSyntax

public struct RenameTableRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "rename-table",
        summary: "ALTER TABLE ... RENAME TO on a table running code already uses",
        rationale: """
            A rename takes effect the moment the migration commits, but the application is \
            deployed before or after it, never at the same instant: between the two steps the \
            running version queries a name that no longer exists (`relation ... does not exist`), \
            and a rollback of the code has the same problem in reverse. The rename itself is \
            quick (an ACCESS EXCLUSIVE lock held briefly), so the harm is the broken queries, not \
            the lock. Tables created earlier in the same file or new on the branch are skipped, \
            and so is a swap whose old name is taken again later in the file (a new table or a \
            view with that name).
            """,
        help: "expand and contract: rename, then `CREATE VIEW old_name AS SELECT * FROM new_name` in the same migration so both names work, and drop the view once no deployed code uses the old name (or copy into a new table and backfill)",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE users ↓RENAME TO accounts;"),
                    earlier: [("0001_users.sql", ExampleFile.migration("CREATE TABLE users (id bigint PRIMARY KEY);"))],
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE IF EXISTS billing.invoices ↓RENAME TO bills;"),
                    earlier: [("0001_invoices.sql", ExampleFile.migration("CREATE SCHEMA billing;\nCREATE TABLE billing.invoices (id bigint PRIMARY KEY);"))],
                    dialects: [.postgresql]),
            Example("ALTER TABLE \"Orders\" ↓RENAME TO orders;\n",
                    earlier: [("0001_orders.sql", "CREATE TABLE \"Orders\" (\"id\" SERIAL PRIMARY KEY);\n")],
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE TABLE accounts_draft (id bigint PRIMARY KEY);
                ALTER TABLE accounts_draft RENAME TO accounts;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                ALTER TABLE users RENAME TO accounts;
                CREATE VIEW users AS SELECT * FROM accounts;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE users_new (id bigint PRIMARY KEY, email text NOT NULL);
                INSERT INTO users_new SELECT id, email FROM users;
                ALTER TABLE users RENAME TO users_old;
                ALTER TABLE users_new RENAME TO users;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER INDEX idx_users_email RENAME TO idx_accounts_email;\nALTER TABLE users RENAME COLUMN name TO full_name;"),
                    dialects: [.postgresql]),
            Example("ALTER TABLE staging RENAME TO imports;\n",
                    earlier: [("0001_staging.sql", "CREATE TABLE staging (id bigint);\n")],
                    layout: .plain, dialects: [.postgresql], history: ExampleHistory()),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.renameTable) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind else { continue }
            for (action, range) in alter.actions {
                guard case .renameTable(let to) = action else { continue }
                if let reason = PostgresChangeSupport.newTableReason(context, alter.name, renamedTo: to, before: index) {
                    violations.append(context.skipped(Self.description.id, at: range, reason: reason))
                } else if !PostgresChangeSupport.nameReestablished(context, key: alter.name.key, after: index) {
                    // The new name is in the old one's schema: RENAME TO takes no schema.
                    let view = SuggestedSQL(["CREATE VIEW \(alter.name.sql(.postgresql)) AS SELECT * FROM \(Hints.sibling(to.name, of: alter.name).sql(.postgresql))"],
                                            placement: .after)
                    violations.append(Violation(range: range,
                                                message: "renaming table \(alter.name) to \(to) breaks running code that still uses the old name",
                                                help: "expand and contract: right after the rename, `\(view.text)` keeps the old name working (a simple view takes INSERT, UPDATE and DELETE too); drop the view once no deployed code uses the old name",
                                                suggestion: view))
                }
            }
        }
        return violations
    }
}
