import ArgumentParser
import Foundation
import StrataApply
import StrataProject

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show every apply, rollback and repair recorded in the database, oldest first.",
        discussion: """
            Each event with when, what (apply, rollback, repair), how it ended (ok, failed), the \
            migration, how long it took, who ran it (user@host) and the rest: a rollback's reason, \
            risk, --force and backup; an error's first line; slow (over monitoring.slow_ms). It \
            never writes to the database; one without tracking tables has no history (exit 0).

            Examples:
              strata history --limit 20
              strata history --format json
            """)

    @OptionGroup var output: FormatOptions

    @Option(name: .long, help: ArgumentHelp("Show only the last N events.", valueName: "N"))
    var limit: Int?

    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() throws {
        let apply = try ApplyContext("history", project, database, readOnly: true)
        let history = try apply.applier.history()
        let slowMilliseconds = apply.context.configuration.slowMilliseconds
        if output.isJSON {
            try JSONDocument.print(history.document(database: apply.url.redacted, limit: limit, slowMilliseconds: slowMilliseconds))
        } else {
            print("database: \(apply.url.redacted)")
            print(history.table(limit: limit, slowMilliseconds: slowMilliseconds), terminator: "")
        }
    }
}
