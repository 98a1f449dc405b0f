import StrataCore

public struct DeletedAppliedMigrationRule: HistoryRule {
    public init() {}

    static let applied = ExampleFile.migration("CREATE TABLE users (id INT PRIMARY KEY);", down: "DROP TABLE users;")

    public static let description = RuleDescription(
        id: "deleted-applied-migration",
        summary: "A migration that already ran was deleted",
        rationale: """
            Databases keep what a deleted migration did, while new databases no longer get it: \
            the schemas silently diverge, and the applier can no longer roll it back or verify its \
            checksum. A file cannot carry a suppression once it is gone; turn the rule off in \
            strata.yml if a deletion is intended.
            """,
        help: "restore the file; to undo what it did, write a new migration",
        defaultSeverity: .error,
        suppressible: false,
        bulkSuppressible: false,
        needsHistory: true,
        triggeringExamples: [
            Example(ExampleFile.migration("SELECT 1;"), fileName: "0002_other.sql",
                    history: ExampleHistory(applied: [("0001_users.sql", applied), ("0002_other.sql", ExampleFile.migration("SELECT 1;"))]),
                    expectedElsewhere: ["0001_users.sql"]),
            Example(ExampleFile.migration("SELECT 1;"), fileName: "0003_other.sql",
                    history: ExampleHistory(applied: [("0001_users.sql", applied), ("0002_orders.sql", ExampleFile.migration("SELECT 2;")),
                                                      ("0003_other.sql", ExampleFile.migration("SELECT 1;"))]),
                    expectedElsewhere: ["0001_users.sql", "0002_orders.sql"]),
            // Renamed and its SQL edited: a new migration, so the applied one is gone.
            Example(applied.replacingOccurrences(of: "id INT PRIMARY KEY", with: "id BIGINT PRIMARY KEY"), fileName: "0001_create_users.sql",
                    history: ExampleHistory(applied: [("0001_users.sql", applied)]), expectedElsewhere: ["0001_users.sql"]),
            // Two applied files of the same SQL and one new copy: one rename, one deletion.
            Example(applied, fileName: "0002_accounts.sql",
                    history: ExampleHistory(applied: [("0001_users.sql", applied), ("0002_users_again.sql", applied)]),
                    expectedElsewhere: ["0001_users.sql"]),
        ],
        nonTriggeringExamples: [
            Example(applied, fileName: "0001_users.sql", history: ExampleHistory(applied: [("0001_users.sql", applied)])),
            Example(applied, fileName: "0001_accounts.sql",
                    history: ExampleHistory(applied: [("0001_users.sql", applied)])),
        ])

    public func check(_ context: RuleContext) -> [Violation] { [] }

    public func checkHistory(_ history: HistoryFacts) -> [ElsewhereViolation] {
        history.deleted.sorted { $0.key < $1.key }.map { id, path in
            ElsewhereViolation(path: path, violation: Violation(
                at: .start, message: "applied migration '\(id)' was deleted; databases on \(history.baseName) already ran it"))
        }
    }
}
