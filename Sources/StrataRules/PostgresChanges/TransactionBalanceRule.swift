import StrataCore
import StrataSyntax

public struct TransactionBalanceRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "transaction-balance",
        summary: "BEGIN, COMMIT or ROLLBACK that fights the transaction the applier wraps the migration in",
        rationale: """
            Strata runs each migration inside one transaction, with its tracking row, unless the \
            file says `@transaction: false` or holds a statement PostgreSQL refuses in a \
            transaction block (CREATE INDEX CONCURRENTLY and the like). Inside that transaction a \
            BEGIN only draws the warning `there is already a transaction in progress`, and the \
            COMMIT or ROLLBACK meant for it ends the applier's transaction instead: the \
            statements after it run in autocommit, a failure there leaves the migration half \
            applied, and the tracking row no longer commits with the schema change. In a file \
            that runs outside a transaction, a BEGIN left open keeps its locks until the \
            connection ends, and a COMMIT or ROLLBACK without a BEGIN is a leftover. SAVEPOINT, \
            RELEASE and ROLLBACK TO SAVEPOINT are fine.
            """,
        help: "delete the BEGIN/COMMIT lines and let the applier's transaction cover the file; if a statement must run outside a transaction, mark the file `-- @transaction: false` (or the folder's tool's own way) and keep any BEGIN/COMMIT pairs balanced",
        defaultSeverity: .error,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("↓BEGIN;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TYPE mood ADD VALUE 'ecstatic';\n↓COMMIT;\nUPDATE people SET mood = 'ecstatic' WHERE id = 1;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("↓START TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nUPDATE users SET plan = 'free';")
                        .replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: false\n-- UP MIGRATION"),
                    dialects: [.postgresql]),
            Example("CREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n↓ROLLBACK;\n", layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                SAVEPOINT before_backfill;
                UPDATE users SET plan = 'free' WHERE plan IS NULL;
                ROLLBACK TO SAVEPOINT before_backfill;
                RELEASE SAVEPOINT before_backfill;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
                BEGIN;
                UPDATE users SET plan = 'free' WHERE plan IS NULL;
                COMMIT;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE FUNCTION touch() RETURNS trigger AS $$
                BEGIN
                  NEW.updated_at = now();
                  RETURN NEW;
                END;
                $$ LANGUAGE plpgsql;
                DO $$ BEGIN PERFORM touch_all(); END $$;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN bio text;\n-- BEGIN; and COMMIT; are added by the applier"),
                    dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.transaction) else { return [] }
        let source = context.source
        let wrapped = PostgresChangeSupport.runsInTransaction(context)
        var violations: [Violation] = []
        var open: Statement?   // a BEGIN of the file's own, not yet ended
        for statement in context.upStatements {
            guard case .transaction(let control) = statement.kind else { continue }
            let words = PostgresChangeSupport.significant(statement, in: source)
            switch control {
            case .begin:
                if wrapped {
                    violations.append(Violation(range: statement.range,
                                                message: "BEGIN inside the transaction Strata wraps this migration in; the COMMIT or ROLLBACK meant for it ends the applier's transaction early"))
                } else if open != nil {
                    violations.append(Violation(range: statement.range, message: "BEGIN while the file's own transaction is still open"))
                }
                if open == nil { open = statement }
            case .commit, .rollback:
                // Two-phase `COMMIT PREPARED` / `ROLLBACK PREPARED` end no session transaction;
                // `ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name` keeps it open.
                let rest = words.dropFirst().filter { !PostgresChangeSupport.isWord(source, $0, "work") && !PostgresChangeSupport.isWord(source, $0, "transaction") }
                if PostgresChangeSupport.isWord(source, rest.first, "prepared") || PostgresChangeSupport.isWord(source, rest.first, "to") {
                    continue
                }
                let verb = source.text(of: source.tokens[words[0]]).uppercased()
                if open != nil {
                    open = nil   // ends the file's own BEGIN (reported above when wrapped)
                } else if wrapped {
                    violations.append(Violation(range: statement.range,
                                                message: "\(verb) without a BEGIN ends the transaction Strata wraps this migration in; the statements after it run outside it"))
                } else {
                    violations.append(Violation(range: statement.range, message: "\(verb) without a matching BEGIN"))
                }
            case .savepoint, .release:
                break
            }
        }
        if let open, !wrapped {
            violations.append(Violation(range: open.range, message: "BEGIN without a COMMIT or ROLLBACK leaves a transaction open when the migration ends"))
        }
        guard !violations.isEmpty else { return [] }
        let help = "delete the BEGIN/COMMIT lines and let the applier's transaction cover the file; if a statement must run outside a transaction (\(Hints.outsideTransaction(context))), keep any BEGIN/COMMIT pairs balanced"
        return violations.map { violation in
            var violation = violation
            violation.help = help
            return violation
        }
    }
}
