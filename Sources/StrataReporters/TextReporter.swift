import StrataCore

/// The human format, one finding per line, then its help and notes, then a summary:
///
/// ```text
/// db/0002_drop.sql:3:1: error: dropping a column breaks running code [ban-drop-column]
///   help: stop reading the column first, drop it in a later migration
/// 2 files linted: 1 error
/// ```
///
/// ANSI colour (bold position, red `error`, yellow `warning`, cyan `help:`, dim rule id) only
/// when created with `color: true`; otherwise the output holds no escape codes.
public struct TextReporter: Reporter {
    public static let identifier = "text"
    public static let description = "Human-readable lines: path:line:col: severity: message [rule]"

    public var color: Bool

    public init(color: Bool = false) {
        self.color = color
    }

    public func writer(rules: [RuleDescription], to output: ReportOutput) -> any ReportWriter {
        Writer(reporter: self, output: output)
    }

    private final class Writer: ReportWriter {
        let reporter: TextReporter
        let output: ReportOutput

        init(reporter: TextReporter, output: ReportOutput) {
            self.reporter = reporter
            self.output = output
        }

        func add(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics { reporter.write(diagnostic, to: output) }
        }

        func end(_ summary: LintSummary) {
            output.write(TextReporter.summary(summary))
            output.write("\n")
        }
    }

    private func write(_ diagnostic: Diagnostic, to output: ReportOutput) {
        let position = "\(diagnostic.file):\(diagnostic.line):\(diagnostic.column)"
        let severity = diagnostic.severity.rawValue
        output.write(paint(position, .bold))
        output.write(": ")
        output.write(paint(severity, diagnostic.severity == .error ? .red : diagnostic.severity == .warning ? .yellow : .cyan))
        output.write(": ")
        output.write(indentingContinuation(diagnostic.message, by: 2))
        output.write(" ")
        output.write(paint("[\(diagnostic.rule)]", .dim))
        output.write("\n")
        if let help = diagnostic.help {
            output.write("  ")
            output.write(paint("help:", .cyan))
            output.write(" ")
            output.write(indentingContinuation(help, by: 8))
            output.write("\n")
        }
        for note in diagnostic.notes {
            output.write("  note: ")
            output.write(indentingContinuation(note, by: 8))
            output.write("\n")
        }
    }

    /// `3 files linted: 1 error, 2 warnings`, or `1 file linted: no problems`; then, when the
    /// suppressions file covered findings, `; 4 suppressed by strata-suppressions.json`.
    static func summary(_ summary: LintSummary) -> String {
        var counts: [String] = []
        if summary.errorCount > 0 { counts.append(counted(summary.errorCount, "error")) }
        if summary.warningCount > 0 { counts.append(counted(summary.warningCount, "warning")) }
        let problems = counts.isEmpty ? "no problems" : counts.joined(separator: ", ")
        var line = "\(counted(summary.fileCount, "file")) linted: \(problems)"
        if let bulk = summary.bulk, bulk.suppressed > 0 { line += "; \(bulk.suppressed) suppressed by \(bulk.displayName)" }
        return line
    }

    private static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    // MARK: - Layout and colour

    /// Lines after the first indented by `width` spaces, so a multi-line message stays under
    /// its finding.
    private func indentingContinuation(_ text: String, by width: Int) -> String {
        // Bytes first: ASCII text without a line break (nearly every message) is returned as is,
        // without walking its characters.
        let utf8 = text.utf8
        if !utf8.contains(where: { $0 >= 0x80 || (0x0A...0x0D).contains($0) }) { return text }
        guard text.contains(where: \.isNewline) else { return text }
        let padding = String(repeating: " ", count: width)
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .joined(separator: "\n" + padding)
    }

    private enum Style: String {
        case bold = "1", dim = "2", red = "31", yellow = "33", cyan = "36"
    }

    private func paint(_ text: String, _ style: Style) -> String {
        color ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}
