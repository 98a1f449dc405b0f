import ArgumentParser
import Foundation
import StrataCore
import StrataReporters
import StrataRules

extension ReporterFormat: ExpressibleByArgument {}

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check migration files for unsafe or malformed changes.",
        discussion: """
            PATHs are files or folders (default: the migrations folder of strata.yml, else ./migrations). \
            Exit 0 when clean, 1 on any error-level finding or more warnings than --max-warnings, \
            2 on a configuration or I/O error.
            """)

    @Argument(help: "Migration files or folders.")
    var paths: [String] = []

    @OptionGroup var project: ProjectOptions

    @Option(name: .long, help: "Output format: text, json, sarif or github.")
    var format: ReporterFormat = .text

    @Option(name: .long, help: "Fail (exit 1) when there are more warnings than this.")
    var maxWarnings: Int?

    func validate() throws {
        if let maxWarnings, maxWarnings < 0 { throw ValidationError("--max-warnings must be 0 or more") }
    }

    func run() throws {
        let context = try CommandContext(project)
        let targets = paths.isEmpty ? [context.migrationsDirectoryForDisplay] : paths
        if paths.isEmpty, !FileManager.default.fileExists(atPath: context.configuration.migrationsDirectory) {
            CommandContext.fail("\(targets[0]): no such folder; pass the files or folders to lint, or set `migrations:` in strata.yml")
        }
        let linter = Linter(rules: AllRules.instances(), settings: context.configuration.rules,
                            dialect: context.dialect, layout: context.layout)
        let result = try CommandContext.run { () throws(InputError) in try linter.lint(paths: targets) }
        let reporter = format.makeReporter(color: Terminal.stdoutSupportsColor, version: Strata.version)
        print(reporter.report(result, rules: AllRules.descriptions), terminator: "")
        if result.errorCount > 0 { throw ExitCode(1) }
        if let maxWarnings, result.warningCount > maxWarnings { throw ExitCode(1) }
    }
}
