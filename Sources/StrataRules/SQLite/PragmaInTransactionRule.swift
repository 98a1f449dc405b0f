import StrataCore
import StrataSyntax

public struct PragmaInTransactionRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "sqlite-fk-pragma-in-tx",
        summary: "A PRAGMA that does nothing inside a transaction, in a migration the applier wraps in one",
        rationale: """
            Strata applies each migration inside a transaction unless it says `@transaction: \
            false`. SQLite silently ignores `PRAGMA foreign_keys` inside a transaction, and cannot \
            change `journal_mode` there: a migration that turns foreign keys off to rebuild a \
            table then runs with them on, and its DROP TABLE cascades into real data (rails \
            #55866). The pragma must run outside a transaction.
            """,
        help: "add `-- @transaction: false` to the header so the file runs statement by statement, and check `PRAGMA foreign_key_check` after the rebuild",
        defaultSeverity: .error,
        requires: .metadata,
        dialects: [.sqlite],
        triggeringExamples: [
            Example(ExampleFile.migration("↓PRAGMA foreign_keys = OFF;\nCREATE TABLE t2 (id INTEGER PRIMARY KEY);\n↓PRAGMA foreign_keys = ON;"),
                    dialects: [.sqlite]),
            Example(ExampleFile.migration("↓pragma JOURNAL_MODE = wal;"), dialects: [.sqlite]),
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
        guard context.file.runsInTransaction else { return [] }
        return context.upStatements.compactMap { statement in
            guard case .pragma(let pragma) = statement.kind, Self.ineffective.contains(pragma.name.lowercased()) else { return nil }
            return Violation(range: statement.range,
                             message: "PRAGMA \(pragma.name.lowercased()) does nothing inside the transaction Strata wraps this migration in")
        }
    }
}
