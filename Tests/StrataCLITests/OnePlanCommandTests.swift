import Foundation
import Testing

/// `up`, `up --single-transaction` (the files read while the first migrations run), `deploy`,
/// `deploy --single-transaction` and their `--dry-run` plan through one planner: on the same
/// folder and database state they show or apply the same migrations in the same order, or
/// refuse with the same reasons and keep nothing.
@Suite("One plan: up, up --single-transaction, deploy and --dry-run")
struct OnePlanCommandTests {
    struct State: Sendable, CustomStringConvertible {
        var description: String
        /// Migration files applied (`strata up`) before the command runs.
        var before: [String: String] = [:]
        /// The migrations folder the command reads.
        var files: [String: String]
        var options: [String] = []
        /// The ids applied (and shown by `--dry-run`), in order; nil: refused with `reasons`.
        var applies: [String]?
        var reasons: [String] = []
    }

    static func file(_ up: String, dependencies: String = "[]") -> String {
        Fixtures.migration(up: up, down: "SELECT 1;", dependencies: dependencies)
    }

    static let base = file("CREATE TABLE base (x INT);")
    static let forward = [
        "0001_base.sql": base,
        "0002_view.sql": file("CREATE VIEW later_view AS SELECT y FROM later;", dependencies: "[\"0004_later\"]"),
        "0003_mid.sql": file("CREATE TABLE mid (x INT);"),
        "0004_later.sql": file("CREATE TABLE later (y INT);"),
        "0005_tail.sql": file("CREATE TABLE tail (x INT);"),
    ]

    static let states: [State] = [
        State(description: "a dependency pointing forward", files: forward,
              applies: ["0001_base", "0003_mid", "0004_later", "0002_view", "0005_tail"]),
        State(description: "a target with a later dependency", files: forward, options: ["--target", "0002_view"],
              applies: ["0001_base", "0003_mid", "0004_later", "0002_view"]),
        State(description: "a pending migration below applied ones", before: ["0001_base.sql": base, "0003_mid.sql": forward["0003_mid.sql"]!],
              files: ["0001_base.sql": base, "0002_b.sql": file("CREATE TABLE b (x INT);"), "0003_mid.sql": forward["0003_mid.sql"]!],
              applies: ["0002_b"]),
        State(description: "an applied file edited", before: ["0001_base.sql": base],
              files: ["0001_base.sql": file("CREATE TABLE base (x INT, z INT);"), "0003_mid.sql": forward["0003_mid.sql"]!],
              reasons: ["0001_base was edited after it was applied (checksum differs); restore it, or pass --allow-changed"]),
        State(description: "an applied file gone", before: ["0001_base.sql": base],
              files: ["0003_mid.sql": forward["0003_mid.sql"]!],
              reasons: ["0001_base is applied but its file is missing; restore it, or pass --allow-changed"]),
    ]

    static let commands: [[String]] = [
        ["up", "--dry-run"], ["up", "--dry-run", "--single-transaction"], ["deploy", "--dry-run"],
        ["up"], ["up", "--single-transaction"], ["deploy"], ["deploy", "--single-transaction"],
    ]

    static let arguments: [(Backend, State)] = Backend.all.flatMap { backend in states.map { (backend, $0) } }

    @Test(arguments: arguments)
    func everyCommandReachesThePlan(_ backend: Backend, _ state: State) throws {
        var rowsAfter: [String: [String]] = [:]
        for command in Self.commands {
            let p = try ApplyProject(backend)
            for (name, text) in state.before { try p.write("migrations/\(name)", text) }
            if !state.before.isEmpty { #expect(try p.run("up").status == 0) }
            let before = try p.rows()
            try? p.remove("migrations")
            for (name, text) in state.files { try p.write("migrations/\(name)", text) }
            let outcome = try CLI.run(command + state.options + ["--database", p.url], in: p.project.root)
            let shown = "\(command.joined(separator: " ")): \(outcome.stdout)\(outcome.stderr)"
            let lines = outcome.stdout.split(separator: "\n").map(String.init)
            let dryRun = command.contains("--dry-run")
            if let applies = state.applies {
                #expect(outcome.status == 0, "\(shown)")
                // `-- 0001_base (migrations/...` in a dry run; `[1/5] 0001_base ... ok 3 ms` in a run.
                let ids = dryRun
                    ? lines.filter { $0.hasPrefix("-- ") }.map { String($0.dropFirst(3).prefix { $0 != " " }) }
                    : lines.filter { $0.hasPrefix("[") }.map { String($0.split(separator: " ")[1]) }
                #expect(ids == applies, "\(shown)")
                if !dryRun {
                    #expect(lines.filter { $0.hasPrefix("[") }.map { String($0.prefix { $0 != " " }) }
                            == applies.indices.map { "[\($0 + 1)/\(applies.count)]" }, "\(shown)")
                }
            } else {
                #expect(outcome.status == 1, "\(shown)")
                #expect(outcome.stderr.contains("strata: up refused, nothing applied:\n"), "\(shown)")
                #expect(outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) } == state.reasons,
                        "\(shown)")
            }
            let rows = try p.rows()
            if dryRun || state.applies == nil { #expect(rows == before, "\(shown): nothing kept") }
            if !dryRun { rowsAfter[command.joined(separator: " ")] = rows }
        }
        #expect(Set(rowsAfter.values).count == 1, "\(rowsAfter)")
    }
}
