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
}
