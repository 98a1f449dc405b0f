import StrataCore
import StrataSyntax

public struct ValidateSameTransactionRule: Rule {
    public init() {}

    static let id = "validate-same-tx"

    public static let description = RuleDescription(
        id: id,
        summary: "VALIDATE CONSTRAINT in the same transaction as the ADD ... NOT VALID it validates",
        rationale: """
            Adding a constraint NOT VALID and validating it later exists to split one long lock \
            into two short ones: ADD ... NOT VALID holds its lock (ACCESS EXCLUSIVE for a CHECK, \
            SHARE ROW EXCLUSIVE for a foreign key) only for a moment, and VALIDATE scans under \
            SHARE UPDATE EXCLUSIVE, which lets reads and writes go on. In one transaction, though, \
            the ADD's lock is held until COMMIT, so the scan of VALIDATE runs under it and the \
            table is blocked just as with a plain ADD. Strata wraps a file in one transaction \
            unless its header says `@transaction: false` or it holds a statement PostgreSQL \
            refuses in one (CREATE INDEX CONCURRENTLY, ...); a COMMIT between the two statements \
            also separates them, and an explicit BEGIN joins them again. A table created earlier in the same file, or new on the branch, \
            is exempt.
            """,
        help: "move the VALIDATE CONSTRAINT to a later migration (or run this one outside a transaction: `-- @transaction: false`, or the folder's tool's own way)",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("""
                ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
                ALTER TABLE orders ↓VALIDATE CONSTRAINT orders_customer_fk;
                """), dialects: [.postgresql]),
            Example("""
                alter table users add constraint users_email_nn check (email is not null) not valid;
                alter table users ↓validate constraint users_email_nn;
                """, layout: .plain, dialects: [.postgresql]),
            Example(PGLockExample.noTransaction("""
                BEGIN;
                ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;
                ALTER TABLE orders ↓VALIDATE CONSTRAINT orders_total_check;
                COMMIT;
                """), dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(PGLockExample.noTransaction("""
                ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
                ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;"),
                    earlier: PGLockExample.base("""
                        CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT);
                        ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES orders (id) NOT VALID;
                        """),
                    dialects: [.postgresql]),
            Example("""
                ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;
                COMMIT;
                ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;
                """, layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE ledgers (id BIGINT PRIMARY KEY, balance INT);
                ALTER TABLE ledgers ADD CONSTRAINT ledgers_balance_check CHECK (balance >= 0) NOT VALID;
                ALTER TABLE ledgers VALIDATE CONSTRAINT ledgers_balance_check;
                """), dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.validateConstraint) else { return [] }
        // A file the applier runs outside a transaction still has its explicit BEGIN blocks.
        let wrapped = context.file.nonTransactionalReason == nil
        var inBlock = false
        // "table.constraint" of the NOT VALID constraints added since the last COMMIT.
        var added = Set<String>()
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            switch statement.kind {
            case .transaction(.begin):
                inBlock = true
            case .transaction(.commit), .transaction(.rollback):
                inBlock = false
                added.removeAll()
            case .alterTable(let alter):
                for (action, range) in alter.actions {
                    switch action {
                    case .addConstraint(let constraint):
                        if wrapped || inBlock, constraint.notValid, let name = constraint.name { added.insert("\(alter.name.key).\(name)") }
                    case .validateConstraint(let name):
                        guard added.contains("\(alter.name.key).\(name)") else { continue }
                        if let note = PGLock.skip(Self.id, context, table: alter.name, statement: index, at: range) {
                            violations.append(note)
                            continue
                        }
                        let destination = inBlock ? "out of the BEGIN/COMMIT block that adds it, into a later migration"
                            : "to a later migration (or run this one outside a transaction: \(Hints.outsideTransaction(context)))"
                        violations.append(Violation(
                            range: range,
                            message: "VALIDATE CONSTRAINT \(name) runs in the transaction that added it NOT VALID, so the scan of \(alter.name) happens under the ADD's lock",
                            help: "move `ALTER TABLE \(alter.name.sql(.postgresql)) VALIDATE CONSTRAINT \(SQLIdentifier.quoted(name, for: .postgresql));` \(destination)"))
                    default:
                        break
                    }
                }
            default:
                break
            }
        }
        return violations
    }
}
