import StrataCore
import StrataSyntax

public struct SQLiteForeignKeyPragmaInTransactionRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "sqlite-fk-pragma-in-tx",
        summary: "A PRAGMA that does nothing inside a transaction, in a migration the applier wraps in one",
        rationale: """
            Strata applies each migration inside a transaction unless its header says \
            `@transaction: false` (a file without the header, in the plain layout, is wrapped \
            too), and an explicit BEGIN opens one in any file. SQLite silently ignores `PRAGMA foreign_keys` inside a transaction, and cannot \
            change `journal_mode` there: a migration that turns foreign keys off to rebuild a \
            table then runs with them on, and its DROP TABLE cascades into real data (rails \
            #55866). The pragma must run outside a transaction.
            """,
        help: "run the file outside a transaction (`-- @transaction: false` in the header, or the folder's tool's own way) so that it runs statement by statement, and check `PRAGMA foreign_key_check` after the rebuild",
        defaultSeverity: .error,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration("↓PRAGMA foreign_keys = OFF;\nCREATE TABLE t2 (id INTEGER PRIMARY KEY);\n↓PRAGMA foreign_keys = ON;"),
                    dialects: [.sqlite]),
            Example(ExampleFile.migration("↓pragma JOURNAL_MODE = wal;"), dialects: [.sqlite]),
            Example("↓PRAGMA foreign_keys = OFF;\nDROP TABLE old_users;\n", layout: .plain, dialects: [.sqlite]),
            Example(PGLockExample.noTransaction("BEGIN;\n↓PRAGMA foreign_keys = OFF;\nCOMMIT;"), dialects: [.sqlite]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("PRAGMA foreign_keys = OFF;\nCREATE TABLE t2 (id INTEGER PRIMARY KEY);\nPRAGMA foreign_keys = ON;")
                        .replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: false\n-- UP MIGRATION"),
                    dialects: [.sqlite]),
            Example(ExampleFile.migration("PRAGMA defer_foreign_keys = ON;\nPRAGMA user_version = 3;"), dialects: [.sqlite]),
            Example(ExampleFile.migration("SELECT 'PRAGMA foreign_keys = OFF';"), dialects: [.sqlite]),
        ])

    /// Pragmas SQLite ignores or refuses inside a transaction.
    static let ineffective: Set<String> = ["foreign_keys", "journal_mode"]

    public func check(_ context: RuleContext) -> [Violation] {
        let wrapped = context.file.nonTransactionalReason == nil
        // In the file's tool's own terms (a plain file has no way to say it).
        let help = "run the file outside a transaction (\(Hints.outsideTransaction(context))) so that it runs statement by statement, and check `PRAGMA foreign_key_check` after the rebuild"
        var inBlock = false
        var violations: [Violation] = []
        for statement in context.upStatements {
            switch statement.kind {
            case .transaction(.begin):
                inBlock = true
            case .transaction(.commit), .transaction(.rollback):
                inBlock = false
            case .pragma(let pragma) where (wrapped || inBlock) && Self.ineffective.contains(pragma.name.lowercased()):
                let block = inBlock ? "between BEGIN and COMMIT" : "inside the transaction Strata wraps this migration in"
                violations.append(Violation(range: statement.range,
                                            message: "PRAGMA \(pragma.name.lowercased()) does nothing \(block)",
                                            help: inBlock && !wrapped ? "move the PRAGMA before the BEGIN, where it takes effect, and check `PRAGMA foreign_key_check` before the COMMIT" : help))
            default:
                break
            }
        }
        return violations
    }
}
