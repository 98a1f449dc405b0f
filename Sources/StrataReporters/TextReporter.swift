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

    public func report(_ result: LintResult, rules: [RuleDescription]) -> String {
        var out = ""
        write(result, rules: rules, to: &out)
        return out
    }

    public func write<Output: TextOutputStream>(_ result: LintResult, rules: [RuleDescription], to output: inout Output) {
        for diagnostic in result.diagnostics {
            let position = "\(diagnostic.file):\(diagnostic.line):\(diagnostic.column)"
            let severity = diagnostic.severity.rawValue
            var out = paint(position, .bold) + ": "
            out += paint(severity, diagnostic.severity == .error ? .red : diagnostic.severity == .warning ? .yellow : .cyan) + ": "
            out += indentingContinuation(diagnostic.message, by: 2)
            out += " " + paint("[\(diagnostic.rule)]", .dim) + "\n"
            if let help = diagnostic.help {
                out += "  " + paint("help:", .cyan) + " " + indentingContinuation(help, by: 8) + "\n"
            }
            for note in diagnostic.notes {
                out += "  note: " + indentingContinuation(note, by: 8) + "\n"
            }
            output.write(out)
        }
        output.write(Self.summary(result) + "\n")
    }

    /// `3 files linted: 1 error, 2 warnings`, or `1 file linted: no problems`.
    static func summary(_ result: LintResult) -> String {
        var counts: [String] = []
        if result.errorCount > 0 { counts.append(counted(result.errorCount, "error")) }
        if result.warningCount > 0 { counts.append(counted(result.warningCount, "warning")) }
        let problems = counts.isEmpty ? "no problems" : counts.joined(separator: ", ")
        return "\(counted(result.fileCount, "file")) linted: \(problems)"
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
