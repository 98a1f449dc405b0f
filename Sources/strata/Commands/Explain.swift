import ArgumentParser
import Foundation
import StrataCore
import StrataProject
import StrataRules

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a rule: why it exists, what to do instead, and examples.",
        discussion: """
        Examples:
          strata explain missing-down
          strata explain drop-column --format json
        """)

    @Argument(help: "A rule id, as `strata rules` lists them.")
    var rule: String

    @OptionGroup var output: FormatOptions

    func validate() throws {
        guard AllRules.description(of: rule) != nil else {
            throw ValidationError("unknown rule '\(rule)'\(Suggestion.hint(for: rule, in: AllRules.ids)) (`strata rules` lists them)")
        }
    }

    func run() throws {
        let rule = AllRules.description(of: self.rule)!
        let page = try Self.page(of: rule.id)
        if output.isJSON { return try JSONDocument.print(ExplainDocument(rule, page: page)) }
        print("\(rule.id) (\(rule.optIn ? "off unless enabled" : rule.defaultSeverity.rawValue)): \(rule.summary)")
        print()
        print(rule.rationale)
        if let help = rule.help {
            print()
            print("Instead: \(help)")
        }
        let dialects = rule.dialects.count == 2 ? "sqlite, postgresql" : rule.dialects.map(\.rawValue).sorted().joined(separator: ", ")
        print()
        print("Dialects: \(dialects)")
        print("Documentation: \(page)")
        section("Triggers on", rule.triggeringExamples)
        section("Does not trigger on", rule.nonTriggeringExamples)
    }

    /// The rule's documentation page, placed as reports link it (`STRATA_RULE_DOCS_URL`, else
    /// the nearest strata.yml's `rule_docs_url`, else the default). A strata.yml that cannot be
    /// read stops the command, as it does every other.
    static func page(of rule: String) throws -> String {
        let configuration = try Configuration.load(explicitPath: nil, workingDirectory: FileManager.default.currentDirectoryPath, knownRules: AllRules.ids)
        return try Project.ruleDocs(configuration.ruleDocsURL).url(rule: rule, version: Strata.version)
    }

    private func section(_ title: String, _ examples: [Example]) {
        print()
        print("\(title):")
        for example in examples {
            print()
            for line in example.sql.replacingOccurrences(of: "↓", with: "").split(separator: "\n", omittingEmptySubsequences: false) {
                print("    \(line)")
            }
        }
    }
}

/// `strata explain RULE --format json`: the rule as `explain` tells it, the examples' SQL
/// without the `↓` marks.
struct ExplainDocument: Encodable {
    var id: String
    var severity: String
    var optIn: Bool
    var summary: String
    var rationale: String
    @ExplicitNull var help: String?
    var dialects: [String]
    var needsHistory: Bool
    var triggeringExamples: [String]
    var nonTriggeringExamples: [String]
    var documentation: String

    enum CodingKeys: String, CodingKey {
        case id, severity, summary, rationale, help, dialects, documentation
        case optIn = "opt_in", needsHistory = "needs_history"
        case triggeringExamples = "triggering_examples", nonTriggeringExamples = "non_triggering_examples"
    }

    init(_ rule: RuleDescription, page: String) {
        let sql = { (examples: [Example]) in examples.map { $0.sql.replacingOccurrences(of: "↓", with: "") } }
        id = rule.id
        severity = rule.optIn ? "off" : rule.defaultSeverity.rawValue
        optIn = rule.optIn
        summary = rule.summary
        rationale = rule.rationale
        help = rule.help
        dialects = rule.dialects.map(\.rawValue).sorted()
        needsHistory = rule.needsHistory
        triggeringExamples = sql(rule.triggeringExamples)
        nonTriggeringExamples = sql(rule.nonTriggeringExamples)
        documentation = page
    }
}
