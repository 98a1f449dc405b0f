import StrataCore

public struct RenamedAppliedMigrationRule: Rule {
    public init() {}

    static let applied = ExampleFile.migration("CREATE TABLE users (id INT PRIMARY KEY);", down: "DROP TABLE users;")

    public static let description = RuleDescription(
        id: "renamed-applied-migration",
        summary: "A migration that already ran was renamed",
        rationale: """
            Databases record applied migrations by id, which is the file name. A renamed file is \
            a new, unapplied migration to every database that ran the old one: the applier would \
            run it again, and its old id would look deleted. A file counts as renamed when its SQL \
            is the applied one's (comments, metadata comments included, and whitespace aside); \
            renamed and edited, it is a new migration, and the applied one was deleted.
            """,
        help: "restore the old file name; to change how the migration is described, edit @name in a new migration",
        defaultSeverity: .error,
        bulkSuppressible: false,
        needsHistory: true,
        readsNonSQLFiles: true,
        triggeringExamples: [
            Example("↓" + applied, fileName: "0001_accounts.sql",
                    history: ExampleHistory(applied: [("0001_users.sql", applied)])),
            // Renamed and described anew: comments aside, the SQL is the applied one.
            Example("↓" + applied.replacingOccurrences(of: "-- @name: Example", with: "-- @name: Create the users"), fileName: "0001_create_users.sql",
                    history: ExampleHistory(applied: [("0001_users.sql", applied)])),
        ],
        nonTriggeringExamples: [
            Example(applied, fileName: "0001_users.sql", history: ExampleHistory(applied: [("0001_users.sql", applied)])),
            // A new file beside the applied one, not a rename of it.
            Example(ExampleFile.migration("CREATE TABLE accounts (id INT PRIMARY KEY);", down: "DROP TABLE accounts;"), fileName: "0002_accounts.sql",
                    history: ExampleHistory(applied: [("0001_users.sql", applied)])),
            // Renamed and its SQL edited: a new migration (the applied one is deleted), however
            // alike the two files are.
            Example(applied.replacingOccurrences(of: "id INT PRIMARY KEY", with: "id BIGINT PRIMARY KEY"), fileName: "0001_create_users.sql",
                    history: ExampleHistory(applied: [("0001_users.sql", applied)])),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard let history = context.history, let old = history.renamedFrom[context.file.id] else { return [] }
        // Only Strata's header has a name to edit; other tools know a migration by its file name alone.
        return [Violation(at: .start, message: "applied migration '\(old)' was renamed to '\(context.file.id)'; databases that ran it know it as '\(old)'",
                          help: context.file.layout == .strata ? nil : "restore the old file name")]
    }
}
