import ArgumentParser
import Foundation
import StrataApply
import StrataGit
import StrataReporters
import StrataRules

struct Deploy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "The guarded deploy step: `strata check` (lint, and history in a git repository), then `strata up`.",
        discussion: "Any error-level finding refuses the deploy (exit 1) before the database is touched.")

    @Option(name: .long, help: "The protected branch to compare with (as for `strata check`).")
    var base: String?

    @OptionGroup var options: UpOptions
    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let apply = try ApplyContext("deploy", project, database, readOnly: options.dryRun, lint: true)
        let context = apply.context
        let request = HistoryRequest(workingDirectory: context.workingDirectory, migrationsDirectory: context.configuration.migrationsDirectory,
                                     displayDirectory: context.migrationsDirectoryForDisplay, layout: context.layout,
                                     base: base ?? context.configuration.historyBase, source: .workingTree)
        let result = try Check.findings(request, context: context, dialect: apply.url.dialect)
        if result.errorCount > 0 {
            print(TextReporter(color: Terminal.stdoutSupportsColor).report(result, rules: AllRules.descriptions), terminator: "")
            FileHandle.standardError.write(Data("strata: deploy refused: the checks found errors; nothing applied\n".utf8))
            throw ExitCode(1)
        }
        try options.perform(apply)
    }
}
