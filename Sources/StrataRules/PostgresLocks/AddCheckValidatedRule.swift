import StrataCore
import StrataSyntax

public struct AddCheckValidatedRule: Rule {
    public init() {}

    static let id = "add-check-validated"

    public static let description = RuleDescription(
        id: id,
        summary: "A CHECK constraint added to a table that may hold data, checked at once (no NOT VALID)",
        rationale: """
            ALTER TABLE ... ADD CHECK without NOT VALID takes an ACCESS EXCLUSIVE lock and then \
            reads every row to prove the condition, so no query can read or write the table for \
            the whole scan. With NOT VALID the constraint is recorded at once and enforced for \
            new and updated rows; a later VALIDATE CONSTRAINT checks the old rows under SHARE \
            UPDATE EXCLUSIVE, which lets reads and writes go on. A table created earlier in the \
            same file, or new on the branch, is exempt. A CHECK written in an ADD COLUMN is not \
            reported.
            """,
        help: "add the constraint with `NOT VALID`, then `ALTER TABLE ... VALIDATE CONSTRAINT name` in a later migration",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .lock(.accessExclusive),
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE orders ↓ADD CONSTRAINT orders_total_positive CHECK (total >= 0);"),
                    earlier: PGLockExample.base("CREATE TABLE orders (id BIGINT PRIMARY KEY, total NUMERIC);"),
                    dialects: [.postgresql]),
            Example("alter table users ↓add check (char_length(name) <= 200);\n",
                    earlier: [("0001_users.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT);\n")], layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE \"Post\" ↓ADD CONSTRAINT \"Post_title_check\" CHECK (char_length(\"title\") > 0);\n",
                    earlier: [("0001_init.sql", "CREATE TABLE \"Post\" (\"id\" SERIAL PRIMARY KEY, \"title\" TEXT NOT NULL);\n")],
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example("ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nALTER TABLE orders ADD COLUMN qty INT CHECK (qty > 0);\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE quotas (id BIGINT PRIMARY KEY, amount INT);
                ALTER TABLE quotas ADD CONSTRAINT quotas_amount_check CHECK (amount > 0);
                """), dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        PGLock.checkActions(Self.id, context) { found in
            guard case .addConstraint(let constraint) = found.action, case .check = constraint.kind,
                  !constraint.notValid else { return nil }
            let name = constraint.name.map { " \($0)" } ?? ""
            let fix = PGLock.addedNotValid(found, constraint, context, defaultName: [found.table.name], suffix: "check")
            return Violation(range: found.range,
                             message: "CHECK constraint\(name) on \(found.table) is checked against every row under an ACCESS EXCLUSIVE lock, blocking the table's reads and writes",
                             help: fix.map(PGLock.notValidHelp), suggestion: fix)
        }
    }
}
