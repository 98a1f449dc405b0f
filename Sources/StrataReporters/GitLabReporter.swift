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

    private final class Writer: ReportWriter {
        let output: ReportOutput
        let repository: RepositoryPaths?
        var first = true
        /// How many findings with the same rule, path and message were written before.
        var seen: [String: Int] = [:]

        init(output: ReportOutput, repository: RepositoryPaths?) {
            self.output = output
            self.repository = repository
            output.write("[")
        }

        func add(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics {
                let path = repository?.relative(diagnostic.file) ?? diagnostic.file
                let key = "\(diagnostic.rule)\u{0}\(path)\u{0}\(diagnostic.message)"
                let occurrence = seen[key, default: 0]
                seen[key] = occurrence + 1
                var description = diagnostic.message
                if let help = diagnostic.help { description += " (" + help + ")" }
                output.write(first ? "\n  {\"description\": " : ",\n  {\"description\": ")
                first = false
                output.writeJSONString(description)
                output.write(", \"check_name\": ")
                output.writeJSONString(diagnostic.rule)
                output.write(", \"fingerprint\": ")
                output.writeJSONString(GitLabReporter.fingerprint(rule: diagnostic.rule, path: path, message: diagnostic.message, occurrence: occurrence))
                output.write(", \"severity\": ")
                output.writeJSONString(GitLabReporter.severity(diagnostic.severity))
                output.write(", \"categories\": [\"Bug Risk\"], \"location\": {\"path\": ")
                output.writeJSONString(path)
                output.write(", \"lines\": {\"begin\": ")
                output.write(diagnostic.line)
                output.write("}}}")
            }
        }

        func end(_ summary: LintSummary) {
            output.write(first ? "]\n" : "\n]\n")
        }
    }
}
