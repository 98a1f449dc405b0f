import StrataCore

public struct MissingDownRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "missing-down",
        summary: "The migration has no DOWN section, or its DOWN section holds no statement",
        rationale: """
            The DOWN section is what undoes a migration when a deploy goes wrong. Without one, a bad \
            deploy can only be fixed forward, under pressure. A migration that truly cannot be \
            undone should say so with `@rollbackSafe: false` and a DOWN that explains, or \
            suppress this rule with a reason.
            """,
        help: "write the statements that undo the UP section under `-- DOWN MIGRATION`",
        defaultSeverity: .error,
        requires: .downSections,
        triggeringExamples: [
            Example("""
                -- @name: Forward only
                ↓-- UP MIGRATION
                CREATE TABLE users (id INT PRIMARY KEY);
                """),
            Example(ExampleFile.migration("CREATE TABLE users (id INT PRIMARY KEY);", down: "-- nothing to do\n")
                .replacingOccurrences(of: "-- DOWN MIGRATION", with: "↓-- DOWN MIGRATION")),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE users (id INT PRIMARY KEY);", down: "DROP TABLE users;")),
            Example("CREATE TABLE users (id INT PRIMARY KEY);\n", layout: .plain),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let file = context.file
        guard let down = file.down else {
            return [Violation(at: file.anchor, message: "no DOWN MIGRATION section")]
        }
        if down.statements.isEmpty {
            return [Violation(range: down.marker?.range ?? .init(at: .start),
                              message: "the DOWN MIGRATION section holds no statement")]
        }
        return []
    }
}
