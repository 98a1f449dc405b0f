import StrataCore
import StrataSyntax

/// A fixed lint run, built by hand, that every reporter's golden test formats: three
/// diagnostics in two files (of three linted), already in report order.
enum Fixture {
    static func range(line: Int, column: Int, offset: Int) -> SourceRange {
        SourceRange(at: SourcePosition(offset: offset, line: line, column: column))
    }

    /// An error with help, a warning without help (with a note), and an error whose message
    /// holds quotes, a comma, a colon, a backslash, a newline, a percent sign and non-ASCII,
    /// in a file whose name has a space and non-ASCII.
    static let result = LintResult(
        diagnostics: [
            Diagnostic(
                rule: "ban-drop-column", severity: .error, file: "db/migrations/0001_init.sql",
                range: range(line: 3, column: 5, offset: 40),
                message: "Dropping a column breaks code that still reads it",
                help: "Stop reading the column first, then drop it in a later migration"),
            Diagnostic(
                rule: "require-lock-timeout", severity: .warning, file: "db/migrations/0001_init.sql",
                range: range(line: 7, column: 1, offset: 120),
                message: "ALTER TABLE without a lock timeout can queue behind long transactions",
                notes: ["lock_timeout is not set in this file"]),
            Diagnostic(
                rule: "invalid-metadata", severity: .error, file: "db/migrations/0002_add café.sql",
                range: range(line: 1, column: 4, offset: 3),
                message: "Unknown key \"reviewér\" in C:\\meta, 100% ignored\nkeys: author, ticket",
                help: "Use one of: author, ticket"),
        ],
        fileCount: 3)

    static let empty = LintResult(diagnostics: [], fileCount: 0)

    /// Every rule "known": one without findings first, so indexes are not just 0, 1, 2;
    /// `invalid-metadata` defaults to warning although its finding above is an error.
    static let rules: [RuleDescription] = [
        rule("add-index-concurrently", summary: "CREATE INDEX without CONCURRENTLY",
             rationale: "A plain CREATE INDEX blocks writes to the table until it finishes.",
             help: "Use CREATE INDEX CONCURRENTLY outside a transaction", severity: .error),
        rule("ban-drop-column", summary: "Dropping a column",
             rationale: "Code deployed before the migration still reads the column and fails once it is gone.",
             help: "Stop reading the column first, then drop it in a later migration", severity: .error),
        rule("invalid-metadata", summary: "Malformed metadata header",
             rationale: "A header Strata cannot read is ignored, so what it says is lost.",
             help: "Use one of the documented keys", severity: .warning),
        rule("require-lock-timeout", summary: "ALTER TABLE without lock_timeout",
             rationale: "Waiting for a lock blocks every query queued behind it.",
             help: nil, severity: .warning),
    ]

    static func rule(_ id: String, summary: String, rationale: String, help: String?,
                     severity: Severity) -> RuleDescription {
        RuleDescription(id: id, summary: summary, rationale: rationale, help: help,
                        defaultSeverity: severity, triggeringExamples: [], nonTriggeringExamples: [])
    }

    static func diagnostic(_ severity: Severity, file: String = "a.sql", rule: String = "some-rule",
                           message: String = "Something", help: String? = nil,
                           notes: [String] = []) -> Diagnostic {
        Diagnostic(rule: rule, severity: severity, file: file, range: range(line: 2, column: 3, offset: 9),
                   message: message, help: help, notes: notes)
    }
}
