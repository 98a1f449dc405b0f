import ArgumentParser
import Foundation
import StrataApply
import StrataProject

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every migration as applied, pending, failed, changed or missing.",
        discussion: """
            Exit 1 when a migration is failed, changed (edited after it was applied) or missing (applied, file gone). \
            A migration whose recorded run took longer than monitoring.slow_ms in strata.yml (default 5000) is flagged slow. \
            A migration Strata cannot run (a goose Go or Flyway Java migration) is marked with its language and tool: \
            pending until it is run with that tool and recorded with `strata mark-applied ID`.

            Examples:
              strata status
              strata status --format json --database sqlite:data/app.db
            """)

    @OptionGroup var output: FormatOptions

    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let apply = try ApplyContext("status", project, database, readOnly: true)
        let states = try apply.applier.status()
        var counts: [MigrationState.Kind: Int] = [:]
        for state in states { counts[state.kind, default: 0] += 1 }
        let order: [MigrationState.Kind] = [.applied, .pending, .failed, .changed, .missing]
        let summary = order.compactMap { kind in counts[kind].map { "\($0) \(kind.rawValue)" } }.joined(separator: ", ")
        let slowMilliseconds = apply.context.configuration.slowMilliseconds
        let slow = states.filter { $0.isSlow(above: slowMilliseconds) }.count
        if output.isJSON {
            try JSONDocument.print(StatusDocument(states, database: apply.url.redacted, slowMilliseconds: slowMilliseconds))
        } else {
            print("database: \(apply.url.redacted)")
            let width = max(10, states.map(\.id.count).max() ?? 0)
            for state in states {
                var duration = state.executionMilliseconds.map { "\($0) ms" } ?? ""
                if state.isSlow(above: slowMilliseconds) { duration += "  slow" }
                if let kind = state.nonSQL {
                    // Said where it is seen: Strata does not run it, and what moves it on.
                    duration += "  \(kind.language), run by \(kind.tool)"
                        + (state.kind == .pending ? ": Strata cannot run it; once \(kind.tool) ran it, `strata mark-applied \(state.id)`" : "")
                }
                print("\(state.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(state.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \((state.appliedAt ?? "").padding(toLength: 24, withPad: " ", startingAt: 0))  \(duration)")
            }
            let slowNote = slow == 0 ? "" : "; \(slow) slow (over \(slowMilliseconds) ms)"
            print("\(states.count) migration\(states.count == 1 ? "" : "s"): \(summary.isEmpty ? "none" : summary)\(slowNote)")
        }
        if (counts[.failed] ?? 0) + (counts[.changed] ?? 0) + (counts[.missing] ?? 0) > 0 { throw ExitCode(1) }
    }
}
