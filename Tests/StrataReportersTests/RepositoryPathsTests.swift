import Foundation
import StrataCore
import StrataReporters
import Testing

/// The formats CI reads name files from the repository's root, wherever the command ran.
@Suite struct RepositoryPathsTests {
    /// Run in `services/api` of a repository at `/work/repo`, whose shell spells the folder
    /// through a symlink (`/link/api`).
    static let paths = RepositoryPaths(root: "/work/repo", workingDirectory: "/work/repo/services/api",
                                       workingDirectoryAliases: ["/link/api"])

    @Test(arguments: [
        ("migrations/0001_init.sql", "services/api/migrations/0001_init.sql"),
        ("./migrations//0001_init.sql", "services/api/migrations/0001_init.sql"),
        ("../web/db/0001.sql", "services/web/db/0001.sql"),
        ("/work/repo/services/api/migrations/0001_init.sql", "services/api/migrations/0001_init.sql"),
        ("/link/api/migrations/0001_init.sql", "services/api/migrations/0001_init.sql"),
        ("/work/repo/top.sql", "top.sql"),
    ])
    func pathsFromTheRoot(file: String, expected: String) {
        #expect(Self.paths.relative(file) == expected)
    }

    @Test func pathsOutsideTheRepositoryHaveNone() {
        #expect(Self.paths.relative("/tmp/x.sql") == nil)
        #expect(Self.paths.relative("../../../elsewhere.sql") == nil)
        #expect(Self.paths.relative("/work/repository/x.sql") == nil)
        #expect(Self.paths.absolute("../../../elsewhere.sql") == "/work/elsewhere.sql")
    }

    /// A result from the root with the `%SRCROOT%` base id, which the run maps to the root.
    @Test func sarifGolden() {
        let result = LintResult(diagnostics: [
            Fixture.diagnostic(.error, file: "migrations/0002_add café.sql", rule: "ban-drop-column", message: "m"),
            Fixture.diagnostic(.warning, file: "/tmp/outside.sql", rule: "ban-drop-column", message: "n"),
        ], fileCount: 2)
        let paths = RepositoryPaths(root: "/work/my repo", workingDirectory: "/work/my repo/services/api")
        let output = SARIFReporter(version: "1.2.3", repository: paths).report(result, rules: [])
        #expect(output == #"""
            {
              "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
              "version": "2.1.0",
              "runs": [
                {
                  "tool": {
                    "driver": {
                      "name": "strata",
                      "version": "1.2.3",
                      "rules": []
                    }
                  },
                  "originalUriBaseIds": {
                    "%SRCROOT%": {
                      "uri": "file:///work/my%20repo/"
                    }
                  },
                  "columnKind": "unicodeCodePoints",
                  "results": [
                    {
                      "ruleId": "ban-drop-column",
                      "level": "error",
                      "message": {
                        "text": "m"
                      },
                      "locations": [
                        {
                          "physicalLocation": {
                            "artifactLocation": {
                              "uri": "services/api/migrations/0002_add%20caf%C3%A9.sql",
                              "uriBaseId": "%SRCROOT%"
                            },
                            "region": {
                              "startLine": 2,
                              "startColumn": 3
                            }
                          }
                        }
                      ]
                    },
                    {
                      "ruleId": "ban-drop-column",
                      "level": "warning",
                      "message": {
                        "text": "n"
                      },
                      "locations": [
                        {
                          "physicalLocation": {
                            "artifactLocation": {
                              "uri": "file:///tmp/outside.sql"
                            },
                            "region": {
                              "startLine": 2,
                              "startColumn": 3
                            }
                          }
                        }
                      ]
                    }
                  ]
                }
              ]
            }

            """#)
    }

    @Test func githubGolden() {
        let result = LintResult(diagnostics: [
            Fixture.diagnostic(.error, file: "migrations/0001_init.sql", rule: "ban-drop-column", message: "m"),
            Fixture.diagnostic(.warning, file: "../../../outside, too.sql", rule: "ban-drop-column", message: "n"),
        ], fileCount: 2)
        let output = GitHubReporter(repository: Self.paths).report(result, rules: [])
        #expect(output == """
            ::error file=services/api/migrations/0001_init.sql,line=2,col=3,title=ban-drop-column::m
            ::warning file=../../../outside%2C too.sql,line=2,col=3,title=ban-drop-column::n

            """)
    }

    /// Only the formats CI reads take paths from the root; text and JSON keep them as typed.
    @Test func onlyCIFormatsTakeTheRoot() {
        #expect(ReporterFormat.allCases.filter(\.pathsFromRepositoryRoot) == [.sarif, .github, .gitlab, .markdown])
        let result = LintResult(diagnostics: [Fixture.diagnostic(.error, file: "migrations/0001_init.sql")], fileCount: 1)
        for format in ReporterFormat.allCases {
            let output = format.makeReporter(color: false, repository: Self.paths).report(result, rules: [])
            #expect(output.contains("services/api/migrations/0001_init.sql") == format.pathsFromRepositoryRoot, "\(format)")
            #expect(output.contains("migrations/0001_init.sql"), "\(format)")
        }
    }

    /// Every rule carries its help and a link to its page: by default the page in the
    /// repository at the tag of the running version, else where a template places it.
    @Test func rulesCarryHelpAndTheirPage() throws {
        func rules(_ reporter: SARIFReporter) throws -> [[String: Any]] {
            let output = reporter.report(Fixture.empty, rules: Fixture.rules)
            let log = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let run = try #require((log["runs"] as? [[String: Any]])?.first)
            #expect(run["originalUriBaseIds"] == nil)
            return try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        }
        let standard = try rules(SARIFReporter(version: "0.3.1", ruleDocs: .standard))
        #expect(standard.count == Fixture.rules.count)
        #expect(standard.map { $0["helpUri"] as? String } == Fixture.rules.map {
            "https://github.com/strata-migrations/strata/blob/v0.3.1/docs/rules/\($0.id).md"
        })
        #expect(standard.map { ($0["help"] as? [String: Any])?["text"] as? String } == Fixture.rules.map(\.help))
        let custom = try rules(SARIFReporter(version: "0.3.1", ruleDocs: try RuleDocsURL(template: "http://wiki.local/strata#{rule}")))
        #expect(custom.map { $0["helpUri"] as? String } == Fixture.rules.map { "http://wiki.local/strata#\($0.id)" })
        // A reporter not told where the pages are links none.
        #expect(try rules(SARIFReporter(version: "1")).allSatisfy { $0["helpUri"] == nil })
    }
}
