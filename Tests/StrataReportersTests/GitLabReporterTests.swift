import Foundation
import StrataCore
import StrataReporters
import Testing

/// `--format gitlab`: GitLab Code Quality, read by GitLab from a job's codequality artifact.
@Suite struct GitLabReporterTests {
    static func issues(_ result: LintResult, repository: RepositoryPaths? = nil) throws -> [[String: Any]] {
        let text = GitLabReporter(repository: repository).report(result, rules: Fixture.rules)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "\(text)")
    }

    @Test func everyFindingIsAnIssueWithTheFieldsGitLabReads() throws {
        let issues = try Self.issues(Fixture.result)
        #expect(issues.count == Fixture.result.diagnostics.count)
        for (issue, diagnostic) in zip(issues, Fixture.result.diagnostics) {
            #expect(issue["check_name"] as? String == diagnostic.rule)
            #expect((issue["description"] as? String)?.hasPrefix(diagnostic.message) == true)
            let location = try #require(issue["location"] as? [String: Any])
            #expect(location["path"] as? String == diagnostic.file)
            #expect((location["lines"] as? [String: Any])?["begin"] as? Int == diagnostic.line)
            let fingerprint = try #require(issue["fingerprint"] as? String)
            #expect(fingerprint.count == 32 && fingerprint.allSatisfy(\.isHexDigit))
        }
        #expect(issues.map { $0["severity"] as? String } == ["major", "minor", "major"])
        #expect(Set(issues.compactMap { $0["fingerprint"] as? String }).count == issues.count)
    }

    @Test func anEmptyReportIsAnEmptyArray() throws {
        #expect(GitLabReporter().report(Fixture.empty, rules: []) == "[]\n")
    }

    /// GitLab tells new findings from old by the fingerprint: it must not change when lines
    /// move, and two identical findings in one file must still differ.
    @Test func fingerprintsSurviveLineMovesAndTellTwinsApart() throws {
        let before = LintResult(diagnostics: [
            Fixture.diagnostic(.error, file: "migrations/0001_init.sql", rule: "ban-drop-column", message: "m"),
            Fixture.diagnostic(.error, file: "migrations/0001_init.sql", rule: "ban-drop-column", message: "m"),
        ], fileCount: 1)
        var moved = before
        for index in moved.diagnostics.indices {
            moved.diagnostics[index].range = Fixture.range(line: 40 + index, column: 9, offset: 900 + index)
        }
        let first = try Self.issues(before).compactMap { $0["fingerprint"] as? String }
        let second = try Self.issues(moved).compactMap { $0["fingerprint"] as? String }
        #expect(first == second)
        #expect(Set(first).count == 2)
        // Another file, rule or message is another finding.
        let elsewhere = LintResult(diagnostics: [Fixture.diagnostic(.error, file: "migrations/0002.sql", rule: "ban-drop-column", message: "m")], fileCount: 1)
        #expect(try Self.issues(elsewhere).first?["fingerprint"] as? String != first[0])
    }

    @Test func pathsStartAtTheRepositoryRoot() throws {
        let result = LintResult(diagnostics: [Fixture.diagnostic(.warning, file: "migrations/0001_init.sql")], fileCount: 1)
        let issue = try #require(try Self.issues(result, repository: RepositoryPathsTests.paths).first)
        #expect((issue["location"] as? [String: Any])?["path"] as? String == "services/api/migrations/0001_init.sql")
    }
}
