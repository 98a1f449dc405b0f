import Foundation
import StrataCore
import StrataRules
import Testing

/// docs/rules holds one page per rule, written from the rules themselves: a page that says
/// something the rule no longer does, a rule without a page, or a page without a rule fails here.
@Suite("Rule pages in docs/rules")
struct RulePagesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/rules")

    @Test func everyPageIsWhatItsRuleSaysNow() throws {
        let expected = RulePage.files(AllRules.descriptions)
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".md") })
        #expect(present == Set(expected.map(\.name)), "docs/rules is stale: run `make docs` (strata rules --write-docs docs/rules)")
        for (name, text) in expected {
            let page = try? String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
            #expect(page == text, "docs/rules/\(name) is stale: run `make docs` (strata rules --write-docs docs/rules)")
        }
    }

    @Test func aPageCarriesTheRulesFacts() throws {
        let rule = try #require(AllRules.description(of: "missing-down"))
        let page = RulePage.markdown(rule)
        #expect(page.hasPrefix("# `missing-down`\n\n\(rule.summary)\n"))
        #expect(page.contains(rule.rationale))
        #expect(page.contains("## Triggers on") && page.contains("## Does not trigger on"))
        #expect(!page.contains("↓"))
        #expect(RulePage.index(AllRules.descriptions).contains("| [`missing-down`](missing-down.md) |"))
    }
}
