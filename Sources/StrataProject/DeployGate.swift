import StrataCore
import StrataGit

/// `deploy`'s gate: the checks of `strata check` (`ProjectChecks`) on the working tree, and
/// whether their findings let the migrations be applied. Any error refuses the deploy; so do
/// warnings when `failOnWarnings`, or more of them than `maxWarnings`. Nothing here touches
/// the database: `deploy` runs `up` only once the gate has passed.
public struct DeployGate: Sendable {
    /// Warnings refuse the deploy (`--fail-on warning`).
    public var failOnWarnings: Bool
    /// The most warnings the deploy accepts (`--max-warnings`); nil: any number.
    public var maxWarnings: Int?

    public init(failOnWarnings: Bool = false, maxWarnings: Int? = nil) {
        self.failOnWarnings = failOnWarnings
        self.maxWarnings = maxWarnings
    }

    /// What the checks found, and the gate's answer.
    public struct Verdict: Sendable {
        /// Every finding, refusing or not (a deploy that goes on shows its warnings).
        public var findings: LintResult
        /// Why there was no history to check against (`not inside a git repository...`), when
        /// there was none: the files were linted alone.
        public var note: String?
        /// Why the deploy must not go on; nil: it may.
        public var refusal: String?
    }

    /// Runs the checks of `request` (its content, history against its base) with `linter`
    /// (every rule, as strata.yml sets them up) and judges them.
    public func check(_ request: HistoryRequest, linter: Linter) throws(GitError) -> Verdict {
        let history = try HistoryLoader.load(request)
        let findings = ProjectChecks.findings(history, linter: linter)
        return Verdict(findings: findings, note: history.note, refusal: refusal(for: findings))
    }

    /// Why `findings` refuse the deploy, or nil when they let it go on.
    public func refusal(for findings: LintResult) -> String? {
        if findings.errorCount > 0 { return "the checks found errors" }
        if failOnWarnings, findings.warningCount > 0 { return "the checks found warnings (--fail-on warning)" }
        if let maxWarnings, findings.warningCount > maxWarnings {
            return "\(findings.warningCount) warnings, more than --max-warnings \(maxWarnings)"
        }
        return nil
    }
}
