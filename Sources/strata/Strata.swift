import ArgumentParser
import CLibraryLoader
// @preconcurrency: Swift 6 refuses a plain reference to C's `stdout` (a global variable); this
// file only hands it to setvbuf once, before any other thread exists. (Foundation, which
// imports the module again without the attribute, is not imported here.)
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

@main
struct Strata: ParsableCommand {
    /// The one place the version lives: `--version`, `-V`, SARIF's driver and the release
    /// archives read it here; CHANGELOG.md's newest release must match it (a test checks).
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Guards SQL schema migrations: lint, history checks and a safe applier.",
        discussion: """
            Exit codes: 0 clean, 1 findings at error level or a refused operation, 2 configuration, \
            I/O or database error, 64 usage error.

            Examples:
              strata init
              strata lint
              strata check --base origin/main
              strata up --dry-run
              strata status --format json
            """,
        version: version,
        subcommands: [Init.self, Lint.self, Check.self, Trace.self, Status.self, HistoryCommand.self, MetricsCommand.self, Up.self, Deploy.self, Rollback.self, Repair.self, MarkApplied.self, Verify.self, Baseline.self, Convert.self, Backup.self, Optimize.self, New.self, RulesCommand.self, Explain.self, Hooks.self, CommandDocs.self])

    /// Like ArgumentParser's own `main`, with the command line read by `parseCommandLine`.
    static func main() {
        // Every line written with print() reaches standard output when it is printed, whether
        // that is a terminal, a pipe or a file: `strata up | ts` in a CI log shows each
        // migration as it ends, not all of them when the run does (stdio buffers a pipe or a
        // file whole). Reports (lint's thousands of findings, JSON) go through ReportOutput's
        // own 64 KiB buffer and write(2), so line buffering costs them nothing.
        setvbuf(stdout, nil, _IOLBF, 0)
        // glibc gives every thread that allocates an arena of its own (up to 8 per core), and
        // freed memory stays in them. Four arenas keep the peak memory flat, while the threads
        // a lint runs at once (lanes, a parser, the dispatch workers of the first pass) do not
        // share one: two made a parser thread and a lane queue on one arena's lock.
        _ = strata_limit_malloc_arenas(4)
        do {
            var command = try parseCommandLine(Array(CommandLine.arguments.dropFirst()))
            try command.run()
            RunLog.finish(exitCode: 0)
        } catch {
            end(with: error)
        }
    }

    /// The command a command line names: ArgumentParser's `parseAsRoot`, after two rewrites
    /// (`--wait` alone means 60 seconds; `-V` is `--version`) and with the paths of a long
    /// `strata lint` taken out first: the parser spends ~65 µs per positional argument, which
    /// dominated a lint of a few thousand files passed by name (as pre-commit and xargs do).
    /// Whatever is done here, every option of every command must read as `parseAsRoot` reads it
    /// (CommandLineParsingTests tries each one through both; `parser` is `parseAsRoot`, or there
    /// the same parser reading each argument list once).
    static func parseCommandLine(_ commandLine: [String],
                                 parser: ([String]) throws -> ParsableCommand = { try parseAsRoot($0) }) throws -> ParsableCommand {
        var arguments = DatabaseOptions.expandBareWait(commandLine)
        // `-V`, as other tools spell `--version` (ArgumentParser knows the long flag only).
        if arguments == ["-V"] { arguments = ["--version"] }
        let paths = LintPaths.extract(from: &arguments)
        var command = try parser(arguments)
        if var lint = command as? Lint, !paths.isEmpty {
            lint.paths += paths
            command = lint
        }
        return command
    }
}
