import StrataCore
import StrataReporters
import Testing

@Suite struct TextReporterTests {
    @Test func golden() {
        let output = TextReporter(color: false).report(Fixture.result, rules: Fixture.rules)
        #expect(output == #"""
            db/migrations/0001_init.sql:3:5: error: Dropping a column breaks code that still reads it [ban-drop-column]
              help: Stop reading the column first, then drop it in a later migration
            db/migrations/0001_init.sql:7:1: warning: ALTER TABLE without a lock timeout can queue behind long transactions [require-lock-timeout]
              note: lock_timeout is not set in this file
            db/migrations/0002_add café.sql:1:4: error: Unknown key "reviewér" in C:\meta, 100% ignored
              keys: author, ticket [invalid-metadata]
              help: Use one of: author, ticket
            3 files linted: 2 errors, 1 warning

            """#)
    }

    @Test func emptyResult() {
        #expect(TextReporter().report(Fixture.empty, rules: []) == "0 files linted: no problems\n")
    }

    @Test(arguments: [
        (LintResult(diagnostics: [], fileCount: 1), "1 file linted: no problems"),
        (LintResult(diagnostics: [], fileCount: 2), "2 files linted: no problems"),
        (LintResult(diagnostics: [Fixture.diagnostic(.error)], fileCount: 1), "1 file linted: 1 error"),
        (LintResult(diagnostics: [Fixture.diagnostic(.warning)], fileCount: 1), "1 file linted: 1 warning"),
        (LintResult(diagnostics: [Fixture.diagnostic(.warning), Fixture.diagnostic(.warning)], fileCount: 1),
         "1 file linted: 2 warnings"),
        (LintResult(diagnostics: [Fixture.diagnostic(.error), Fixture.diagnostic(.error),
                                  Fixture.diagnostic(.warning)], fileCount: 5),
         "5 files linted: 2 errors, 1 warning"),
    ])
    func summaryLine(result: LintResult, expected: String) {
        let lines = TextReporter().report(result, rules: []).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.suffix(2) == [Substring(expected), ""])
    }

    @Test func colourOn() {
        let result = LintResult(diagnostics: [
            Fixture.diagnostic(.error, rule: "ban-drop-column", message: "Boom", help: "Do less", notes: ["Noted"]),
            Fixture.diagnostic(.warning, rule: "require-lock-timeout", message: "Careful"),
        ], fileCount: 1)
        let output = TextReporter(color: true).report(result, rules: [])
        #expect(output == #"""
            \#u{1B}[1ma.sql:2:3\#u{1B}[0m: \#u{1B}[31merror\#u{1B}[0m: Boom \#u{1B}[2m[ban-drop-column]\#u{1B}[0m
              \#u{1B}[36mhelp:\#u{1B}[0m Do less
              note: Noted
            \#u{1B}[1ma.sql:2:3\#u{1B}[0m: \#u{1B}[33mwarning\#u{1B}[0m: Careful \#u{1B}[2m[require-lock-timeout]\#u{1B}[0m
            1 file linted: 1 error, 1 warning

            """#)
    }

    @Test func colourOffHasNoEscapeCodes() {
        let output = TextReporter(color: false).report(Fixture.result, rules: Fixture.rules)
        #expect(!output.unicodeScalars.contains("\u{1B}"))
        #expect(TextReporter().color == false)
    }
}
