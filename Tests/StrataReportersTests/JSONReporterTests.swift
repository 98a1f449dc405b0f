import Foundation
import StrataCore
import StrataReporters
import Testing

@Suite struct JSONReporterTests {
    @Test func golden() {
        let output = JSONReporter().report(Fixture.result, rules: Fixture.rules)
        let expected = [
            #"{"version":1,"summary":{"files":3,"errors":2,"warnings":1},"diagnostics":["#,
            #"{"file":"db/migrations/0001_init.sql","line":3,"column":5,"severity":"error","#,
            #""rule":"ban-drop-column","message":"Dropping a column breaks code that still reads it","#,
            #""help":"Stop reading the column first, then drop it in a later migration"},"#,
            #"{"file":"db/migrations/0001_init.sql","line":7,"column":1,"severity":"warning","#,
            #""rule":"require-lock-timeout","#,
            #""message":"ALTER TABLE without a lock timeout can queue behind long transactions","help":null},"#,
            #"{"file":"db/migrations/0002_add café.sql","line":1,"column":4,"severity":"error","#,
            #""rule":"invalid-metadata","#,
            #""message":"Unknown key \"reviewér\" in C:\\meta, 100% ignored\nkeys: author, ticket","#,
            #""help":"Use one of: author, ticket"}]}"#,
            "\n",
        ].joined()
        #expect(output == expected)
    }

    @Test func emptyResult() {
        #expect(JSONReporter().report(Fixture.empty, rules: [])
            == #"{"version":1,"summary":{"files":0,"errors":0,"warnings":0},"diagnostics":[]}"# + "\n")
    }

    @Test func parsesBackToTheSameValues() throws {
        let output = JSONReporter().report(Fixture.result, rules: Fixture.rules)
        #expect(output.hasSuffix("}\n") && !output.dropLast().contains("\n"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(root["version"] as? Int == 1)
        let summary = try #require(root["summary"] as? [String: Any])
        #expect(summary["files"] as? Int == 3)
        #expect(summary["errors"] as? Int == 2)
        #expect(summary["warnings"] as? Int == 1)
        let diagnostics = try #require(root["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == Fixture.result.diagnostics.count)
        for (json, diagnostic) in zip(diagnostics, Fixture.result.diagnostics) {
            #expect(json["file"] as? String == diagnostic.file)
            #expect(json["line"] as? Int == diagnostic.line)
            #expect(json["column"] as? Int == diagnostic.column)
            #expect(json["severity"] as? String == diagnostic.severity.rawValue)
            #expect(json["rule"] as? String == diagnostic.rule)
            #expect(json["message"] as? String == diagnostic.message)
            if let help = diagnostic.help {
                #expect(json["help"] as? String == help)
            } else {
                #expect(json["help"] is NSNull)
            }
        }
    }

    @Test func keysInTheDocumentedOrder() {
        let output = JSONReporter().report(
            LintResult(diagnostics: [Fixture.diagnostic(.warning)], fileCount: 1), rules: [])
        #expect(output == #"""
            {"version":1,"summary":{"files":1,"errors":0,"warnings":1},"diagnostics":[{"file":"a.sql","line":2,"column":3,"severity":"warning","rule":"some-rule","message":"Something","help":null}]}

            """#)
    }

    /// Quotes, backslashes and control characters escaped; `/`, non-ASCII, emoji and DEL as is.
    @Test func escaping() throws {
        let message = "q\" b\\ s/ n\n r\r t\t nul\u{0} bell\u{7} us\u{1F} del\u{7F} é 🦆 \u{2028}"
        let output = JSONReporter().report(
            LintResult(diagnostics: [Fixture.diagnostic(.error, message: message)], fileCount: 1), rules: [])
        #expect(output.contains(
            #""message":"q\" b\\ s/ n\n r\r t\t nul\u0000 bell\u0007 us\u001f del\#u{7F} é 🦆 \#u{2028}","#))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let diagnostics = try #require(root["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.first?["message"] as? String == message)
    }
}
