import ArgumentParser
import StrataCore
import StrataRules

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a rule: why it exists, what to do instead, and examples.")

    @Argument(help: "A rule id, as `strata rules` lists them.")
    var rule: String

    func validate() throws {
        guard AllRules.description(of: rule) != nil else {
            throw ValidationError("unknown rule '\(rule)'\(Suggestion.hint(for: rule, in: AllRules.ids)) (`strata rules` lists them)")
        }
    }

    func run() throws {
        let rule = AllRules.description(of: self.rule)!
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
        section("Triggers on", rule.triggeringExamples)
        section("Does not trigger on", rule.nonTriggeringExamples)
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
