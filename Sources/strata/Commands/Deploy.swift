import ArgumentParser
import Foundation
import StrataApply
import StrataCore
import StrataGit
import StrataReporters
import StrataRules

struct Deploy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The guarded deploy step: `strata check` (lint, and history in a git repository), then `strata up`.",
        discussion: "Any error-level finding refuses the deploy (exit 1) before the database is touched.")

    @Option(name: .long, help: "The protected branch to compare with (as for `strata check`).")
    var base: String?

    @OptionGroup var options: UpOptions
    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let apply = try ApplyContext(project, database, readOnly: options.dryRun)
        let context = apply.context
        let request = HistoryRequest(workingDirectory: context.workingDirectory, migrationsDirectory: context.configuration.migrationsDirectory,
                                     displayDirectory: context.migrationsDirectoryForDisplay, layout: context.layout,
                                     base: base ?? context.configuration.historyBase, source: .workingTree)
        let history = try CommandContext.run { () throws(GitError) in try HistoryLoader.load(request) }
        if let note = history.note { FileHandle.standardError.write(Data("strata: note: \(note)\n".utf8)) }
        var linter = Linter(rules: AllRules.instances(), settings: context.configuration.rules, dialect: apply.url.dialect, layout: context.layout)
        linter.history = history.facts
        var result = linter.lint(history.inputs)
        result.diagnostics = Check.relevant(result.diagnostics, inputs: history.inputs, facts: history.facts,
                                            selected: [], workingDirectory: context.workingDirectory)
        if result.errorCount > 0 {
            print(TextReporter(color: Terminal.stdoutSupportsColor).report(result, rules: AllRules.descriptions), terminator: "")
            FileHandle.standardError.write(Data("strata: deploy refused: the checks found errors; nothing applied\n".utf8))
            throw ExitCode(1)
        }
        try options.perform(apply)
    }
}
