import Foundation
import StrataCore
import StrataReporters
import Testing

/// The `json`, `sarif` and `gitlab` reports are written by hand as the findings come, for
/// speed; each has an `Encodable` model (`JSONReport`, `SARIFLog`, `GitLabIssue`). What a reporter
/// streams must be the same JSON as `StrataJSON`'s encoding of its model for the same run, so
/// that the hand-written text cannot drift from the one configuration every other JSON output
/// uses (the order of keys and the spaces are the reporters' own, pinned by their golden tests).
@Suite struct StreamedModelTests {
    /// Findings that exercise what a writer does by hand: escapes, a rule whose help differs
    /// between two findings (the JSON reporter caches a rule's help), a finding of a rule not
    /// listed (no SARIF `ruleIndex`), and identical findings (GitLab's occurrence count).
    static let runs: [LintResult] = {
        var suppressed = Fixture.result
        suppressed.bulk = BulkSuppressions.Tally(displayName: "strata-suppressions.json")
        suppressed.bulk?.suppressed = 2
        let tricky = LintResult(diagnostics: [
            Fixture.diagnostic(.error, file: "db/0001 a\tb.sql", rule: "ban-drop-column", message: "quote \" slash / back \\ \u{1}\r\n",
                               help: "first help"),
            Fixture.diagnostic(.error, file: "db/0001 a\tb.sql", rule: "ban-drop-column", message: "same", help: "another help ✓"),
            Fixture.diagnostic(.error, file: "db/0001 a\tb.sql", rule: "ban-drop-column", message: "same", help: "another help ✓"),
            Fixture.diagnostic(.warning, file: "/elsewhere/x.sql", rule: "not-listed", message: "no index"),
            Fixture.diagnostic(.note, file: "services/api/db/n.sql", rule: "require-lock-timeout", message: "a note"),
        ], fileCount: 4)
        return [Fixture.result, Fixture.empty, suppressed, tricky]
    }()

    static let repository = RepositoryPaths(root: "/work/repo", workingDirectory: "/work/repo/services/api")

    @Test(arguments: runs.indices)
    func jsonReportIsItsModel(run: Int) throws {
        let result = Self.runs[run]
        let streamed = JSONReporter().report(result, rules: Fixture.rules)
        let model = JSONReport(result.diagnostics, summary: result.summary)
        #expect(try Self.canonical(streamed) == Self.canonical(try StrataJSON.line(model)), "\(streamed)")
    }

    @Test(arguments: runs.indices, [false, true])
    func sarifLogIsItsModel(run: Int, inRepository: Bool) throws {
        let result = Self.runs[run]
        let reporter = SARIFReporter(version: "1.2.3", informationURI: inRepository ? "https://example.com/strata" : nil,
                                     ruleDocs: inRepository ? .standard : nil, repository: inRepository ? Self.repository : nil)
        let streamed = reporter.report(result, rules: Fixture.rules)
        let model = reporter.log(result, rules: Fixture.rules)
        #expect(try Self.canonical(streamed) == Self.canonical(try StrataJSON.line(model)), "\(streamed)")
    }

    @Test(arguments: runs.indices, [false, true])
    func gitLabIssuesAreTheirModel(run: Int, inRepository: Bool) throws {
        let result = Self.runs[run]
        let reporter = GitLabReporter(repository: inRepository ? Self.repository : nil)
        let streamed = reporter.report(result, rules: Fixture.rules)
        #expect(try Self.canonical(streamed) == Self.canonical(try StrataJSON.line(reporter.issues(result.diagnostics))), "\(streamed)")
    }

    /// The canonicalisation compares values, not texts: a key or a value that differs is a
    /// difference, the order of keys and the spaces are not.
    @Test func canonicalFormTellsValuesApart() throws {
        #expect(try Self.canonical(#"{"b": [1, "x"], "a" : null}"#) == Self.canonical(#"{"a":null,"b":[1,"x"]}"#))
        #expect(try Self.canonical(#"{"a":null}"#) != Self.canonical(#"{}"#))
        #expect(try Self.canonical(#"{"a":"1"}"#) != Self.canonical(#"{"a":1}"#))
        #expect(try Self.canonical(#"{"a":"\u0001\/"}"#) == Self.canonical(#"{"a":"\u0001/"}"#))
    }

    /// `text` read and written back with sorted keys and no spaces.
    static func canonical(_ text: String) throws -> String {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
