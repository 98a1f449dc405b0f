import StrataCore

/// Turns the outcome of a lint run into text for one output format.
///
/// Reporters only format: diagnostics arrive sorted and final, and a reporter neither re-orders,
/// filters nor re-grades them.
///
/// ```swift
/// let reporter = ReporterFormat.json.makeReporter(color: false)
/// print(reporter.report(result, rules: knownRules), terminator: "")
/// ```
public protocol Reporter: Sendable {
    /// The name used on the command line: `text`, `json`, `sarif`, `github`.
    static var identifier: String { get }
    /// One line for `--help`.
    static var description: String { get }
    /// The whole report for a lint run. `rules` describes every rule known (SARIF lists them).
    func report(_ result: LintResult, rules: [RuleDescription]) -> String
    /// The same report written piece by piece, so a run with many findings never holds the
    /// whole text at once. The default writes `report(_:rules:)` in one piece.
    func write<Output: TextOutputStream>(_ result: LintResult, rules: [RuleDescription], to output: inout Output)
}

extension Reporter {
    public func write<Output: TextOutputStream>(_ result: LintResult, rules: [RuleDescription], to output: inout Output) {
        output.write(report(result, rules: rules))
    }
}
