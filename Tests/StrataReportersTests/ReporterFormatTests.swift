import StrataCore
import StrataReporters
import Testing

@Suite struct ReporterFormatTests {
    @Test func identifiersMatchTheFormatNames() {
        #expect(ReporterFormat.allCases.map(\.rawValue) == ["text", "json", "sarif", "github", "gitlab", "markdown"])
        for format in ReporterFormat.allCases {
            #expect(format.reporterType.identifier == format.rawValue)
            #expect(type(of: format.makeReporter(color: false)).identifier == format.rawValue)
            #expect(!format.summary.isEmpty)
        }
    }

    @Test func colourReachesOnlyTheTextReporter() {
        let text = ReporterFormat.text.makeReporter(color: true)
        #expect((text as? TextReporter)?.color == true)
        #expect((ReporterFormat.text.makeReporter(color: false) as? TextReporter)?.color == false)
        for format in ReporterFormat.allCases where format != .text {
            let output = format.makeReporter(color: true).report(Fixture.result, rules: Fixture.rules)
            #expect(!output.unicodeScalars.contains("\u{1B}"), "\(format)")
        }
    }

    /// The formats that link rules get the version and the template; the others have no links.
    @Test func ruleLinksReachSARIFAndMarkdown() throws {
        let docs = try RuleDocsURL(template: "https://docs.example.com/{version}/{rule}")
        let link = "https://docs.example.com/1.2.3/ban-drop-column"
        for format in ReporterFormat.allCases {
            let output = format.makeReporter(color: false, version: "1.2.3", ruleDocs: docs).report(Fixture.result, rules: Fixture.rules)
            #expect(output.contains(link) == [.sarif, .markdown].contains(format), "\(format)")
            #expect(!format.makeReporter(color: false, version: "1.2.3").report(Fixture.result, rules: Fixture.rules).contains(link))
        }
    }

    @Test func sarifGetsTheVersion() {
        let reporter = ReporterFormat.sarif.makeReporter(color: false, version: "1.2.3",
                                                         informationURI: "https://example.com/strata")
        #expect((reporter as? SARIFReporter)?.version == "1.2.3")
        #expect((reporter as? SARIFReporter)?.informationURI == "https://example.com/strata")
    }
}
