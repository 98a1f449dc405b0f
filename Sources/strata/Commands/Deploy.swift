import ArgumentParser
import Foundation
import StrataApply
import StrataProject
import StrataGit
import StrataReporters
import StrataRules

struct Deploy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "The guarded deploy step: `strata check` (lint, and history in a git repository), then `strata up`.",
        discussion: """
            Any error-level finding refuses the deploy (exit 1) before the database is touched; \
            so do warnings with --fail-on warning, or more of them than --max-warnings. Findings \
            that do not refuse it are printed to standard error, and the deploy goes on.

            Examples:
              strata deploy --dry-run
              strata deploy --base origin/main --log-json strata-events.jsonl
            """)

    @Option(name: .long, help: "The protected branch to compare with (as for `strata check`).")
    var base: String?

    @Option(name: .long, help: "The lowest severity that refuses the deploy (exit 1): error or warning.")
    var failOn: FailLevel = .error

    @Option(name: .long, help: "Refuse the deploy (exit 1) when there are more warnings than this.")
    var maxWarnings: Int?

    @OptionGroup var options: UpOptions
    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let maxWarnings, maxWarnings < 0 { throw ValidationError("--max-warnings must be 0 or more") }
    }

    func run() throws {
        LibGit2.warmUp()
        // Every file is read before anything is applied: the checks read them all first.
        let apply = try ApplyContext("deploy", project, database, readOnly: options.dryRun, lint: true, logJSON: options.log.logJSON)
        let context = apply.context
        let request = context.historyRequest(dialect: apply.url.dialect, base: base, source: .workingTree)
        let gate = DeployGate(failOnWarnings: failOn == .warning, maxWarnings: maxWarnings)
        let verdict = try gate.check(request, linter: context.linter(dialect: apply.url.dialect))
        if let note = verdict.note { FileHandle.standardError.write(Data("strata: note: \(note)\n".utf8)) }
        if let refusal = verdict.refusal {
            print(TextReporter(color: Terminal.stdoutSupportsColor).report(verdict.findings, rules: AllRules.descriptions), terminator: "")
            RunLog.record(ApplyEvent(.refused, details: .init(reasons: refusal)))
            FileHandle.standardError.write(Data("strata: deploy refused: \(refusal); nothing applied\n".utf8))
            throw ExitCode(1)
        }
        if verdict.findings.warningCount > 0 {
            // Shown, not hidden: the deploy goes on, and the log keeps what was accepted.
            let report = TextReporter(color: Terminal.stderrSupportsColor).report(verdict.findings, rules: AllRules.descriptions)
            FileHandle.standardError.write(Data(report.utf8))
        }
        try options.perform(apply)
    }
}
