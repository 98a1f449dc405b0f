import Foundation
import StrataCore
import StrataReporters
import Testing

/// `--format markdown`: a pull-request comment or job summary, read by people on GitHub.
@Suite struct MarkdownReporterTests {
    static let docs = try! RuleDocsURL(template: "https://docs.example.com/strata/{version}/{rule}")

    @Test func golden() {
        let output = MarkdownReporter(version: "1.2.3", ruleDocs: Self.docs).report(Fixture.result, rules: Fixture.rules)
        #expect(output == #"""
            ### Strata: 2 errors, 1 warning

            3 files checked, findings in 2

            **`db/migrations/0001_init.sql`**

            | Line | Severity | Rule | Message |
            | ---: | --- | --- | --- |
            | 3:5 | error | [ban-drop-column](https://docs.example.com/strata/1.2.3/ban-drop-column) | Dropping a column breaks code that still reads it<br>**Help:** Stop reading the column first, then drop it in a later migration |
            | 7:1 | warning | [require-lock-timeout](https://docs.example.com/strata/1.2.3/require-lock-timeout) | ALTER TABLE without a lock timeout can queue behind long transactions<br>Note: lock\_timeout is not set in this file |

            **`db/migrations/0002_add café.sql`**

            | Line | Severity | Rule | Message |
            | ---: | --- | --- | --- |
            | 1:4 | error | [invalid-metadata](https://docs.example.com/strata/1.2.3/invalid-metadata) | Unknown key "reviewér" in C:\\meta, 100% ignored<br>keys: author, ticket<br>**Help:** Use one of: author, ticket |

            """#)
    }

    @Test func aCleanRunIsOneLine() {
        #expect(MarkdownReporter().report(LintResult(diagnostics: [], fileCount: 3), rules: Fixture.rules)
            == "### Strata: no findings in 3 files\n")
        #expect(MarkdownReporter().report(LintResult(diagnostics: [], fileCount: 1), rules: []) == "### Strata: no findings in 1 file\n")
        var suppressed = LintResult(diagnostics: [], fileCount: 2)
        suppressed.bulk = BulkSuppressions.Tally(displayName: "strata-suppressions.json")
        suppressed.bulk?.suppressed = 4
        #expect(MarkdownReporter().report(suppressed, rules: [])
            == "### Strata: no findings in 2 files; 4 suppressed by `strata-suppressions.json`\n")
    }

    @Test func totalsCountNotesAndSuppressed() {
        var result = LintResult(diagnostics: [Fixture.diagnostic(.warning), Fixture.diagnostic(.note, file: "b.sql")], fileCount: 5)
        result.bulk = BulkSuppressions.Tally(displayName: "db/suppressions.json")
        result.bulk?.suppressed = 1
        let output = MarkdownReporter().report(result, rules: [])
        #expect(output.hasPrefix("### Strata: 1 warning, 1 note\n\n5 files checked, findings in 2; 1 suppressed by `db/suppressions.json`\n\n"),
                "\(output)")
    }

    /// One table per file, in the order the findings come, whatever their severity.
    @Test func findingsAreGroupedByFile() {
        let result = LintResult(diagnostics: [
            Fixture.diagnostic(.error, file: "m/0001.sql", rule: "r1"),
            Fixture.diagnostic(.warning, file: "m/0001.sql", rule: "r2"),
            Fixture.diagnostic(.error, file: "m/0002.sql", rule: "r3"),
            Fixture.diagnostic(.note, file: "m/0003.sql", rule: "r4"),
            Fixture.diagnostic(.error, file: "m/0003.sql", rule: "r5"),
        ], fileCount: 4)
        let lines = MarkdownReporter().report(result, rules: []).split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("**`") } == ["**`m/0001.sql`**", "**`m/0002.sql`**", "**`m/0003.sql`**"])
        #expect(lines.filter { $0 == "| Line | Severity | Rule | Message |" }.count == 3)
        let rows = lines.filter { $0.hasPrefix("| 2:3 |") }
        #expect(rows.map { $0.split(separator: "|")[2].trimmingCharacters(in: .whitespaces) } == ["r1", "r2", "r3", "r4", "r5"])
        #expect(rows.map { $0.split(separator: "|")[1].trimmingCharacters(in: .whitespaces) } == ["error", "warning", "error", "note", "error"])
        #expect(lines.contains("4 files checked, findings in 3"))
    }

    /// What a message holds shows as it is: nothing in it opens a link, an emphasis, code,
    /// maths, HTML, a new cell or a new line of the table, nor mentions anyone.
    @Test(arguments: [
        ("a | b", #"a \| b"#),
        ("`x` and ``y``", #"\`x\` and \`\`y\`\`"#),
        ("<script>alert(1)</script> & <br>", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;br&gt;"),
        ("&copy; &#124;", "&amp;copy; &amp;#124;"),
        ("*a* _b_ ~~c~~ **d**", #"\*a\* \_b\_ \~\~c\~\~ \*\*d\*\*"#),
        ("[x](http://evil) ![i](y)", #"\[x\](http://evil) !\[i\](y)"#),
        (#"C:\path\*"#, #"C:\\path\\\*"#),
        ("$$ SELECT $1 $$", #"\$\$ SELECT \$1 \$\$"#),
        ("line 1\nline 2\r\nline 3\rline 4", "line 1<br>line 2<br>line 3<br>line 4"),
        ("tab\there, nul\u{0}, bell\u{7}", "tab here, nul\u{FFFD}, bell\u{FFFD}"),
        ("@rollbackSafe: true, cc @octocat", "@\u{2060}rollbackSafe: true, cc @\u{2060}octocat"),
        ("user@example.com, @ alone, @@x", "user@example.com, @ alone, @@\u{2060}x"),
        ("café — 日本", "café — 日本"),
    ])
    func messagesAreEscaped(message: String, cell: String) throws {
        let result = LintResult(diagnostics: [Fixture.diagnostic(.error, message: message)], fileCount: 1)
        let output = MarkdownReporter().report(result, rules: [])
        let row = try #require(output.split(separator: "\n").first { $0.hasPrefix("| 2:3 |") }, "\(output)")
        #expect(row == "| 2:3 | error | some-rule | \(cell) |")
    }

    /// The same escaping for help and notes; the table keeps its four columns.
    @Test func helpAndNotesAreEscapedToo() throws {
        let result = LintResult(diagnostics: [
            Fixture.diagnostic(.warning, message: "SELECT a || b", help: "use `x` | <y>\nthen z",
                               notes: ["@team see | here"]),
        ], fileCount: 1)
        let output = MarkdownReporter().report(result, rules: [])
        let row = try #require(output.split(separator: "\n").first { $0.hasPrefix("| 2:3 |") })
        #expect(row == "| 2:3 | warning | some-rule | SELECT a \\|\\| b<br>**Help:** use <code>x</code> \\| &lt;y&gt;<br>then z<br>Note: @\u{2060}team see \\| here |")
        // Unescaped pipes delimit exactly the five cell borders.
        let bare = row.unicodeScalars.indices.filter { index in
            row.unicodeScalars[index] == "|" && (index == row.unicodeScalars.startIndex || row.unicodeScalars[row.unicodeScalars.index(before: index)] != "\\")
        }
        #expect(bare.count == 5)
    }

    /// What a message quotes between backticks is code (GitHub allows `<code>` in a cell), its
    /// content escaped like the rest so a `|` or `*` in SQL stays literal; an odd backtick is
    /// no quote and stays escaped.
    @Test func quotedSQLIsCodeAndAStrayBacktickIsText() throws {
        func cell(_ message: String) throws -> String {
            let result = LintResult(diagnostics: [Fixture.diagnostic(.error, message: message)], fileCount: 1)
            let output = MarkdownReporter().report(result, rules: [])
            let row = try #require(output.split(separator: "\n").first { $0.hasPrefix("| 2:3 |") })
            return String(row.dropFirst("| 2:3 | error | some-rule | ".count).dropLast(" |".count))
        }
        #expect(try cell("add `CREATE INDEX i ON t (a || b) -- *x*`, then")
                == "add <code>CREATE INDEX i ON t (a \\|\\| b) -- \\*x\\*</code>, then")
        #expect(try cell("a ` alone") == "a \\` alone")
        #expect(try cell("`a` and `b`") == "<code>a</code> and <code>b</code>")
    }

    /// A path is a code span however many backticks it holds; control characters cannot
    /// break it over lines.
    @Test(arguments: [
        ("db/0001_a|b.sql", "**`db/0001_a|b.sql`**"),
        ("db/`odd`.sql", "**``db/`odd`.sql``**"),
        ("`odd`.sql", "**`` `odd`.sql ``**"),
        ("db/a``b.sql", "**```db/a``b.sql```**"),
        ("db/new\nline.sql", "**`db/new\u{FFFD}line.sql`**"),
        (" lead.sql", "**`  lead.sql `**"),
    ])
    func pathsAreCodeSpans(file: String, line: String) {
        let result = LintResult(diagnostics: [Fixture.diagnostic(.error, file: file)], fileCount: 1)
        let output = MarkdownReporter().report(result, rules: [])
        #expect(output.split(separator: "\n").map(String.init).contains(line), "\(output)")
    }

    @Test func pathsStartAtTheRepositoryRoot() {
        let result = LintResult(diagnostics: [Fixture.diagnostic(.warning, file: "migrations/0001_init.sql")], fileCount: 1)
        let output = MarkdownReporter(repository: RepositoryPathsTests.paths).report(result, rules: [])
        #expect(output.contains("**`services/api/migrations/0001_init.sql`**\n"), "\(output)")
        let outside = LintResult(diagnostics: [Fixture.diagnostic(.warning, file: "/tmp/x.sql")], fileCount: 1)
        #expect(MarkdownReporter(repository: RepositoryPathsTests.paths).report(outside, rules: []).contains("**`/tmp/x.sql`**\n"))
    }

    /// Links go to the default pages (the tag of the version), a template's, and only for rules
    /// known; without `ruleDocs`, rules are named without a link.
    @Test func ruleLinks() throws {
        let result = LintResult(diagnostics: [
            Fixture.diagnostic(.error, rule: "ban-drop-column"), Fixture.diagnostic(.error, rule: "not-listed"),
        ], fileCount: 1)
        let standard = MarkdownReporter(version: "0.4.0", ruleDocs: .standard).report(result, rules: Fixture.rules)
        #expect(standard.contains("| [ban-drop-column](https://github.com/strata-migrations/strata/blob/v0.4.0/docs/rules/ban-drop-column.md) |"), "\(standard)")
        #expect(standard.contains("| not-listed |"))
        let custom = try RuleDocsURL(template: "https://wiki.example.com/x_(strata)/{rule}?v={version}")
        let linked = MarkdownReporter(version: "2.0", ruleDocs: custom).report(result, rules: Fixture.rules)
        #expect(linked.contains(#"| [ban-drop-column](https://wiki.example.com/x_\(strata\)/ban-drop-column?v=2.0) |"#), "\(linked)")
        let plain = MarkdownReporter().report(result, rules: Fixture.rules)
        #expect(plain.contains("| ban-drop-column |") && !plain.contains("]("))
    }

    /// Past the limit the report stops at a whole row and says how many findings are left
    /// out, in how many files; it never exceeds the limit.
    @Test func longReportsAreCutCleanly() {
        let files = (1...300).map { String(format: "migrations/%04d_change.sql", $0) }
        let diagnostics = files.flatMap { file in
            (1...5).map { _ in Fixture.diagnostic(.error, file: file, rule: "ban-drop-column",
                                                  message: String(repeating: "dropping a column | breaks code ", count: 3),
                                                  help: "Stop reading the column first") }
        }
        let result = LintResult(diagnostics: diagnostics, fileCount: 300)
        let output = MarkdownReporter(ruleDocs: .standard).report(result, rules: Fixture.rules)
        #expect(output.utf8.count <= MarkdownReporter.defaultLimit)
        #expect(output.utf8.count > MarkdownReporter.defaultLimit - 2_000)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let shown = lines.count { $0.hasPrefix("| 2:3 |") }
        #expect(shown > 0 && shown < 1500)
        #expect(lines.filter { $0.hasPrefix("| 2:3 |") }.allSatisfy { $0.hasSuffix(" |") })
        let shownFiles = lines.count { $0.hasPrefix("**`migrations/") }
        let partly = shown % 5 == 0 ? 0 : 1
        // The table's last row, a blank line, then the count of what is left out.
        #expect(Array(lines.suffix(3)) == [
            "", "**\(1500 - shown) more findings in \(300 - shownFiles + partly) files are not shown** (the report stays under GitHub's 65,536-character comment limit); the text, JSON or SARIF format lists every finding", "",
        ])
        #expect(lines.dropLast(3).last?.hasPrefix("| 2:3 | error |") == true)
        #expect(output.hasPrefix("### Strata: 1500 errors\n\n300 files checked, findings in 300\n\n"))
    }

    @Test func oneFindingOverTheLimitIsCountedAlone() {
        let result = LintResult(diagnostics: [
            Fixture.diagnostic(.error, file: "a.sql", message: "short"),
            Fixture.diagnostic(.error, file: "a.sql", message: String(repeating: "x", count: 5_000)),
        ], fileCount: 1)
        let output = MarkdownReporter(limit: 4_000).report(result, rules: [])
        #expect(output.utf8.count <= 4_000)
        #expect(output.contains("| 2:3 | error | some-rule | short |\n"))
        #expect(output.contains("\n**1 more finding in 1 file is not shown** ("), "\(output)")
    }

    @Test func streamedInPiecesAsWhole() {
        let output = ReportOutput()
        let writer = MarkdownReporter(ruleDocs: Self.docs).writer(rules: Fixture.rules, to: output)
        for diagnostic in Fixture.result.diagnostics { writer.add([diagnostic]) }
        writer.end(Fixture.result.summary)
        #expect(output.text == MarkdownReporter(ruleDocs: Self.docs).report(Fixture.result, rules: Fixture.rules))
    }
}
