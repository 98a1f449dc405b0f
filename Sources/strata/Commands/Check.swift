import ArgumentParser
import Foundation
import StrataCore
import StrataProject
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

            Examples:
              strata check --base origin/main
              strata check --staged
              strata check --require-base --format github
              strata check --trace --format github
            """)

    @Argument(help: "The migrations folder, or files to limit the report to, each checked with its folder (default: the configured folder).")
    var paths: [String] = []

    @Option(name: .long, help: "The protected branch or ref to compare with.")
    var base: String?

    @Flag(name: .long, help: "Check what is staged for the next commit (pre-commit hooks).")
    var staged = false

    @Option(name: .long, help: "Check the content of a commit (CI on a detached checkout).")
    var rev: String?

    @Flag(name: .long, help: "Fail (exit 2) when there is no repository or no base, instead of linting alone.")
    var requireBase = false

    @Flag(name: .long, help: "Also trace the new and changed migrations on a temporary PostgreSQL (as `strata trace --git-diff` does) and report what the trace finds.")
    var trace = false

    @Option(name: .long, help: ArgumentHelp("With --trace: run on this scratch PostgreSQL database (it must hold no tables) instead of a temporary cluster.", valueName: "URL"))
    var traceDatabase: String?

    @OptionGroup var project: ProjectOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if staged, rev != nil { throw ValidationError("--staged and --rev exclude each other") }
        if traceDatabase != nil, !trace { throw ValidationError("--trace-database goes with --trace") }
        if trace, staged || rev != nil { throw ValidationError("--trace runs the working tree's migrations; it does not go with --staged or --rev") }
    }

    func run() throws {
        LibGit2.warmUp()
        let fm = FileManager.default
        let workingDirectory = fm.currentDirectoryPath
        var folderGiven: String?
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            if fm.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                folderGiven = path
            } else {
                files.append(path)
            }
        }
        let context = try Project(project, namedFiles: files,
                                         namedFilesFolder: folderGiven.map { Self.absolute($0, workingDirectory) })
        if output.verbose { context.reportDetection() }
        let ruleDocs = try context.ruleDocs   // a bad STRATA_RULE_DOCS_URL stops the command before any work
        let source: HistoryRequest.Source = staged ? .index : rev.map { .revision($0) } ?? .workingTree
        func request(folder: String, display: String) -> HistoryRequest {
            context.historyRequest(folder: folder, display: display, base: base, source: source,
                                   indexFile: ProcessInfo.processInfo.environment["GIT_INDEX_FILE"])
        }
        guard !files.isEmpty else {
            let folder = folderGiven.map { Self.absolute($0, context.workingDirectory) } ?? context.configuration.migrationsDirectory
            let display = folderGiven.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? context.migrationsDirectoryForDisplay
            var result = try Self.findings(request(folder: folder, display: display), context: context, dialect: context.dialect,
                                           requireBase: requireBase, verbose: output.verbose)
            if trace { result.diagnostics += try traced(folder: folder, display: display, named: [], context: context) }
            try output.report(result, ruleDocs: ruleDocs, rules: trace ? TraceRun.ruleDescriptions : AllRules.descriptions)
            return
        }
        // Files named (a pre-commit hook's staged files): each migrations folder holding some is
        // checked whole, and only they are reported.
        for file in context.named.loose {
            FileHandle.standardError.write(Data("strata: note: \(file): not in a migrations folder, not checked\n".utf8))
        }
        var result = LintResult(diagnostics: [], fileCount: 0)
        for group in context.named.groups {
            let found = try Self.findings(request(folder: group.absoluteFolder, display: group.folder), context: context,
                                          dialect: context.dialect, named: group, requireBase: requireBase, verbose: output.verbose)
            result.diagnostics += found.diagnostics
            result.fileCount += found.fileCount
            if trace {
                result.diagnostics += try traced(folder: group.absoluteFolder, display: group.folder, named: group.files, context: context)
            }
            if let bulk = found.bulk {
                if result.bulk == nil { result.bulk = bulk } else { result.bulk?.add(bulk) }
            }
        }
        try output.report(result, ruleDocs: ruleDocs, rules: trace ? TraceRun.ruleDescriptions : AllRules.descriptions)
    }

    /// `--trace`: the trace's findings for the migrations of `folder` new or changed since the
    /// base (all of them without one); `named`: only those files.
    private func traced(folder: String, display: String, named: [String], context: Project) throws -> [Diagnostic] {
        try TraceRun.requirePostgres(context)
        var request = TraceRun.Request(folder: display, folderPath: folder)
        request.gitDiff = base
        request.sinceBase = true
        request.namedFiles = named
        request.applierSetsLockTimeout = context.configuration.lockSafety.statementLockTimeout != nil
        let plan = try TraceRun.plan(request, project: context)
        guard !plan.reported.isEmpty else { return [] }
        let say: (String) -> Void = output.verbose ? { FileHandle.standardError.write(Data("strata: \($0)\n".utf8)) } : { _ in }
        return try Trace.trace(plan, request: request, project: context, database: traceDatabase, say: say).0.diagnostics
    }

    /// What `check` reports for `request` (`ProjectChecks`): history findings, and lint
    /// findings for new or changed files; with `named`, for those of its files only. Says on
    /// stderr when history is unavailable (an error with `requireBase`).
    static func findings(_ request: HistoryRequest, context: Project, dialect: Dialect,
                         named: NamedFiles.Group? = nil, requireBase: Bool = false, verbose: Bool = false) throws -> LintResult {
        let history = try HistoryLoader.load(request)
        if let note = history.note, let missing = history.missingHistory {
            if requireBase { throw CommandFailure("--require-base: \(missing)") }
            FileHandle.standardError.write(Data("strata: note: \(note)\n".utf8))
        }
        return try ProjectChecks.findings(history, linter: context.linter(dialect: dialect, verbose: verbose), named: named)
    }

    static func absolute(_ path: String, _ workingDirectory: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory + "/")).standardizedFileURL.path
    }
}
