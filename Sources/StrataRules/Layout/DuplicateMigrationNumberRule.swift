import StrataCore
import StrataSyntax

public struct DuplicateMigrationNumberRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "duplicate-migration-number",
        summary: "Two migration files share a numeric prefix",
        rationale: """
            Numbers order migrations for people and for tools that sort by name. Two files with \
            the same number usually come from two branches that each took "the next number": \
            their relative order is then an accident of spelling, and databases migrated from \
            either branch may have run them in different orders.
            """,
        help: "renumber the newer file to the next free number (`strata new` picks it)",
        defaultSeverity: .error,
        requires: .numberedFiles,
        readsNonSQLFiles: true,
        triggeringExamples: [
            Example("↓" + ExampleFile.migration("SELECT 1;"), fileName: "0001_add_posts.sql",
                    earlier: [("0001_add_users.sql", ExampleFile.migration("SELECT 1;"))]),
            Example("↓" + ExampleFile.migration("SELECT 1;"), fileName: "0002_add_posts.sql",
                    earlier: [("0001_init.sql", ExampleFile.migration("SELECT 1;"))],
                    history: ExampleHistory(applied: [("0001_init.sql", ExampleFile.migration("SELECT 1;"))],
                                            baseTip: ["0002_add_tags.sql"])),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("SELECT 1;"), fileName: "0002_add_posts.sql",
                    earlier: [("0001_add_users.sql", ExampleFile.migration("SELECT 1;"))]),
            Example("SELECT 1;\n", fileName: "0001_b.sql", earlier: [("0001_a.sql", "SELECT 1;\n")], layout: .plain),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard let number = context.file.number else { return [] }
        let local = context.migrations.idsByNumber[number] ?? []
        if local.count > 1 {
            let others = local.filter { $0 != context.file.id }
            let list = others.isEmpty ? "another file with the same id" : others.map { "'\($0)'" }.joined(separator: ", ")
            return [Violation(at: .start, message: "migration number \(number) is also used by \(list)")]
        }
        // Across branches: a new file whose number another file already took on the base branch.
        guard let history = context.history, history.isNew(context.file.id) else { return [] }
        let taken = history.baseTip.filter { MigrationFile.versionPrefix(of: $0) == number && $0 != context.file.id && !local.contains($0) }
        guard let other = taken.sorted().first else { return [] }
        return [Violation(at: .start, message: "migration number \(number) is already used by '\(other)' on \(history.baseName)")]
    }
}
