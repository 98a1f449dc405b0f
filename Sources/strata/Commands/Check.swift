import ArgumentParser
import Foundation
import StrataCore
import StrataGit
import StrataReporters
import StrataRules
import StrataSyntax

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Lint new and changed migrations and check them against git history.",
        discussion: """
            Compares the migrations with the protected branch (--base, else history.base in strata.yml, \
            else the first of origin/HEAD, origin/main, origin/master, main, master): a migration is \
            applied when it exists at the merge base. Reports edited, deleted, renamed and out-of-order \
            migrations and numbers taken on the base branch, plus lint findings for new or changed files. \
            Without a repository or a base it says so and runs lint alone, unless --require-base.
            """)

    @Argument(help: "The migrations folder, or files in it to limit the report to (default: the configured folder).")
    var paths: [String] = []

    @Option(name: .long, help: "The protected branch or ref to compare with.")
    var base: String?

    @Flag(name: .long, help: "Check what is staged for the next commit (pre-commit hooks).")
    var staged = false

    @Option(name: .long, help: "Check the content of a commit (CI on a detached checkout).")
    var rev: String?

    @Flag(name: .long, help: "Fail (exit 2) when there is no repository or no base, instead of linting alone.")
    var requireBase = false

    @OptionGroup var project: ProjectOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if staged, rev != nil { throw ValidationError("--staged and --rev exclude each other") }
    }

    func run() throws {
        LibGit2.warmUp()
        let context = try CommandContext(project)
        if output.verbose { context.reportDetection() }
        let fm = FileManager.default
        var folder = context.configuration.migrationsDirectory
        var display = context.migrationsDirectoryForDisplay
        var selected: Set<String> = []
        for path in paths {
            var isFolder: ObjCBool = false
            if fm.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                folder = Self.absolute(path, context.workingDirectory)
                display = path.hasSuffix("/") ? String(path.dropLast()) : path
            } else {
                selected.insert(Self.absolute(path, context.workingDirectory))
            }
        }
        let source: HistoryRequest.Source = staged ? .index : rev.map { .revision($0) } ?? .workingTree
        let request = HistoryRequest(workingDirectory: context.workingDirectory, migrationsDirectory: folder,
                                     displayDirectory: display, layout: context.layout, dialect: context.dialect,
                                     base: base ?? context.configuration.historyBase, source: source,
                                     indexFile: ProcessInfo.processInfo.environment["GIT_INDEX_FILE"])
        let result = try Self.findings(request, context: context, dialect: context.dialect, selected: selected,
                                       requireBase: requireBase, verbose: output.verbose)
        try output.report(result)
    }

    /// What `check` reports for `request`: history findings, and lint findings for new or
    /// changed files. Says on stderr when history is unavailable (an error with `requireBase`).
    /// `deploy` runs the same checks through this.
    static func findings(_ request: HistoryRequest, context: CommandContext, dialect: Dialect,
                         selected: Set<String> = [], requireBase: Bool = false, verbose: Bool = false) throws -> LintResult {
        let history = try CommandContext.run { () throws(GitError) in try HistoryLoader.load(request) }
        if let note = history.note, let missing = history.missingHistory {
            if requireBase { CommandContext.fail("--require-base: \(missing)") }
            FileHandle.standardError.write(Data("strata: note: \(note)\n".utf8))
        }
        var linter = context.linter(dialect: dialect, verbose: verbose)
        linter.history = history.facts
        if let facts = history.facts {
            linter.replayOnly = Set(history.inputs.filter { !facts.isNewOrChanged($0.id, bytes: $0.content) }.map(\.id))
        }
        var result = linter.lint(history.inputs)
        result.diagnostics = relevant(result.diagnostics, inputs: history.inputs, facts: history.facts,
                                      selected: selected, workingDirectory: context.workingDirectory)
        return result
    }

    /// History findings always; lint findings only for files new or changed since the merge base
    /// (the rest already passed review on the base branch); only the selected files, if any.
    static func relevant(_ diagnostics: [Diagnostic], inputs: [MigrationInput], facts: HistoryFacts?,
                         selected: Set<String>, workingDirectory: String) -> [Diagnostic] {
        let historyRules = Set(AllRules.descriptions.filter(\.needsHistory).map(\.id))
        let byPath = Dictionary(inputs.flatMap { input in [(input.path, input)] + (input.down.map { [($0.path, input)] } ?? []) },
                                uniquingKeysWith: { first, _ in first })
        return diagnostics.filter { diagnostic in
            if !selected.isEmpty, !selected.contains(absolute(diagnostic.file, workingDirectory)) { return false }
            guard let facts, let input = byPath[diagnostic.file] else { return true }
            return historyRules.contains(diagnostic.rule) || facts.isNewOrChanged(input.id, bytes: input.content)
        }
    }

    static func absolute(_ path: String, _ workingDirectory: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory + "/")).standardizedFileURL.path
    }
}
