import StrataCore
import StrataSyntax

public struct MissingDownRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "missing-down",
        summary: "The migration has no DOWN section, or its DOWN section holds no statement",
        rationale: """
            The DOWN section is what undoes a migration when a deploy goes wrong. Without one, a bad \
            deploy can only be fixed forward, under pressure. A migration that truly cannot be \
            undone should say so with `@rollbackSafe: false` and a DOWN that explains, or \
            suppress this rule with a reason. Where the layout's tool makes DOWN optional (goose, \
            golang-migrate, Flyway, whose undo files are a paid feature) the finding is a warning; \
            `missing-down: error` under `rules:` in strata.yml makes it an error there too. It is \
            an error in Strata's own layout, and in dbmate's and diesel's.
            """,
        help: "write the statements that undo the UP section under `-- DOWN MIGRATION`",
        defaultSeverity: .error,
        defaultSeverityWhereDownIsOptional: .warning,
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
            Example("-- migrate:up\nCREATE TABLE users (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n", layout: .dbmate),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let file = context.file
        // sqlx's `<version>_<name>.sql` is its irreversible kind: no DOWN by design.
        if file.isForwardOnlySqlxFile { return [] }
        guard let down = file.down else {
            if file.layout == .strata { return [Violation(at: file.anchor, message: "no DOWN MIGRATION section")] }
            // The severity is the layout's default (a warning where the tool makes DOWN
            // optional, `LayoutKind.downIsOptional`) unless strata.yml sets one.
            return [Violation(at: file.anchor, message: "no DOWN SQL: expected \(file.expectedDownPlace)",
                              help: file.layout.keepsDownApart ? "write the statements that undo this migration in \(file.expectedDownPlace)"
                                  : "write the statements that undo the UP section under `\(file.layout.downMarker)`")]
        }
        if down.statements.isEmpty {
            // No marker of its own (Liquibase's `--rollback empty`): the migration's own place.
            let start = down.marker?.range ?? file.downFile.map { SourceRange(at: file.source?.position(at: $0.offset) ?? .start) } ?? .init(at: file.anchor)
            if file.layout == .strata { return [Violation(range: start, message: "the DOWN MIGRATION section holds no statement")] }
            return [Violation(range: start, message: "the DOWN SQL holds no statement",
                              help: "write the statements that undo the UP SQL there")]
        }
        return []
    }
}
