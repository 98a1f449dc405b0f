import Foundation
import Testing

/// `--format markdown` for a pull-request comment or job summary, with each rule linked to its
/// page; where the links point: strata.yml's `rule_docs_url`, `STRATA_RULE_DOCS_URL` over it.
@Suite("--format markdown and rule links")
struct MarkdownFormatCommandTests {
    static func version() throws -> String {
        let project = try Project()
        return try project.run("--version").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The rule cells of the table rows, with the position and severity before them.
    static func rows(_ markdown: String) -> [String] {
        markdown.split(separator: "\n").map(String.init).filter { $0.hasPrefix("| ") && !$0.hasPrefix("| Line ") && !$0.hasPrefix("| ---") }
    }

    /// A project (no repository) with two findings in one file and a clean one.
    static func project(config: String? = nil) throws -> Project {
        let project = try Project()
        try project.write("migrations/0001_users.sql", Fixtures.table("users"))
        try project.write("migrations/0002_drop.sql", Fixtures.destructive("users"))
        if let config { try project.write("strata.yml", config) }
        return project
    }

    @Test func lintReportsAsTablesLinkedToTheRulePages() throws {
        let project = try Self.project()
        let json = try project.run("lint", "--format", "json")
        let findings = try Finding.decode(json.stdout)
        #expect(!findings.isEmpty)
        let outcome = try project.run("lint", "--format", "markdown")
        #expect(outcome.status == json.status && outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        let errors = findings.count { $0.severity == "error" }
        #expect(outcome.stdout.hasPrefix("### Strata: \(errors) error\(errors == 1 ? "" : "s")"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("\n2 files checked, findings in 1\n"))
        #expect(outcome.stdout.contains("\n**`migrations/0002_drop.sql`**\n\n| Line | Severity | Rule | Message |\n| ---: | --- | --- | --- |\n"))
        let version = try Self.version()
        let expected = findings.map { finding in
            "| \(finding.line):\(finding.column) | \(finding.severity) | [\(finding.rule)](https://github.com/strata-migrations/strata/blob/v\(version)/docs/rules/\(finding.rule).md) |"
        }
        #expect(Self.rows(outcome.stdout).map { $0.components(separatedBy: ") | ").first! + ") |" } == expected)
        // The page linked exists in the repository, as `strata rules --write-docs` writes it.
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/rules")
        for finding in findings {
            #expect(FileManager.default.fileExists(atPath: docs.appendingPathComponent("\(finding.rule).md").path), "\(finding.rule)")
        }
    }

    @Test func aCleanLintIsOneLine() throws {
        let project = try Project()
        try project.write("migrations/0001_users.sql", Fixtures.table("users"))
        let outcome = try project.run("lint", "--format", "markdown")
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "### Strata: no findings in 1 file\n")
    }

    /// Run from a monorepo's sub-folder, `check` names files from the repository's root.
    @Test func checkFromASubFolderNamesFilesFromTheRoot() throws {
        let repo = try CIPathsCommandTests.monorepo()
        let api = CIPathsCommandTests.api(repo)
        let json = try GitFixture.runStrata(["check", "--format", "json"], in: api)
        let findings = try Finding.decode(json.stdout)
        let outcome = try GitFixture.runStrata(["check", "--format", "markdown"], in: api)
        #expect(outcome.status == json.status, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("\n**`services/api/migrations/0003_tags.sql`**\n"), "\(outcome.stdout)")
        #expect(Self.rows(outcome.stdout).map { $0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces) }
            == findings.map { "\($0.line):\($0.column)" })
        #expect(!findings.isEmpty)
        // Files named, as a pre-commit hook passes them, report the same way.
        let named = try GitFixture.runStrata(["check", "--format", "markdown", "migrations/0003_tags.sql"], in: api)
        #expect(Self.rows(named.stdout) == Self.rows(outcome.stdout), "\(named.stdout)\(named.stderr)")
    }

    /// `rule_docs_url` places the links of Markdown and SARIF, and `strata explain`'s page;
    /// `STRATA_RULE_DOCS_URL` wins over it; an empty variable reads as unset.
    @Test func theTemplateComesFromTheFileAndTheEnvironmentOverIt() throws {
        let project = try Self.project(config: "rule_docs_url: https://wiki.example.com/strata/{version}/{rule}\n")
        let version = try Self.version()
        let fromFile = try project.run("lint", "--format", "markdown")
        #expect(fromFile.stdout.contains("[destructive-in-rollback-safe](https://wiki.example.com/strata/\(version)/destructive-in-rollback-safe)"), "\(fromFile.stdout)\(fromFile.stderr)")
        #expect(!fromFile.stdout.contains("github.com"))
        let sarif = try project.run("lint", "--format", "sarif")
        #expect(sarif.stdout.contains("\"helpUri\": \"https://wiki.example.com/strata/\(version)/destructive-in-rollback-safe\""))

        let environment = ["STRATA_RULE_DOCS_URL": "https://ci.example.org/rules/{rule}.html"]
        let fromEnvironment = try project.run("lint", "--format", "markdown", environment: environment)
        #expect(fromEnvironment.stdout.contains("[destructive-in-rollback-safe](https://ci.example.org/rules/destructive-in-rollback-safe.html)"), "\(fromEnvironment.stdout)")
        #expect(!fromEnvironment.stdout.contains("wiki.example.com"))
        let sarifFromEnvironment = try project.run("lint", "--format", "sarif", environment: environment)
        #expect(sarifFromEnvironment.stdout.contains("\"helpUri\": \"https://ci.example.org/rules/destructive-in-rollback-safe.html\""))
        let empty = try project.run("lint", "--format", "markdown", environment: ["STRATA_RULE_DOCS_URL": ""])
        #expect(empty.stdout == fromFile.stdout)

        let explain = try project.run("explain", "destructive-in-rollback-safe", environment: environment)
        #expect(explain.status == 0)
        #expect(explain.stdout.contains("\nDocumentation: https://ci.example.org/rules/destructive-in-rollback-safe.html\n"), "\(explain.stdout)")
        let explainFromFile = try project.run("explain", "destructive-in-rollback-safe")
        #expect(explainFromFile.stdout.contains("\nDocumentation: https://wiki.example.com/strata/\(version)/destructive-in-rollback-safe\n"))
    }

    @Test func explainLinksTheDefaultPage() throws {
        let outcome = try Project().run("explain", "destructive-in-rollback-safe")
        #expect(outcome.stdout.contains("\nDocumentation: https://github.com/strata-migrations/strata/blob/v\(try Self.version())/docs/rules/destructive-in-rollback-safe.md\n"),
                "\(outcome.stdout)")
    }

    /// A template that cannot be used is a configuration error (exit 2) naming where it is,
    /// before any report is written.
    @Test(arguments: ["lint", "check"])
    func invalidTemplatesAreConfigurationErrors(command: String) throws {
        let project = try Self.project(config: "dialect: sqlite\nrule_docs_url: https://wiki.example.com/strata/{id}\n")
        let inFile = try project.run(command, "--format", "markdown")
        #expect(inFile.status == 2)
        #expect(inFile.stdout.isEmpty)
        #expect(inFile.stderr.contains("strata.yml:2:16: `rule_docs_url` has an unknown placeholder '{id}'; known placeholders: {rule}, {version}"),
                "\(inFile.stderr)")

        let valid = try Self.project()
        for format in ["markdown", "text"] {
            let inEnvironment = try valid.run(command, "--format", format, environment: ["STRATA_RULE_DOCS_URL": "wiki/{rule}"])
            #expect(inEnvironment.status == 2, "\(format)")
            #expect(inEnvironment.stdout.isEmpty)
            #expect(inEnvironment.stderr == "strata: error: STRATA_RULE_DOCS_URL='wiki/{rule}': the template must start with https:// or http://, e.g. https://docs.example.com/rules/{rule}\n")
        }
    }
}
