import Crypto
import StrataCore

/// GitLab Code Quality: a JSON array of issues, the artifact a job declares under
/// `artifacts: reports: codequality:`, which GitLab shows in the merge request widget and diff.
///
/// ```json
/// [{"description": "...", "check_name": "ban-drop-column", "fingerprint": "…",
///   "severity": "major", "location": {"path": "db/0002.sql", "lines": {"begin": 3}}}]
/// ```
///
/// The fingerprint, which GitLab matches between the base and the merge request to tell new
/// findings from old, is a hash of the rule, the path, the message and how many identical
/// findings came before it in the file: stable across runs and across lines moving, since no
/// line or column is in it. Inside a git repository `path` starts at its root, as GitLab reads it.
public struct GitLabReporter: Reporter {
    public static let identifier = "gitlab"
    public static let description = "GitLab Code Quality JSON (artifacts: reports: codequality)"

    public var repository: RepositoryPaths?

    public init(repository: RepositoryPaths? = nil) {
        self.repository = repository
    }

    public func writer(rules: [RuleDescription], to output: ReportOutput) -> any ReportWriter {
        Writer(output: output, repository: repository)
    }

    /// Strata's severities as GitLab's scale names them (info, minor, major, critical, blocker).
    static func severity(_ severity: Severity) -> String {
        switch severity {
        case .error: "major"
        case .warning: "minor"
        case .note: "info"
        }
    }

    /// A 32-hex-digit fingerprint of what identifies a finding apart from where it is.
    static func fingerprint(rule: String, path: String, message: String, occurrence: Int) -> String {
        let digest = SHA256.hash(data: Array("\(rule)\u{0}\(path)\u{0}\(message)\u{0}\(occurrence)".utf8))
        return digest.prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The issues of a finished run's findings, as the writer streams them.
    public func issues(_ diagnostics: [Diagnostic]) -> [GitLabIssue] {
        var maker = IssueMaker(repository: repository)
        return diagnostics.map { maker.issue($0) }
    }

    /// Makes each finding an issue, counting the identical findings that came before it (its
    /// fingerprint's occurrence).
    struct IssueMaker {
        let repository: RepositoryPaths?
        /// How many findings with the same rule, path and message were made issues before.
        var seen: [String: Int] = [:]

        mutating func issue(_ diagnostic: Diagnostic) -> GitLabIssue {
            let path = repository?.relative(diagnostic.file) ?? diagnostic.file
            let key = "\(diagnostic.rule)\u{0}\(path)\u{0}\(diagnostic.message)"
            let occurrence = seen[key, default: 0]
            seen[key] = occurrence + 1
            var description = diagnostic.message
            if let help = diagnostic.help { description += " (" + help + ")" }
            return GitLabIssue(
                description: description, checkName: diagnostic.rule,
                fingerprint: GitLabReporter.fingerprint(rule: diagnostic.rule, path: path, message: diagnostic.message, occurrence: occurrence),
                severity: GitLabReporter.severity(diagnostic.severity), categories: ["Bug Risk"],
                location: .init(path: path, lines: .init(begin: diagnostic.line)))
        }
    }

    /// Writes each issue on a line of its own, keys in `GitLabIssue`'s order.
    private final class Writer: ReportWriter {
        let output: ReportOutput
        var maker: IssueMaker
        var first = true

        init(output: ReportOutput, repository: RepositoryPaths?) {
            self.output = output
            maker = IssueMaker(repository: repository)
            output.write("[")
        }

        func add(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics {
                let issue = maker.issue(diagnostic)
                output.write(first ? "\n  {\"description\": " : ",\n  {\"description\": ")
                first = false
                output.writeJSONString(issue.description)
                output.write(", \"check_name\": ")
                output.writeJSONString(issue.checkName)
                output.write(", \"fingerprint\": ")
                output.writeJSONString(issue.fingerprint)
                output.write(", \"severity\": ")
                output.writeJSONString(issue.severity)
                output.write(", \"categories\": [")
                for (index, category) in issue.categories.enumerated() {
                    if index > 0 { output.write(", ") }
                    output.writeJSONString(category)
                }
                output.write("], \"location\": {\"path\": ")
                output.writeJSONString(issue.location.path)
                output.write(", \"lines\": {\"begin\": ")
                output.write(issue.location.lines.begin)
                output.write("}}}")
            }
        }

        func end(_ summary: LintSummary) {
            output.write(first ? "]\n" : "\n]\n")
        }
    }
}

/// An issue of GitLab Code Quality's report, as a value, keys as GitLab names them: what
/// `GitLabReporter` streams, one per finding (StreamedModelTests pins the text to this value's
/// `StrataJSON` encoding).
public struct GitLabIssue: Encodable, Sendable, Equatable {
    public struct Location: Encodable, Sendable, Equatable {
        public var path: String
        public var lines: Lines
    }

    public struct Lines: Encodable, Sendable, Equatable {
        public var begin: Int
    }

    /// The message, and the help in parentheses.
    public var description: String
    /// The rule.
    public var checkName: String
    public var fingerprint: String
    public var severity: String
    public var categories: [String]
    public var location: Location

    enum CodingKeys: String, CodingKey {
        case description, fingerprint, severity, categories, location, checkName = "check_name"
    }
}
