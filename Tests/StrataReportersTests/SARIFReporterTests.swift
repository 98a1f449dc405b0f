import Foundation
import StrataCore
import StrataReporters
import Testing

@Suite struct SARIFReporterTests {
    @Test func golden() {
        let output = SARIFReporter(version: "1.2.3", informationURI: "https://example.com/strata")
            .report(Fixture.result, rules: Fixture.rules)
        #expect(output == #"""
            {
              "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
              "version": "2.1.0",
              "runs": [
                {
                  "tool": {
                    "driver": {
                      "name": "strata",
                      "informationUri": "https://example.com/strata",
                      "version": "1.2.3",
                      "rules": [
                        {
                          "id": "add-index-concurrently",
                          "name": "AddIndexConcurrently",
                          "shortDescription": {
                            "text": "CREATE INDEX without CONCURRENTLY"
                          },
                          "fullDescription": {
                            "text": "A plain CREATE INDEX blocks writes to the table until it finishes."
                          },
                          "help": {
                            "text": "Use CREATE INDEX CONCURRENTLY outside a transaction"
                          },
                          "defaultConfiguration": {
                            "level": "error"
                          }
                        },
                        {
                          "id": "ban-drop-column",
                          "name": "BanDropColumn",
                          "shortDescription": {
                            "text": "Dropping a column"
                          },
                          "fullDescription": {
                            "text": "Code deployed before the migration still reads the column and fails once it is gone."
                          },
                          "help": {
                            "text": "Stop reading the column first, then drop it in a later migration"
                          },
                          "defaultConfiguration": {
                            "level": "error"
                          }
                        },
                        {
                          "id": "invalid-metadata",
                          "name": "InvalidMetadata",
                          "shortDescription": {
                            "text": "Malformed metadata header"
                          },
                          "fullDescription": {
                            "text": "A header Strata cannot read is ignored, so what it says is lost."
                          },
                          "help": {
                            "text": "Use one of the documented keys"
                          },
                          "defaultConfiguration": {
                            "level": "warning"
                          }
                        },
                        {
                          "id": "require-lock-timeout",
                          "name": "RequireLockTimeout",
                          "shortDescription": {
                            "text": "ALTER TABLE without lock_timeout"
                          },
                          "fullDescription": {
                            "text": "Waiting for a lock blocks every query queued behind it."
                          },
                          "defaultConfiguration": {
                            "level": "warning"
                          }
                        }
                      ]
                    }
                  },
                  "columnKind": "unicodeCodePoints",
                  "results": [
                    {
                      "ruleId": "ban-drop-column",
                      "ruleIndex": 1,
                      "level": "error",
                      "message": {
                        "text": "Dropping a column breaks code that still reads it"
                      },
                      "locations": [
                        {
                          "physicalLocation": {
                            "artifactLocation": {
                              "uri": "db/migrations/0001_init.sql"
                            },
                            "region": {
                              "startLine": 3,
                              "startColumn": 5
                            }
                          }
                        }
                      ]
                    },
                    {
                      "ruleId": "require-lock-timeout",
                      "ruleIndex": 3,
                      "level": "warning",
                      "message": {
                        "text": "ALTER TABLE without a lock timeout can queue behind long transactions"
                      },
                      "locations": [
                        {
                          "physicalLocation": {
                            "artifactLocation": {
                              "uri": "db/migrations/0001_init.sql"
                            },
                            "region": {
                              "startLine": 7,
                              "startColumn": 1
                            }
                          }
                        }
                      ]
                    },
                    {
                      "ruleId": "invalid-metadata",
                      "ruleIndex": 2,
                      "level": "error",
                      "message": {
                        "text": "Unknown key \"reviewér\" in C:\\meta, 100% ignored\nkeys: author, ticket"
                      },
                      "locations": [
                        {
                          "physicalLocation": {
                            "artifactLocation": {
                              "uri": "db/migrations/0002_add%20caf%C3%A9.sql"
                            },
                            "region": {
                              "startLine": 1,
                              "startColumn": 4
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

    @Test func emptyResult() {
        let output = SARIFReporter(version: "1.2.3").report(Fixture.empty, rules: [])
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
                  "columnKind": "unicodeCodePoints",
                  "results": []
                }
              ]
            }

            """#)
    }

    @Test func structure() throws {
        let output = SARIFReporter(version: "0.1.0").report(Fixture.result, rules: Fixture.rules)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        #expect(log["$schema"] as? String == "https://json.schemastore.org/sarif-2.1.0.json")
        let runs = try #require(log["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "strata")
        #expect(driver["version"] as? String == "0.1.0")
        #expect(driver["informationUri"] == nil)

        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == Fixture.rules.map(\.id))
        #expect(Set(rules.compactMap { $0["id"] as? String }).count == rules.count)
        for (json, rule) in zip(rules, Fixture.rules) {
            #expect(((json["shortDescription"] as? [String: Any])?["text"] as? String) == rule.summary)
            #expect(((json["fullDescription"] as? [String: Any])?["text"] as? String) == rule.rationale)
            #expect(((json["help"] as? [String: Any])?["text"] as? String) == rule.help)
            #expect(((json["defaultConfiguration"] as? [String: Any])?["level"] as? String)
                    == rule.defaultSeverity.rawValue)
        }

        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == Fixture.result.diagnostics.count)
        for (json, diagnostic) in zip(results, Fixture.result.diagnostics) {
            let ruleIndex = try #require(json["ruleIndex"] as? Int)
            #expect(json["ruleId"] as? String == diagnostic.rule)
            #expect(rules.indices.contains(ruleIndex))
            #expect(rules[ruleIndex]["id"] as? String == diagnostic.rule)
            #expect(json["level"] as? String == diagnostic.severity.rawValue)
            #expect(((json["message"] as? [String: Any])?["text"] as? String) == diagnostic.message)

            let locations = try #require(json["locations"] as? [[String: Any]])
            #expect(locations.count == 1)
            let physical = try #require(locations.first?["physicalLocation"] as? [String: Any])
            let uri = try #require((physical["artifactLocation"] as? [String: Any])?["uri"] as? String)
            #expect(uri.removingPercentEncoding == diagnostic.file)
            #expect(!uri.contains(" "))
            let region = try #require(physical["region"] as? [String: Any])
            #expect(region["startLine"] as? Int == diagnostic.line)
            #expect(region["startColumn"] as? Int == diagnostic.column)
        }
    }

    /// A finding of a rule missing from the list is still reported, by `ruleId` alone.
    @Test func unknownRuleHasNoIndex() throws {
        let result = LintResult(diagnostics: [Fixture.diagnostic(.error, rule: "not-listed")], fileCount: 1)
        let output = SARIFReporter(version: "1").report(result, rules: Fixture.rules)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let first = try #require((run["results"] as? [[String: Any]])?.first)
        #expect(first["ruleId"] as? String == "not-listed")
        #expect(first["ruleIndex"] == nil)
    }

    @Test(arguments: [
        ("db/0001_init.sql", "db/0001_init.sql"),
        ("my migrations/0001 init.sql", "my%20migrations/0001%20init.sql"),
        ("db/café#1?.sql", "db/caf%C3%A9%231%3F.sql"),
        ("c:/x%y[1].sql", "c%3A/x%25y%5B1%5D.sql"),
        ("./a-b_c~d.sql", "./a-b_c~d.sql"),
    ])
    func pathsAsURIReferences(path: String, uri: String) throws {
        let result = LintResult(diagnostics: [Fixture.diagnostic(.warning, file: path)], fileCount: 1)
        let output = SARIFReporter(version: "1").report(result, rules: [])
        #expect(output.contains(#""uri": "\#(uri)""#))
    }

    @Test(arguments: [
        ("ban-drop-column", "BanDropColumn"),
        ("require-lock-timeout", "RequireLockTimeout"),
        ("syntax", "Syntax"),
        ("add_index-2", "AddIndex2"),
    ])
    func ruleNamesInUpperCamelCase(id: String, name: String) {
        let output = SARIFReporter(version: "1").report(
            Fixture.empty, rules: [Fixture.rule(id, summary: "s", rationale: "r", help: nil, severity: .error)])
        #expect(output.contains(#""name": "\#(name)""#))
    }

    /// Against the official SARIF 2.1.0 JSON schema, with Python's `jsonschema`, when
    /// `STRATA_SARIF_SCHEMA` names the schema file (it is not kept in the repository).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["STRATA_SARIF_SCHEMA"] != nil,
                   "set STRATA_SARIF_SCHEMA to sarif-schema-2.1.0.json"))
    func validAgainstTheOfficialSchema() throws {
        let schema = try #require(ProcessInfo.processInfo.environment["STRATA_SARIF_SCHEMA"])
        let outputs = [
            SARIFReporter(version: "1.2.3", informationURI: "https://example.com/strata")
                .report(Fixture.result, rules: Fixture.rules),
            SARIFReporter(version: "1.2.3").report(Fixture.result, rules: Fixture.rules),
            SARIFReporter(version: "1.2.3").report(Fixture.empty, rules: []),
            SARIFReporter(version: "1.2.3", repository: RepositoryPaths(root: "/work/repo", workingDirectory: "/work/repo/db"))
                .report(LintResult(diagnostics: Fixture.result.diagnostics + [Fixture.diagnostic(.note, file: "/tmp/x.sql")],
                                   fileCount: 4), rules: Fixture.rules),
            SARIFReporter(version: "1.2.3").report(
                LintResult(diagnostics: [Fixture.diagnostic(.error, rule: "not-listed")], fileCount: 1),
                rules: Fixture.rules),
        ]
        for output in outputs {
            let (status, messages) = try Self.validate(output, schemaPath: schema)
            #expect(status == 0, "schema validation failed:\n\(messages)")
        }
    }

    private static let validator = """
        import json, sys
        import jsonschema
        with open(sys.argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        log = json.loads(sys.stdin.read())
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        errors = list(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(log))
        for e in errors:
            print("/".join(map(str, e.absolute_path)) + ": " + e.message)
        sys.exit(1 if errors else 0)
        """

    private static func validate(_ sarif: String, schemaPath: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", validator, schemaPath]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(sarif.utf8))
        try input.fileHandleForWriting.close()
        let messages = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, messages)
    }
}
