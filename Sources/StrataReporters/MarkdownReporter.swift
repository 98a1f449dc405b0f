import StrataCore

/// GitHub-flavoured Markdown for a pull-request comment or a job summary (`$GITHUB_STEP_SUMMARY`):
/// a heading with the totals, then a table per file with each finding's position, severity,
/// rule (linked to its page) and message, the help and notes under it:
///
/// ```markdown
/// ### Strata: 1 error, 1 warning
///
/// 3 files checked, findings in 1
///
/// **`db/migrations/0002_drop.sql`**
///
/// | Line | Severity | Rule | Message |
/// | ---: | --- | --- | --- |
/// | 3:1 | error | [ban-drop-column](https://…/ban-drop-column.md) | dropping column … <br>**Help:** … |
/// ```
///
/// A clean run is one line: `### Strata: no findings in 3 files`. Inside a git repository paths
/// start at its root, as in the other formats CI reads. Messages are escaped so that nothing in
/// them is read as Markdown or HTML (SQL is full of `|`, `*`, backticks, `<` and `$`), and an
/// `@name` in one mentions nobody. GitHub refuses a comment over 65,536 characters: past
/// `limit` bytes the findings left are counted in a last line instead of shown.
public struct MarkdownReporter: Reporter {
    public static let identifier = "markdown"
    public static let description = "GitHub-flavoured Markdown: a table per file, for a pull-request comment or job summary"

    /// The most characters GitHub takes in a comment.
    public static let gitHubCommentLimit = 65_536
    /// The most bytes a report holds unless told otherwise: a character is a byte or more, so
    /// the report fits a comment however GitHub counts, with room for a line the caller adds
    /// (a marker that finds the comment to update next time).
    public static let defaultLimit = 60_000
    /// Bytes kept for the heading and the last line, written after the tables are.
    static let reserve = 1_000

    /// Strata's version, for the rule links' `{version}`.
    public var version: String
    /// Where rule links point; nil: rules are named without a link.
    public var ruleDocs: RuleDocsURL?
    /// The git repository paths start from; nil: paths as the findings name them.
    public var repository: RepositoryPaths?
    /// The most bytes the report holds.
    public var limit: Int

    public init(version: String = "dev", ruleDocs: RuleDocsURL? = nil, repository: RepositoryPaths? = nil,
                limit: Int = MarkdownReporter.defaultLimit) {
        self.version = version
        self.ruleDocs = ruleDocs
        self.repository = repository
        self.limit = limit
    }

    public func writer(rules: [RuleDescription], to output: ReportOutput) -> any ReportWriter {
        Writer(reporter: self, known: Set(rules.map(\.id)), output: output)
    }

    /// The totals come first but are known last, and the tables must stop before the limit: the
    /// tables are kept (at most `limit` bytes) and written behind the heading at the end.
    private final class Writer: ReportWriter {
        let reporter: MarkdownReporter
        let known: Set<String>
        let output: ReportOutput
        let tables = ReportOutput()
        var file: String?
        var filesWithFindings = 0
        /// Findings left out past the limit, and the files they are in.
        var omitted = 0
        var omittedFiles = 0
        var lastOmittedFile: String?
        /// Each rule's cell, built once.
        var ruleCells: [String: String] = [:]

        init(reporter: MarkdownReporter, known: Set<String>, output: ReportOutput) {
            self.reporter = reporter
            self.known = known
            self.output = output
        }

        func add(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics {
                let path = reporter.repository?.relative(diagnostic.file) ?? diagnostic.file
                let newFile = path != file
                if newFile {
                    file = path
                    filesWithFindings += 1
                }
                if omitted == 0 {
                    var chunk = ""
                    if newFile {
                        if tables.count > 0 { chunk += "\n" }
                        chunk += "**" + MarkdownReporter.codeSpan(path) + "**\n\n| Line | Severity | Rule | Message |\n| ---: | --- | --- | --- |\n"
                    }
                    chunk += row(diagnostic)
                    if tables.count + chunk.utf8.count <= reporter.limit - MarkdownReporter.reserve {
                        tables.write(chunk)
                        continue
                    }
                }
                omitted += 1
                if lastOmittedFile != path {
                    omittedFiles += 1
                    lastOmittedFile = path
                }
            }
        }

        private func row(_ diagnostic: Diagnostic) -> String {
            var cell = MarkdownReporter.prose(diagnostic.message)
            if let help = diagnostic.help { cell += "<br>**Help:** " + MarkdownReporter.prose(help) }
            for note in diagnostic.notes { cell += "<br>Note: " + MarkdownReporter.prose(note) }
            return "| \(diagnostic.line):\(diagnostic.column) | \(diagnostic.severity.rawValue) | \(ruleCell(diagnostic.rule)) | \(cell) |\n"
        }

        private func ruleCell(_ rule: String) -> String {
            if let cell = ruleCells[rule] { return cell }
            var cell = MarkdownReporter.escaped(rule)
            if known.contains(rule), let docs = reporter.ruleDocs {
                cell = "[\(cell)](\(MarkdownReporter.linkDestination(docs.url(rule: rule, version: reporter.version))))"
            }
            ruleCells[rule] = cell
            return cell
        }

        func end(_ summary: LintSummary) {
            var suppressed = ""
            if let bulk = summary.bulk, bulk.suppressed > 0 {
                suppressed = "\(bulk.suppressed) suppressed by \(MarkdownReporter.codeSpan(bulk.displayName))"
            }
            var counts: [String] = []
            if summary.errorCount > 0 { counts.append(counted(summary.errorCount, "error")) }
            if summary.warningCount > 0 { counts.append(counted(summary.warningCount, "warning")) }
            if summary.noteCount > 0 { counts.append(counted(summary.noteCount, "note")) }
            guard !counts.isEmpty || filesWithFindings > 0 else {
                output.write("### Strata: no findings in \(counted(summary.fileCount, "file"))")
                output.write(suppressed.isEmpty ? "\n" : "; \(suppressed)\n")
                return
            }
            output.write("### Strata: \(counts.joined(separator: ", "))\n\n")
            output.write("\(counted(summary.fileCount, "file")) checked, findings in \(filesWithFindings)")
            output.write(suppressed.isEmpty ? "\n\n" : "; \(suppressed)\n\n")
            output.write(contentsOf: tables)
            if omitted > 0 {
                let findings = omitted == 1 ? "1 more finding" : "\(omitted) more findings"
                output.write("\n**\(findings) in \(counted(omittedFiles, "file")) \(omitted == 1 ? "is" : "are") not shown**")
                output.write(" (the report stays under GitHub's 65,536-character comment limit); the text, JSON or SARIF format lists every finding\n")
            }
        }

        private func counted(_ count: Int, _ noun: String) -> String {
            "\(count) \(noun)\(count == 1 ? "" : "s")"
        }
    }

    // MARK: - Escaping

    /// A message or help text: what it quotes between single backticks (`CREATE INDEX …`, a
    /// file's marker) as code, the rest as `escaped` text. The code is an HTML `<code>` element
    /// holding the escaped text, not a Markdown code span: a table cell cannot hold a backtick
    /// span with a `|` in it, and escaping stays one function. An odd backtick count, or two
    /// together, means the backticks are not quotes: all of the text is escaped as it is.
    static func prose(_ text: String) -> String {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count > 1, parts.count % 2 == 1,
              parts.indices.allSatisfy({ $0 % 2 == 0 || !parts[$0].isEmpty }) else { return escaped(text) }
        var out = ""
        for (index, part) in parts.enumerated() {
            out += index % 2 == 0 ? escaped(String(part)) : "<code>" + escaped(String(part)) + "</code>"
        }
        return out
    }

    /// `text` as Markdown that shows it as it is, in a table cell or a line: Markdown's inline
    /// punctuation and `$` (GitHub's maths) backslash-escaped, `<`, `>` and `&` as HTML
    /// entities, a `|` escaped so the cell does not end, line breaks as `<br>`, other control
    /// characters as U+FFFD, and a word joiner after an `@` that starts a name, which would
    /// otherwise notify whoever GitHub has by that name.
    static func escaped(_ text: String) -> String {
        var out = ""
        var previous: Unicode.Scalar?
        var iterator = text.unicodeScalars.makeIterator()
        var next = iterator.next()
        while let scalar = next {
            next = iterator.next()
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "~", "$", "|":
                out.unicodeScalars.append("\\")
                out.unicodeScalars.append(scalar)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\r":
                out += "<br>"
                if next == "\n" { next = iterator.next() }
            case "\n": out += "<br>"
            case "\t": out += " "
            case "@":
                out += "@"
                let startsName = next.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) } ?? false
                let afterWord = previous.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" } ?? false
                if startsName, !afterWord { out += "\u{2060}" }
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            previous = scalar
        }
        return out
    }

    /// `text` as a code span (paths): delimited by one backtick more than its longest run of
    /// them, padded with a space where it starts or ends with a backtick or a space (Markdown
    /// takes one off each side), control characters as U+FFFD so that it stays on its line.
    static func codeSpan(_ text: String) -> String {
        var content = ""
        var longest = 0, run = 0
        for scalar in text.unicodeScalars {
            run = scalar == "`" ? run + 1 : 0
            longest = max(longest, run)
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                content += "\u{FFFD}"
            } else {
                content.unicodeScalars.append(scalar)
            }
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = content.first == "`" || content.last == "`" || content.first == " " || content.last == " "
        return pad ? fence + " " + content + " " + fence : fence + content + fence
    }

    /// A URL as a link's destination: a checked `RuleDocsURL` holds no space, `<`, `>` or `|`,
    /// but may hold parentheses, which would end the link.
    static func linkDestination(_ url: String) -> String {
        var out = ""
        for scalar in url.unicodeScalars {
            if scalar == "(" || scalar == ")" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}
