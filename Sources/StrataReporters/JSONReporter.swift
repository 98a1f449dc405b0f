import StrataCore

/// Machine-readable JSON, compact, keys in a fixed order, one trailing newline:
///
/// ```json
/// {"version":1,"summary":{"files":2,"errors":1,"warnings":0},"diagnostics":[{"file":"db/0002.sql",
/// "line":3,"column":1,"severity":"error","rule":"ban-drop-column","message":"...","help":null}]}
/// ```
///
/// `version` is the format's version, raised only when a key changes meaning or goes away. With
/// a suppressions file (strata-suppressions.json) the summary also has `"suppressed": N`. The
/// document is `JSONReport`, written by hand as the findings come (a large report is never
/// held whole, nor encoded value by value); the tests pin the two to the same JSON.
public struct JSONReporter: Reporter {
    public static let identifier = "json"
    public static let description = "JSON: a summary and every diagnostic, keys in a fixed order"

    /// The version of this JSON format.
    public static let formatVersion = 1

    /// Findings written past this many bytes wait in a temporary file, not in memory.
    public static let memoryLimit = 4 << 20

    public init() {}

    public func writer(rules: [RuleDescription], to output: ReportOutput) -> any ReportWriter {
        Writer(output: output)
    }

    /// The summary comes first but is known last: findings are written to `body` (memory, then
    /// a temporary file) and copied out behind the summary at the end.
    private final class Writer: ReportWriter {
        let output: ReportOutput
        let body = ReportOutput(spillingAfter: JSONReporter.memoryLimit)

        init(output: ReportOutput) { self.output = output }

        /// Each rule's help as a JSON literal, escaped once: every finding of a rule repeats
        /// the same help text, and a large report is mostly that.
        private var escapedHelp: [String: (help: String, json: [UInt8])] = [:]

        func add(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics {
                body.write(body.count == 0 ? "{\"file\":" as StaticString : ",{\"file\":")
                body.writeJSONString(diagnostic.file)
                body.write(",\"line\":" as StaticString)
                body.write(diagnostic.line)
                body.write(",\"column\":" as StaticString)
                body.write(diagnostic.column)
                body.write(",\"severity\":\"" as StaticString)
                body.write(diagnostic.severity.rawValue)
                body.write("\",\"rule\":" as StaticString)
                body.writeJSONString(diagnostic.rule)
                body.write(",\"message\":" as StaticString)
                body.writeJSONString(diagnostic.message)
                body.write(",\"help\":" as StaticString)
                if let help = diagnostic.help { writeHelp(help, of: diagnostic.rule) } else { body.write("null" as StaticString) }
                body.write("}" as StaticString)
            }
        }

        private func writeHelp(_ help: String, of rule: String) {
            if let cached = escapedHelp[rule] {
                // A help that quotes the finding's own SQL differs from the rule's first one:
                // written as it is, and the first one stays cached for the findings that repeat it.
                if cached.help == help { body.write(bytes: cached.json) } else { body.writeJSONString(help) }
                return
            }
            let literal = ReportOutput()
            literal.writeJSONString(help)
            let json = Array(literal.text.utf8)
            escapedHelp[rule] = (help, json)
            body.write(bytes: json)
        }

        func end(_ summary: LintSummary) {
            output.write("{\"version\":")
            output.write(JSONReporter.formatVersion)
            output.write(",\"summary\":{\"files\":")
            output.write(summary.fileCount)
            output.write(",\"errors\":")
            output.write(summary.errorCount)
            output.write(",\"warnings\":")
            output.write(summary.warningCount)
            if let bulk = summary.bulk {
                // Only with a suppressions file: the findings it kept out of the report.
                output.write(",\"suppressed\":")
                output.write(bulk.suppressed)
            }
            output.write("},\"diagnostics\":[")
            output.write(contentsOf: body)
            output.write("]}\n")
        }
    }
}
