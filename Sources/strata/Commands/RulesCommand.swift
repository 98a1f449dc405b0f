import ArgumentParser
import Foundation
import StrataCore
import StrataRules

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List every rule with its id, default severity and summary.",
        discussion: """
        Examples:
          strata rules
          strata rules --format json
          strata rules --write-docs docs/rules
        """)

    @OptionGroup var output: FormatOptions

    @Option(name: .long, help: "Write a Markdown page per rule and an index (README.md) into this folder, e.g. docs/rules.")
    var writeDocs: String?

    func validate() throws {
        if writeDocs != nil, output.isJSON { throw ValidationError("--write-docs writes Markdown pages; it takes no --format json") }
    }

    func run() throws {
        let rules = AllRules.descriptions
        if let folder = writeDocs {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, text) in RulePage.files(rules) {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent(name), options: .atomic)
                } catch {
                    throw CommandFailure("\(folder)/\(name): \(error.localizedDescription)")
                }
            }
            print("wrote \(rules.count) rule pages and README.md to \(folder)")
            return
        }
        if output.isJSON {
            try JSONDocument.print(RulesDocument(rules: rules.map { rule in
                .init(id: rule.id, severity: rule.optIn ? "off" : rule.defaultSeverity.rawValue, summary: rule.summary,
                      dialects: rule.dialects.map(\.rawValue).sorted())
            }))
            return
        }
        let width = rules.map(\.id.count).max() ?? 0
        for rule in rules {
            let severity = rule.optIn ? "off" : rule.defaultSeverity.rawValue
            print("\(rule.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(severity.padding(toLength: 7, withPad: " ", startingAt: 0))  \(rule.summary)")
        }
    }
}

/// `strata rules --format json`: each rule's id, default severity (`off` for an opt-in one),
/// summary and dialects.
struct RulesDocument: Encodable {
    struct Rule: Encodable {
        var id: String
        var severity: String
        var summary: String
        var dialects: [String]
    }

    var rules: [Rule]
}
