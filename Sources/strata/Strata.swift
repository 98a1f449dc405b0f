import ArgumentParser

@main
struct Strata: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Guards SQL schema migrations: lint, history checks and a safe applier.",
        discussion: """
            Exit codes: 0 clean, 1 findings at error level or a refused operation, 2 configuration, \
            I/O or database error, 64 usage error.
            """,
        version: version,
        subcommands: [Lint.self, New.self, RulesCommand.self, Explain.self])

    /// Like ArgumentParser's own `main`, except that the path arguments of `lint` are taken out
    /// before parsing: the parser spends ~65 µs per positional argument, which dominated a lint
    /// of a few thousand files passed by name (as pre-commit and xargs do).
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let paths = LintPaths.extract(from: &arguments)
        do {
            var command = try parseAsRoot(arguments)
            if var lint = command as? Lint, !paths.isEmpty {
                lint.paths += paths
                command = lint
            }
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
