import Foundation
import StrataCore
import StrataRules
import StrataSyntax
import Testing

@Suite("Presets, versions and notes")
struct RuleOptionsTests {
    func parse(_ yaml: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(yaml, path: "/repo/strata.yml", knownRules: AllRules.ids)
    }

    func failure(_ yaml: String) -> ConfigurationError? {
        do { _ = try parse(yaml); return nil } catch { return error }
    }

    @Test func readsPresetAndVersions() throws {
        let config = try parse("preset: strict\npostgres:\n  version: 12\nsqlite:\n  version: 3.35.5\n")
        #expect(config.preset == .strict)
        #expect(config.versions.postgres == 12)
        #expect(config.versions.sqlite == SQLiteVersion(3, 35, 5))
        let defaults = try parse("")
        #expect(defaults.preset == .recommended)
        #expect(defaults.versions == DialectVersions(postgres: 15, sqlite: SQLiteVersion(3, 40)))
        #expect(try parse("postgres: {version: 16.2}\nsqlite: {version: \"3.40\"}").versions.postgres == 16)
    }

    @Test func badValuesAreLocatedErrors() {
        let cases: [(String, Int, String)] = [
            ("preset: loose\n", 1, "`preset` must be one of: recommended, strict, all"),
            ("postgres:\n  version: 8\n", 2, "`postgres.version` must be a PostgreSQL major version from 9 to 18, not '8'"),
            ("postgres:\n  version: fifteen\n", 2, "not 'fifteen'"),
            ("postgres: 15\n", 1, "`postgres` must be a mapping"),
            ("sqlite:\n  version: 4.1\n", 2, "`sqlite.version` must be an SQLite 3 release such as 3.40 or 3.35.5, not '4.1'"),
            ("sqlite:\n  release: 3.40\n", 2, "unknown key 'sqlite.release'; known keys: sqlite.version"),
        ]
        for (yaml, line, message) in cases {
            let error = failure(yaml)
            #expect(error?.line == line, "\(yaml)")
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error") for \(yaml)")
        }
    }

    @Test func sqliteVersionsCompareAsReleases() {
        #expect(SQLiteVersion("3.40") == SQLiteVersion(3, 40))
        #expect(SQLiteVersion(3, 9) < SQLiteVersion(3, 35))
        #expect(SQLiteVersion(3, 35) < SQLiteVersion(3, 35, 5))
        #expect(SQLiteVersion("3") == nil && SQLiteVersion("3.x") == nil && SQLiteVersion("3.-1") == nil)
        #expect(SQLiteVersion(3, 35, 5).description == "3.35.5" && SQLiteVersion(3, 40).description == "3.40")
    }

    @Test func presetsDecideSeverityUnlessRulesSay() {
        let warningRule = RuleDescription(id: "w", summary: "s", rationale: "r", defaultSeverity: .warning,
                                          triggeringExamples: [], nonTriggeringExamples: [])
        var optIn = warningRule
        optIn.optIn = true
        #expect(Preset.recommended.severity(of: warningRule) == .warning)
        #expect(Preset.recommended.severity(of: optIn) == nil)
        #expect(Preset.strict.severity(of: warningRule) == .error)
        #expect(Preset.strict.severity(of: optIn) == nil)
        #expect(Preset.all.severity(of: optIn) == .warning)

        var linter = Linter(rules: AllRules.instances(), settings: ["unindexed-column": .warning], dialect: .sqlite, layout: .strata)
        linter.preset = .strict
        #expect(linter.severity(of: UnindexedColumnRule.description) == .warning)
        #expect(linter.severity(of: MissingDownRule.description) == .error)
    }

    /// Notes are what a rule says when it stayed quiet on purpose: kept only when asked for,
    /// below warnings, and they never count as warnings or errors.
    @Test func notesAreKeptOnlyWhenVerbose() {
        let input = MigrationInput(id: "0001_a", path: "0001_a.sql", bytes: Array("SELECT 1;\n".utf8))
        var linter = Linter(rules: [NoteRule()], settings: [:], dialect: .sqlite, layout: .plain)
        #expect(linter.lint([input]).diagnostics.isEmpty)
        linter.verbose = true
        let result = linter.lint([input])
        #expect(result.diagnostics.map(\.severity) == [.note])
        #expect(result.errorCount == 0 && result.warningCount == 0)
        #expect(Severity.note < .warning && Severity.warning < .error && !(Severity.error < .note))
    }
}

/// A rule that always stays quiet with a note.
private struct NoteRule: Rule {
    static let description = RuleDescription(id: "note-rule", summary: "s", rationale: "r", defaultSeverity: .warning,
                                             triggeringExamples: [], nonTriggeringExamples: [])
    func check(_ context: RuleContext) -> [Violation] {
        guard let first = context.upStatements.first else { return [] }
        return [context.skipped("note-rule", at: first.range, reason: "t is created earlier in this file")]
    }
}

@Suite("Tables new on the branch")
struct NewOnBranchTests {
    func file(_ up: String) -> String {
        "-- @name: n\n-- @description: d\n-- @timestamp: 2024-01-01T00:00:00Z\n-- @rollbackSafe: false\n-- @performanceImpact: low\n-- @dependencies: []\n-- UP MIGRATION\n\(up)\n-- DOWN MIGRATION\nSELECT 1;\n"
    }

    /// Under `strata check`, a table made by a migration that production has not run yet holds
    /// no data: dropping it is no hazard, even though the drop removes it from the schema.
    @Test func droppingATableNewOnTheBranchIsANoteNotAWarning() {
        let inputs = [("0001_base.sql", "CREATE TABLE old_t (id INT);"), ("0002_new.sql", "CREATE TABLE new_t (id INT);"),
                      ("0003_drop.sql", "DROP TABLE new_t;\nDROP TABLE old_t;")]
            .map { MigrationInput(id: String($0.0.dropLast(4)), path: $0.0, bytes: Array(file($0.1).utf8)) }
        var linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .strata)
        var facts = HistoryFacts(baseName: "origin/main", mergeBase: "abc")
        facts.applied["0001_base"] = inputs[0].bytes
        linter.history = facts
        linter.verbose = true
        let drops = linter.lint(inputs).diagnostics.filter { $0.rule == "drop-table" }
        #expect(drops.map(\.severity) == [.note, .warning], "\(drops.map(\.message))")
        #expect(drops.first?.message.contains("new_t is created by 0002_new, which is new on this branch") == true, "\(drops.map(\.message))")
        linter.history = nil
        #expect(linter.lint(inputs).diagnostics.filter { $0.rule == "drop-table" }.map(\.severity) == [.warning, .warning])
    }
}

@Suite("Rules that read the schema earlier migrations left")
struct EarlierSchemaRuleTests {
    /// SQLite refuses to drop an indexed column; the index was made by an earlier migration.
    @Test func droppingAColumnIndexedByAnEarlierMigrationIsFound() {
        let head = "-- @name: n\n-- @description: d\n-- @timestamp: 2024-01-01T00:00:00Z\n-- @rollbackSafe: false\n-- @performanceImpact: low\n-- @dependencies: []\n-- UP MIGRATION\n"
        let inputs = [("0001_t.sql", "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT);\nCREATE INDEX t_b ON t (b);"),
                      ("0002_drop.sql", "ALTER TABLE t DROP COLUMN b;")]
            .map { MigrationInput(id: String($0.0.dropLast(4)), path: $0.0, bytes: Array((head + $0.1 + "\n-- DOWN MIGRATION\nSELECT 1;\n").utf8)) }
        let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .sqlite, layout: .strata)
        let found = linter.lint(inputs).diagnostics.filter { $0.rule == "sqlite-drop-column-restricted" }
        #expect(found.map(\.file) == ["0002_drop.sql"], "\(found.map(\.message))")
        #expect(linter.lint([inputs[1]]).diagnostics.filter { $0.rule == "sqlite-drop-column-restricted" }.isEmpty)
    }
}
