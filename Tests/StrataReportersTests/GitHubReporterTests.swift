import StrataCore
import StrataReporters
import Testing

@Suite struct GitHubReporterTests {
    @Test func golden() {
        let output = GitHubReporter().report(Fixture.result, rules: Fixture.rules)
        #expect(output == #"""
            ::error file=db/migrations/0001_init.sql,line=3,col=5,title=ban-drop-column::Dropping a column breaks code that still reads it%0AStop reading the column first, then drop it in a later migration
            ::warning file=db/migrations/0001_init.sql,line=7,col=1,title=require-lock-timeout::ALTER TABLE without a lock timeout can queue behind long transactions
            ::error file=db/migrations/0002_add café.sql,line=1,col=4,title=invalid-metadata::Unknown key "reviewér" in C:\meta, 100%25 ignored%0Akeys: author, ticket%0AUse one of: author, ticket

            """#)
    }

    @Test func emptyResultPrintsNothing() {
        #expect(GitHubReporter().report(Fixture.empty, rules: Fixture.rules) == "")
        #expect(GitHubReporter().report(LintResult(diagnostics: [], fileCount: 4), rules: []) == "")
    }

    /// Property values also escape `:` and `,`, which would end the property; the message
    /// escapes only `%`, CR and LF.
    @Test func propertyEscaping() {
        let diagnostic = Fixture.diagnostic(
            .warning, file: "odd,dir/a:b%\r\n.sql", rule: "x:y,z", message: "a:b,c%d\r\ne")
        let output = GitHubReporter().report(LintResult(diagnostics: [diagnostic], fileCount: 1), rules: [])
        #expect(output
            == "::warning file=odd%2Cdir/a%3Ab%25%0D%0A.sql,line=2,col=3,title=x%3Ay%2Cz::a:b,c%25d%0D%0Ae\n")
    }
}

@Suite struct NoteSeverityTests {
    /// Notes print as GitHub `notice` lines and SARIF `note` results.
    @Test func notesKeepTheirLevelInEveryFormat() throws {
        let note = Fixture.diagnostic(.note, rule: "create-index-non-concurrent", message: "skipped: t is new")
        let result = LintResult(diagnostics: [note], fileCount: 1)
        #expect(GitHubReporter().report(result, rules: []).hasPrefix("::notice file="))
        let sarif = SARIFReporter(version: "0").report(result, rules: [])
        #expect(sarif.contains(#""level": "note""#), "\(sarif)")
        #expect(TextReporter(color: false).report(result, rules: []).contains(": note: skipped: t is new"))
        #expect(TextReporter(color: false).report(result, rules: []).hasSuffix("1 file linted: no problems\n"))
    }
}
