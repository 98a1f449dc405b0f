import ArgumentParser
import Foundation
import StrataCore
import StrataReporters
import StrataRules

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check migration files for unsafe or malformed changes.",
        discussion: """
            PATHs are files or folders (default: the migrations folder of strata.yml, else ./migrations). \
            Exit 0 when clean, 1 on any error-level finding or more warnings than --max-warnings, \
            2 on a configuration or I/O error.
            """)

    @Argument(help: "Migration files or folders.")
    var paths: [String] = []

    @OptionGroup var project: ProjectOptions

    @OptionGroup var output: OutputOptions

    func run() throws {
        let context = try CommandContext(project, lintPaths: paths)
        if output.verbose { context.reportDetection() }
        let targets = paths.isEmpty ? [context.migrationsDirectoryForDisplay] : paths
        if paths.isEmpty, !FileManager.default.fileExists(atPath: context.configuration.migrationsDirectory) {
            CommandContext.fail("\(targets[0]): no such folder; pass the files or folders to lint, or set `migrations:` in strata.yml")
        }
        let linter = context.linter(dialect: context.dialect, verbose: output.verbose)
        try output.report { writer in
            try CommandContext.run { () throws(InputError) in try linter.lint(paths: targets) { writer.add($0) } }
        }
    }
}
