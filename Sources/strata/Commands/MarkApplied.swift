import ArgumentParser
import Foundation
import StrataApply

struct MarkApplied: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark-applied",
        abstract: "Record a migration Strata cannot run (a goose Go or Flyway Java migration) as applied, once its tool ran it.",
        discussion: """
            `strata up` stops at such a migration (exit 1). Run it with its own tool, then record it \
            here: the tracking row holds the file's checksum, so `status`, `up` and the history \
            checks treat it as any applied migration, and `up` goes on past it. Taken under the \
            migration lock; kept in `strata history` as a mark-applied event. Refuses (exit 1, \
            nothing written) an unknown id, a migration already applied or failed (see `strata \
            repair`), and a SQL migration unless --force. With --rolled-back it records the \
            opposite, once its tool rolled it back: its tracking row goes, a rollback is recorded.

            Examples:
              strata mark-applied 00005_backfill_search --layout goose
              strata mark-applied 00005_backfill_search --layout goose --rolled-back
            """)

    @Argument(help: "The migration id (as `strata status` lists it).")
    var id: String

    @Flag(name: .long, help: "Record instead that its tool rolled it back (after `strata rollback` stopped at it): its tracking row goes.")
    var rolledBack = false

    @Flag(name: .long, help: "Record a SQL migration too, without running it (you applied it, or undid it, by hand).")
    var force = false

    @OptionGroup var log: LogOptions
    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let apply = try ApplyContext("mark-applied", project, database, logJSON: log.logJSON)
        let lines: [String]
        do {
            lines = rolledBack ? try apply.applier.markRolledBack(id, force: force) : try apply.applier.markApplied(id, force: force)
        } catch {
            if error.kind == .refused { RunLog.record(ApplyEvent(.refused, details: .init(reasons: error.message))) }
            throw error
        }
        print("database: \(apply.url.redacted)")
        print(lines.joined(separator: "\n"))
    }
}
