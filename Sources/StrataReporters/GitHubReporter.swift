import StrataCore

/// GitHub Actions workflow commands, one per diagnostic, which GitHub shows as annotations on
/// the pull request:
///
/// ```text
/// ::error file=db/0002.sql,line=3,col=1,title=ban-drop-column::dropping a column breaks running code
/// ```
///
/// The help, when there is one, follows the message on its own line. No summary line. Inside a
/// git repository (`repository`) `file=` is the path from its root, where GitHub looks for it;
/// a file outside it, and every file without a repository, keeps the path the finding names.
public struct GitHubReporter: Reporter {
    public static let identifier = "github"
    public static let description = "GitHub Actions annotations (::error / ::warning workflow commands)"

    /// The git repository paths start from; nil: paths as the findings name them.
    public var repository: RepositoryPaths?

    public init(repository: RepositoryPaths? = nil) {
        self.repository = repository
    }

    public func writer(rules: [RuleDescription], to output: ReportOutput) -> any ReportWriter {
        Writer(output: output, repository: repository)
    }

    private final class Writer: ReportWriter {
        let output: ReportOutput
        let repository: RepositoryPaths?

        init(output: ReportOutput, repository: RepositoryPaths?) {
            self.output = output
            self.repository = repository
        }

        func add(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics {
                let file = repository?.relative(diagnostic.file) ?? diagnostic.file
                let properties = [
                    "file=" + GitHubReporter.escapeProperty(file),
                    "line=\(diagnostic.line)",
                    "col=\(diagnostic.column)",
                    "title=" + GitHubReporter.escapeProperty(diagnostic.rule),
                ]
                var message = diagnostic.message
                if let help = diagnostic.help { message += "\n" + help }
                // GitHub's workflow commands say `notice` where SARIF and Strata say note.
                output.write("::\(diagnostic.severity == .note ? "notice" : diagnostic.severity.rawValue) \(properties.joined(separator: ","))::")
                output.write(GitHubReporter.escapeData(message) + "\n")
            }
        }

        func end(_ summary: LintSummary) {}
    }

    // MARK: - Escaping (as GitHub's @actions/core does)

    /// A command's message: `%`, carriage return and line feed.
    static func escapeData(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A property value: as a message, and also `:` and `,`, which end a property.
    static func escapeProperty(_ text: String) -> String {
        var out = ""
        for scalar in escapeData(text).unicodeScalars {
            switch scalar {
            case ":": out += "%3A"
            case ",": out += "%2C"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
