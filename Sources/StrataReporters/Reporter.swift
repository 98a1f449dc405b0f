import StrataCore

/// Turns the findings of a lint run into one output format.
///
/// Reporters only format: diagnostics arrive sorted and final, and a reporter neither re-orders,
/// filters nor re-grades them. A report is written as the findings arrive: `writer` starts it,
/// the writer takes each file's findings in report order, and `end` finishes it with the
/// summary, so a run with many findings never holds them all:
///
/// ```swift
/// let output = ReportOutput(fileDescriptor: 1)
/// let writer = ReporterFormat.json.makeReporter(color: false).writer(rules: rules, to: output)
/// let summary = try linter.lint(paths: ["migrations"]) { writer.add($0) }
/// writer.end(summary)
/// output.flush()
/// ```
public protocol Reporter: Sendable {
    /// The name used on the command line: `text`, `json`, `sarif`, `github`.
    static var identifier: String { get }
    /// One line for `--help`.
    static var description: String { get }
    /// Starts a report written to `output`. `rules` describes every rule known (SARIF lists them).
    func writer(rules: [RuleDescription], to output: ReportOutput) -> any ReportWriter
}

/// One report being written.
public protocol ReportWriter: AnyObject {
    /// Findings (of one file, or more), in report order.
    func add(_ diagnostics: [Diagnostic])
    /// Finishes the report: the counts of the whole run.
    func end(_ summary: LintSummary)
}

extension Reporter {
    /// The whole report for a finished lint run, as text.
    public func report(_ result: LintResult, rules: [RuleDescription]) -> String {
        let output = ReportOutput()
        let writer = writer(rules: rules, to: output)
        writer.add(result.diagnostics)
        writer.end(result.summary)
        return output.text
    }
}

extension LintResult {
    /// The counts a report ends with.
    public var summary: LintSummary {
        var summary = LintSummary(fileCount: fileCount)
        summary.count(diagnostics)
        summary.bulk = bulk
        return summary
    }
}
