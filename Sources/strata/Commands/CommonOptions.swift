import ArgumentParser
import Foundation
import StrataCore
import StrataProject
import StrataReporters
import StrataRules
import StrataSyntax

extension Dialect: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension LayoutKind: ExpressibleByArgument {}

/// `--layout`: a layout, or `auto` to tell it from the files.
extension LayoutChoice: ExpressibleByArgument {
    public init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let kind = LayoutKind(rawValue: argument) {
            self = .fixed(kind)
        } else {
            return nil
        }
    }

    public static var allValueStrings: [String] { ["auto"] + LayoutKind.allCases.map(\.rawValue) }
}

/// Options every command that reads migrations shares.
struct ProjectOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: the nearest strata.yml above the working directory).")
    var config: String?

    @Option(name: .long, help: "SQL dialect: sqlite or postgresql (default: strata.yml, else the scheme of DATABASE_URL, else sqlite).")
    var dialect: Dialect?

    @Option(name: .long, help: "How migration files are laid out: auto, strata, plain, dbmate, goose, golang-migrate, diesel or flyway (default: strata.yml, else auto).")
    var layout: LayoutChoice?
}

extension ReporterFormat: ExpressibleByArgument {}

/// `--fail-on`: findings of this severity or above fail the run.
enum FailLevel: String, ExpressibleByArgument, CaseIterable {
    case error, warning
}

/// How `lint` and `check` report, and when warnings fail the run.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text, json, sarif, github (annotations), gitlab (Code Quality) or markdown (a pull-request comment or job summary).")
    var format: ReporterFormat = .text

    @Option(name: .long, help: "Fail (exit 1) when there are more warnings than this.")
    var maxWarnings: Int?

    @Option(name: .long, help: "The lowest severity that fails the run (exit 1): error or warning.")
    var failOn: FailLevel = .error

    @Flag(name: .long, help: "Also show notes: rules skipped because the table is new in this change.")
    var verbose = false

    func validate() throws {
        if let maxWarnings, maxWarnings < 0 { throw ValidationError("--max-warnings must be 0 or more") }
    }

    /// Prints the report of a finished run and ends the command with exit code 1 on errors or
    /// too many warnings. `ruleDocs`: where rule links point (`Project.ruleDocs`).
    func report(_ result: LintResult, ruleDocs: RuleDocsURL, rules: [RuleDescription] = AllRules.descriptions) throws {
        try report(ruleDocs: ruleDocs, rules: rules) { writer in
            writer.add(result.diagnostics)
            return result.summary
        }
    }

    /// Prints the report while `lint` runs (it hands each file's findings to the writer as they
    /// are final), then ends the command with exit code 1 on errors or too many warnings.
    func report(ruleDocs: RuleDocsURL, rules: [RuleDescription] = AllRules.descriptions, _ lint: (any ReportWriter) throws -> LintSummary) throws {
        let reporter = format.makeReporter(color: Terminal.stdoutSupportsColor, version: Strata.version,
                                           ruleDocs: ruleDocs,
                                           repository: format.pathsFromRepositoryRoot ? Self.repositoryPaths() : nil)
        let output = ReportOutput(fileDescriptor: 1)
        let writer = reporter.writer(rules: rules, to: output)
        let summary = try lint(writer)
        writer.end(summary)
        output.flush()
        if summary.errorCount > 0 { throw ExitCode(1) }
        if failOn == .warning, summary.warningCount > 0 { throw ExitCode(1) }
        if let maxWarnings, summary.warningCount > maxWarnings { throw ExitCode(1) }
    }

    /// The git repository around the working directory, for the formats CI reads; nil outside
    /// one. Found by looking for `.git` upwards (no libgit2: `lint` does not load it), from the
    /// working directory with its symlinks resolved, so the root and the paths below it are
    /// spelled alike; the shell's `$PWD`, when it is another spelling of the same folder, reads
    /// as it (a path typed from it).
    static func repositoryPaths() -> RepositoryPaths? {
        let current = FileManager.default.currentDirectoryPath
        guard let workingDirectory = PathText.resolvingSymlinks(current),
              let root = GitWorkTree.root(containing: workingDirectory) else { return nil }
        var aliases = [current]
        if let shell = ProcessInfo.processInfo.environment["PWD"], shell.hasPrefix("/"),
           PathText.resolvingSymlinks(shell) == workingDirectory {
            aliases.append(shell)
        }
        return RepositoryPaths(root: root, workingDirectory: workingDirectory,
                               workingDirectoryAliases: aliases.filter { $0 != workingDirectory })
    }
}
