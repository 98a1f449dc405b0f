import StrataCore
import StrataRules
import StrataSyntax
import Testing

@Suite("strata-suppressions.json")
struct SuppressionsFileTests {
    func parse(_ text: String) throws(InputError) -> SuppressionsFile {
        try SuppressionsFile.parse(Array(text.utf8), shownAs: "strata-suppressions.json")
    }

    func failure(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.errorDescription
        }
    }

    @Test func textIsSortedByBytesAndReadsBackTheSame() throws {
        let file = SuppressionsFile(entries: [
            "migrations/b.sql": ["z-rule": 2, "a-rule": 1],
            "migrations/B.sql": ["m-rule": 3],
            "migrations/a.sql": ["gone": 0],
        ])
        #expect(file.text == """
            {
              "version": 1,
              "files": {
                "migrations/B.sql": {
                  "m-rule": {
                    "count": 3
                  }
                },
                "migrations/b.sql": {
                  "a-rule": {
                    "count": 1
                  },
                  "z-rule": {
                    "count": 2
                  }
                }
              }
            }

            """)
        #expect(try parse(file.text) == file)
        #expect(file.findingCount == 6 && file.ruleIDs == ["a-rule", "m-rule", "z-rule"])
        #expect(SuppressionsFile().text == "{\n  \"version\": 1,\n  \"files\": {}\n}\n")
        #expect(try parse(SuppressionsFile().text) == SuppressionsFile())
    }

    @Test(arguments: [
        ("", "strata-suppressions.json:1:1: malformed JSON: unexpected end of file"),
        ("[]", "strata-suppressions.json:1:1: expected an object {\"version\": 1, \"files\": {...}}"),
        ("{\"files\": {}}", "strata-suppressions.json:1:1: `version` is missing (expected \"version\": 1)"),
        ("{\"version\": 2, \"files\": {}}", "strata-suppressions.json:1:13: version 2 is not known to this strata (it reads version 1)"),
        ("{\"version\": 1,\n\"files\": {\"a.sql\": {\"r\": {\"count\": 1}}, \"a.sql\": {}}}", "strata-suppressions.json:2:41: key given twice: \"a.sql\""),
        ("{\"version\": 1,\n\"files\": {\"a.sql\": {\"r\": {\"count\": 1.5}}}}", "strata-suppressions.json:2:36: `count` must be a whole number of 1 or more"),
        ("{\"version\": 1,\n\"files\": {\"a.sql\": {\"r\": {\"count\": 1, \"line\": 3}}}}", "strata-suppressions.json:2:39: unknown key 'line'; an entry has only `count`"),
        ("{\"version\": 1,\n\"files\": {\"a.sql\": {\"r\": 1}}}", "strata-suppressions.json:2:26: the entry of rule 'r' must be an object {\"count\": N}"),
        ("{\"version\": 1,\n\"files\": {\"/abs/a.sql\": {}}}", "strata-suppressions.json:2:11: a file must be named by its path relative to the project root"),
        ("{\"version\": 1, \"file\": {}}", "strata-suppressions.json:1:16: unknown key 'file'; known keys: version, files"),
        ("{\"version\": 1,\n  \"files\": {\n    \"a.sql\": {\n<<<<<<< HEAD\n", "strata-suppressions.json:4:1: malformed JSON: expected a key in double quotes"),
        ("{\"version\": 1} x", "strata-suppressions.json:1:16: malformed JSON: unexpected text after the JSON value"),
    ])
    func malformedFilesNameLineAndColumn(_ text: String, _ expected: String) {
        #expect(failure(text) == expected)
    }

    @Test func keysAreRelativeToTheProjectRoot() {
        let bulk = BulkSuppressions(file: SuppressionsFile(), projectRoot: "/repo", workingDirectory: "/repo/db/migrations", displayName: "x")
        #expect(bulk.key(for: "0001_a.sql") == "db/migrations/0001_a.sql")
        #expect(bulk.key(for: "./../migrations//0001_a.sql") == "db/migrations/0001_a.sql")
        #expect(bulk.key(for: "/repo/db/migrations/0001_a.sql") == "db/migrations/0001_a.sql")
        #expect(bulk.key(for: "/elsewhere/x.sql") == "../elsewhere/x.sql")
    }

    /// The engine, through `Linter`: counts per file and rule, whatever the lines.
    @Test func linterSuppressesUpToTheCountAndReportsAllBeyondIt() {
        func lint(_ sql: String, recorded: Int) -> LintResult {
            var linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .plain)
            linter.bulkSuppressions = BulkSuppressions(file: SuppressionsFile(entries: ["m/1.sql": ["drop-table": recorded]]),
                                                       projectRoot: "/p", workingDirectory: "/p", displayName: "s.json")
            return linter.lint([MigrationInput(id: "1", path: "m/1.sql", bytes: Array(sql.utf8))])
        }
        let two = "DROP TABLE a;\nDROP TABLE b;\n"
        let baseline = lint(two, recorded: 0)
        #expect(baseline.diagnostics.filter { $0.rule == "drop-table" }.count == 2, "\(baseline.diagnostics)")
        #expect(lint(two, recorded: 2).diagnostics.filter { $0.rule == "drop-table" }.isEmpty)
        #expect(lint(two, recorded: 2).bulk?.suppressed == 2)
        #expect(lint(two, recorded: 2).bulk?.found["m/1.sql"]?["drop-table"] == 2)
        #expect(lint(two, recorded: 2).bulk?.checkedFiles == ["m/1.sql"])
        let beyond = lint(two, recorded: 1).diagnostics.filter { $0.rule == "drop-table" }
        #expect(beyond.count == 2)
        #expect(beyond.allSatisfy { $0.help?.hasSuffix("s.json records 1 drop-table finding in this file and 2 are found, so all are reported (which is new cannot be told): fix the new one, or run `strata lint --suppress-all` to record them all") == true })
        #expect(lint("\n\n-- moved\n" + two, recorded: 2).diagnostics.filter { $0.rule == "drop-table" }.isEmpty)
    }
}
