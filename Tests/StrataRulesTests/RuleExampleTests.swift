import Foundation
import StrataCore
import StrataRules
import StrataSyntax
import Testing

/// One example of one rule in one dialect: the unit the parameterised tests run.
struct ExampleCase: Sendable, CustomTestStringConvertible {
    let rule: RuleDescription
    let example: Example
    let dialect: Dialect
    let triggering: Bool
    let index: Int

    var testDescription: String {
        "\(rule.id) \(triggering ? "triggering" : "non-triggering") #\(index + 1) [\(dialect.rawValue)]"
    }

    static func all(triggering: Bool) -> [ExampleCase] {
        AllRules.descriptions.flatMap { rule in
            (triggering ? rule.triggeringExamples : rule.nonTriggeringExamples).enumerated().flatMap { index, example in
                example.dialects.map { ExampleCase(rule: rule, example: example, dialect: $0, triggering: triggering, index: index) }
            }
        }
    }
}

/// Removes the `↓` markers and returns the SQL with the positions they marked.
func stripMarkers(_ sql: String, dialect: Dialect) -> (sql: String, positions: [SourcePosition]) {
    var clean = ""
    var offsets: [Int] = []
    for character in sql {
        if character == "↓" { offsets.append(clean.utf8.count) } else { clean.append(character) }
    }
    let source = SourceText(clean, dialect: dialect)
    return (clean, offsets.map { source.position(at: $0) })
}

/// Lints an example's files with the default configuration (plus the rule under test if it is
/// opt-in) and returns the findings of `rule` in the example's own file.
func findings(of rule: RuleDescription, sql: String, example: Example, dialect: Dialect) -> [Diagnostic] {
    let layout = example.layout.layout
    // An `atlas.sum` among the earlier files is the folder's integrity file, not a migration.
    let sum = example.earlier.first { $0.fileName == AtlasSum.fileName }
    var inputs = example.earlier.filter { $0.fileName != AtlasSum.fileName }
        .map { MigrationInput(id: layout.id(forRelativePath: $0.fileName), path: $0.fileName, bytes: Array($0.sql.utf8)) }
    inputs.append(MigrationInput(id: layout.id(forRelativePath: example.fileName), path: example.fileName, bytes: Array(sql.utf8)))
    if example.layout == .atlas {
        let problems = AtlasSum.problems(files: inputs.map { ($0.path, $0.bytes) }, sum: sum.map { Array($0.sql.utf8) })
        for index in inputs.indices { inputs[index].integrityProblems = problems[inputs[index].path] ?? [] }
    }
    let settings: [String: RuleSetting] = rule.optIn ? [rule.id: rule.defaultSeverity == .error ? .error : .warning] : [:]
    var linter = Linter(rules: AllRules.instances(), settings: settings, dialect: dialect, layout: example.layout)
    linter.history = example.history.map { historyFacts($0, current: inputs, layout: layout, dialect: dialect) }
    linter.versions = example.versions
    let files = Set([example.fileName] + example.expectedElsewhere)
    return linter.lint(inputs).diagnostics.filter { files.contains($0.file) && $0.rule == rule.id }
}

/// The facts `StrataGit` would find for an example's history: renames paired as it pairs them.
func historyFacts(_ history: ExampleHistory, current: [MigrationInput], layout: any MigrationLayout,
                  dialect: Dialect) -> HistoryFacts {
    let id = { layout.id(forRelativePath: $0) }
    var facts = HistoryFacts(baseName: "origin/main", mergeBase: "abc1234")
    for (fileName, sql) in history.applied { facts.applied[id(fileName)] = Array(sql.utf8) }
    facts.baseTip = Set(history.applied.map { id($0.fileName) } + history.baseTip.map(id))
    let present = Set(current.map(\.id))
    let gone = history.applied.filter { !present.contains(id($0.fileName)) }
        .map { MigrationInput(id: id($0.fileName), path: $0.fileName, bytes: Array($0.sql.utf8)) }
    facts.renamedFrom = MigrationRenames.pair(gone: gone, added: current.filter { facts.applied[$0.id] == nil },
                                              layout: layout, dialect: dialect)
    let renamedAway = Set(facts.renamedFrom.values)
    for (fileName, _) in history.applied where !present.contains(id(fileName)) && !renamedAway.contains(id(fileName)) {
        facts.deleted[id(fileName)] = fileName
    }
    return facts
}

func location(_ example: Example) -> SourceLocation {
    SourceLocation(fileID: "StrataRules/\(example.sourceFile.split(separator: "/").last ?? "")",
                   filePath: example.sourceFile, line: example.sourceLine, column: 1)
}

@Suite("Rule examples")
struct RuleExampleTests {
    @Test("triggering examples find exactly at their markers", arguments: ExampleCase.all(triggering: true))
    func triggering(_ c: ExampleCase) {
        let (sql, expected) = stripMarkers(c.example.sql, dialect: c.dialect)
        #expect(!expected.isEmpty || !c.example.expectedElsewhere.isEmpty, "a triggering example needs at least one ↓ marker",
                sourceLocation: location(c.example))
        let found = findings(of: c.rule, sql: sql, example: c.example, dialect: c.dialect)
        let foundPositions = found.map { "\($0.file):\($0.line):\($0.column)" }.sorted()
        let expectedPositions = (expected.map { "\(c.example.fileName):\($0.line):\($0.column)" }
                                 + c.example.expectedElsewhere.map { "\($0):1:1" }).sorted()
        #expect(foundPositions == expectedPositions,
                "\(found.map { "\($0.line):\($0.column) \($0.message)" })", sourceLocation: location(c.example))
        for diagnostic in found {
            #expect(!diagnostic.message.isEmpty && !diagnostic.message.hasSuffix("."), "messages carry no trailing period")
        }
    }

    @Test("non-triggering examples find nothing", arguments: ExampleCase.all(triggering: false))
    func nonTriggering(_ c: ExampleCase) {
        let (sql, markers) = stripMarkers(c.example.sql, dialect: c.dialect)
        #expect(markers.isEmpty, "a non-triggering example has no ↓ marker", sourceLocation: location(c.example))
        let found = findings(of: c.rule, sql: sql, example: c.example, dialect: c.dialect)
        #expect(found.isEmpty, "\(found.map { "\($0.line):\($0.column) \($0.message)" })", sourceLocation: location(c.example))
    }

    @Test("an ignore-file comment silences every triggering example", arguments: ExampleCase.all(triggering: true).filter(\.rule.suppressible))
    func suppressed(_ c: ExampleCase) {
        let (sql, _) = stripMarkers(c.example.sql, dialect: c.dialect)
        // The edit rule compares with the applied content: put the comment there too, so the
        // suppression itself is not an edit.
        var example = c.example
        if var history = example.history {
            history.applied = history.applied.map {
                $0.fileName == c.example.fileName ? ($0.fileName, "-- strata:ignore-file \(c.rule.id) reviewed\n" + $0.sql) : $0
            }
            example.history = history
        }
        let silenced = "-- strata:ignore-file \(c.rule.id) reviewed\n" + sql
        let found = findings(of: c.rule, sql: silenced, example: example, dialect: c.dialect)
        #expect(found.isEmpty, "\(found.map { "\($0.line):\($0.column) \($0.message)" })", sourceLocation: location(c.example))
    }
}

@Suite("Rule registry")
struct RuleRegistryTests {
    @Test func everyRuleHasTwoExamplesOfEachKind() {
        for rule in AllRules.descriptions {
            // Two of each at least: one example shows the idea, the second its edge.
            #expect(rule.triggeringExamples.count >= 2, "\(rule.id) needs two triggering examples")
            #expect(rule.nonTriggeringExamples.count >= 2, "\(rule.id) needs two non-triggering examples")
            #expect(!rule.summary.isEmpty && !rule.rationale.isEmpty, "\(rule.id) needs a summary and a rationale")
        }
    }

    /// SARIF's `help` for every rule, and the text under a finding whose violation has none.
    @Test func everyRuleSaysWhatToDoInstead() {
        for rule in AllRules.descriptions {
            let help = rule.help ?? ""
            #expect(!help.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(rule.id) needs a help")
            #expect(!help.hasSuffix("."), "\(rule.id): help has no trailing period")
        }
    }

    @Test func idsAreUniqueAndKebabCase() {
        let ids = AllRules.descriptions.map(\.id)
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.allSatisfy { $0.isLowercase || $0 == "-" }, "\(id) is not kebab-case")
        }
    }

    @Test func issueRuleIdsExist() {
        // Public interface: these ids are promised to users and must not change.
        let promised = ["missing-metadata", "invalid-metadata", "unknown-dependency", "dependency-cycle",
                        "duplicate-migration-number", "destructive-in-rollback-safe", "missing-down",
                        "unindexed-column", "parse-error", "unused-ignore", "edited-applied-migration",
                        "deleted-applied-migration", "renamed-applied-migration", "out-of-order-migration",
                        // Dialect hazards
                        "create-index-non-concurrent", "drop-index-non-concurrent", "reindex-non-concurrent",
                        "concurrently-in-transaction", "table-rewrite-maintenance", "add-column-volatile-default",
                        "add-column-serial", "change-column-type", "set-not-null-scan", "add-fk-validated",
                        "add-check-validated", "validate-same-tx", "add-unique-constraint", "add-primary-key",
                        "missing-lock-timeout", "rename-table", "rename-column", "drop-table", "drop-column",
                        "drop-schema-database", "truncate-cascade", "add-required-column", "relax-constraint",
                        "transaction-balance", "identifier-too-long", "json-column", "enum-value-hazards",
                        "prefer-bigint", "prefer-identity", "prefer-text", "prefer-timestamptz",
                        "sqlite-add-column-nonconstant-default", "sqlite-add-column-not-null-default",
                        "sqlite-add-column-constraint", "sqlite-alter-unsupported", "sqlite-drop-column-restricted",
                        "sqlite-rebuild-order", "sqlite-rebuild-lost-objects", "sqlite-fk-pragma-in-tx",
                        "sqlite-pg-only-syntax"]
        for id in promised { #expect(AllRules.ids.contains(id), "\(id) is missing") }
    }

    @Test func theRulesOverviewDocumentsEveryRule() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let overview = try String(contentsOf: root.appendingPathComponent("docs/rules-overview.md"), encoding: .utf8)
        for id in AllRules.ids {
            #expect(overview.contains("[`\(id)`](rules/\(id).md)"), "docs/rules-overview.md does not document \(id)")
        }
    }
}
