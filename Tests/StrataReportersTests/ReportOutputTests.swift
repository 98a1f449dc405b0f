import Foundation
import StrataCore
import StrataReporters
import Testing

@Suite struct ReportOutputTests {
    /// Every control character, quote and backslash, at every place in an eight-byte block
    /// (escapes are found a block at a time), with ASCII and multi-byte text around them.
    @Test func jsonStringsParseBackToTheirText() throws {
        var samples: [String] = ["", "plain text with no escapes at all, longer than eight bytes", "café – ünïcödé ✓"]
        let specials: [Character] = ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}"]
        for special in specials {
            for position in 0..<17 {
                var text = String(repeating: "a", count: 20)
                text.insert(special, at: text.index(text.startIndex, offsetBy: position))
                samples.append(text)
                samples.append("é" + text)
            }
        }
        for sample in samples {
            let output = ReportOutput()
            output.writeJSONString(sample)
            let parsed = try JSONSerialization.jsonObject(with: Data(output.text.utf8), options: .fragmentsAllowed)
            #expect(parsed as? String == sample, "\(sample.debugDescription) → \(output.text)")
        }
    }

    @Test func aSpillingOutputKeepsEverythingInOrder() {
        let spilling = ReportOutput(spillingAfter: 1000)
        let memory = ReportOutput()
        for i in 0..<20_000 {
            spilling.write("line \(i)\n")
            memory.write("line \(i)\n")
        }
        #expect(spilling.count == memory.count)
        #expect(spilling.text == memory.text)
        let joined = ReportOutput()
        joined.write("[")
        joined.write(contentsOf: spilling)
        joined.write("]")
        #expect(joined.text == "[" + memory.text + "]")
    }

    /// A JSON report larger than the reporter keeps in memory (the rest waits in a temporary
    /// file) is the same document as one built in memory.
    @Test func aLargeJSONReportIsWholeAndValid() throws {
        let diagnostic = Fixture.result.diagnostics[2]
        let many = Array(repeating: diagnostic, count: JSONReporter.memoryLimit / 200 + 10)
        let output = ReportOutput()
        let writer = JSONReporter().writer(rules: [], to: output)
        for chunk in stride(from: 0, to: many.count, by: 1000) { writer.add(Array(many[chunk..<min(chunk + 1000, many.count)])) }
        writer.end(LintSummary(fileCount: 1, errorCount: many.count))
        #expect(output.count > JSONReporter.memoryLimit)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(output.text.utf8)) as? [String: Any])
        #expect((root["diagnostics"] as? [Any])?.count == many.count)
        #expect((root["summary"] as? [String: Any])?["errors"] as? Int == many.count)
    }
}
