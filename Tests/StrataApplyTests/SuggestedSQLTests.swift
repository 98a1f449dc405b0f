import Foundation
import StrataApply
import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// The SQL the rules' hints suggest runs on a real database: for every triggering example of
/// every rule whose finding carries a suggestion, a fresh database gets the schema the example
/// builds (its earlier files' UP statements, then its own up to where the suggestion goes),
/// then the suggested statements, which must succeed. SQLite runs in memory; PostgreSQL in a
/// database of the case's own (skipped without a server locally, failing under CI).
@Suite("Suggested SQL on real databases")
struct SuggestedSQLTests {
    /// One finding with a suggestion, from one triggering example in one dialect.
    struct Case: Sendable, CustomTestStringConvertible {
        let rule: String
        let example: Example
        let exampleIndex: Int
        let dialect: Dialect
        let diagnostic: Diagnostic
        let suggestion: SuggestedSQL

        var testDescription: String {
            "\(rule) #\(exampleIndex + 1) [\(dialect.rawValue)] \(diagnostic.line):\(diagnostic.column)"
        }

        static let all: [Case] = AllRules.descriptions.flatMap { rule in
            rule.triggeringExamples.enumerated().flatMap { index, example in
                example.dialects.flatMap { dialect in
                    SuggestedSQLTests.findings(rule, example, dialect).compactMap { diagnostic in
                        diagnostic.suggestion.map {
                            Case(rule: rule.id, example: example, exampleIndex: index, dialect: dialect, diagnostic: diagnostic, suggestion: $0)
                        }
                    }
                }
            }
        }

        static func of(_ dialect: Dialect) -> [Case] { all.filter { $0.dialect == dialect } }
    }

    /// The example's SQL without its `↓` markers.
    static func stripped(_ sql: String) -> String { sql.replacingOccurrences(of: "↓", with: "") }

    static func inputs(_ example: Example) -> [MigrationInput] {
        let layout = example.layout.layout
        return (example.earlier + [(example.fileName, stripped(example.sql))]).map { fileName, sql in
            MigrationInput(id: layout.id(forRelativePath: fileName), path: fileName, bytes: Array(sql.utf8))
        }
    }

    /// The findings of `rule` in the example's own file (the rule enabled even when opt-in).
    static func findings(_ rule: RuleDescription, _ example: Example, _ dialect: Dialect) -> [Diagnostic] {
        guard example.history == nil else { return [] }
        let settings: [String: RuleSetting] = rule.optIn ? [rule.id: .warning] : [:]
        var linter = Linter(rules: AllRules.instances(), settings: settings, dialect: dialect, layout: example.layout)
        linter.versions = example.versions
        return linter.lint(inputs(example)).diagnostics.filter { $0.file == example.fileName && $0.rule == rule.id }
    }

    /// The UP statements of one of the example's files, as SQL text.
    static func upStatements(_ input: MigrationInput, _ example: Example, _ dialect: Dialect) -> [(sql: String, range: Range<Int>)] {
        let file = example.layout.layout.parse(input, dialect: dialect, depth: .full)
        guard let source = file.source else { return [] }
        return (file.up?.statements ?? []).map { (source.text($0.range.byteRange), $0.range.byteRange) }
    }

    /// Builds the example's schema on `db`, then runs the suggestion where it goes.
    static func run(_ c: Case, on db: any Database) throws {
        let inputs = inputs(c.example)
        for input in inputs.dropLast() {
            for statement in upStatements(input, c.example, c.dialect) { try db.execute(statement.sql) }
        }
        let own = upStatements(inputs.last!, c.example, c.dialect)
        let offset = c.diagnostic.range.start.offset
        let reported = try #require(own.firstIndex { $0.range.lowerBound <= offset && offset <= $0.range.upperBound },
                                    "the finding is in no UP statement")
        let upTo: Int
        switch c.suggestion.placement {
        case .before, .instead: upTo = reported
        case .after: upTo = reported + 1
        case .atEnd: upTo = own.count
        }
        for statement in own.prefix(upTo) { try db.execute(statement.sql) }
        if c.suggestion.transactional {
            if let stopped = db.execute(units: c.suggestion.statements.map { SQLUnit($0) }) {
                Issue.record("suggested statement \(stopped.unit + 1) failed: \(c.suggestion.statements[stopped.unit]): \(stopped.error)")
            }
        } else {
            for statement in c.suggestion.statements {
                do { try db.execute(statement) } catch { Issue.record("suggested statement failed: \(statement): \(error)") }
            }
        }
    }

    @Test("SQLite: each suggestion runs on the schema its example builds", arguments: Case.of(.sqlite))
    func sqlite(_ c: Case) throws {
        let db = try DatabaseConnector.connect(DatabaseURL("sqlite::memory:"))
        try Self.run(c, on: db)
    }

    @Test("PostgreSQL: each suggestion runs on the schema its example builds",
          .enabled(if: TestPostgres.runs), arguments: Case.of(.postgresql))
    func postgres(_ c: Case) throws {
        let scratch = try ScratchDatabase(.postgres)
        try Self.run(c, on: try scratch.connect())
    }

    @Test("each suggestion is what its help says, statement by statement", arguments: Case.all)
    func helpShowsTheSuggestion(_ c: Case) {
        for statement in c.suggestion.statements {
            #expect(c.diagnostic.help?.contains(statement) == true, "\(c.diagnostic.help ?? "no help") lacks \(statement)")
        }
    }

    /// The rules that suggest SQL, each with at least one example whose suggestion names a
    /// quoted mixed-case identifier (Prisma's `"Post"`, `"authorId"`), so the database runs see them.
    @Test func everySuggestingRuleIsTriedWithQuotedMixedCaseNames() {
        let expected: Set<String> = [
            "unindexed-column", "create-index-non-concurrent", "drop-index-non-concurrent", "reindex-non-concurrent",
            "add-fk-validated", "add-check-validated", "add-unique-constraint", "add-primary-key", "set-not-null-scan",
            "missing-lock-timeout", "rename-table", "sqlite-rebuild-lost-objects",
        ]
        let suggesting = Set(Case.all.map(\.rule))
        #expect(suggesting == expected)
        let mixedCase = try! Regex(#""[^"]*[A-Z][^"]*""#)
        for rule in expected.subtracting(["missing-lock-timeout"]) {
            let quoted = Case.all.filter { $0.rule == rule }.contains { c in c.suggestion.statements.contains { $0.contains(mixedCase) } }
            #expect(quoted, "no example of \(rule) suggests SQL with a quoted mixed-case name")
        }
    }
}
