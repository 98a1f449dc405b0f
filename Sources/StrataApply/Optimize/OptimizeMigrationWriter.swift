import Foundation
import StrataCore

/// An optimisation plan as a migration file of the strata layout, the next in the folder, so
/// that it goes through review, lint and `deploy` like any other: the full header, each UP
/// statement under a comment saying which finding it answers, and a DOWN that undoes each
/// create and drop, last first. CONCURRENTLY cannot run in a transaction, so a PostgreSQL
/// plan that uses it says `@transaction: false`.
public enum OptimizeMigrationWriter {
    /// The file name's slug: `0007_optimize_indexes_and_statistics.sql`.
    public static let slug = "optimize_indexes_and_statistics"

    public static func contents(_ plan: OptimizePlan, now: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        let changesIndexes = plan.steps.contains { $0.fix.kind != .analyze }
        var lines = [
            "-- @name: Optimize indexes and statistics",
            "-- @description: Written by strata optimize: \(plan.summary)",
            "-- @timestamp: \(formatter.string(from: now))",
            "-- @rollbackSafe: true",
            // Building or dropping an index reads or rewrites no rows, but an index build reads
            // the whole table and takes as long as it does.
            "-- @performanceImpact: \(changesIndexes ? "medium" : "low")",
            "-- @dependencies: []",
        ]
        if !plan.transactional { lines.append("-- @transaction: false") }
        let (up, down) = sections(plan)
        lines += ["", "-- UP MIGRATION", up, "", "-- DOWN MIGRATION", down]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The UP SQL (each statement under a comment naming the finding it answers) and the DOWN
    /// SQL, for the strata layout's sections or another layout's files.
    public static func sections(_ plan: OptimizePlan) -> (up: String, down: String) {
        var up: [String] = []
        for step in plan.steps {
            up.append("-- \(step.kind.rawValue): \(oneLine(step.reason))")
            up.append(step.fix.up + ";")
        }
        var down = plan.down.map { $0 + ";" }
        if plan.steps.contains(where: { $0.fix.kind == .analyze }) {
            down.append("-- ANALYZE only refreshed the planner's statistics: there is nothing to undo.")
            // The DOWN SQL must hold a statement (missing-down); this one changes nothing.
            if plan.down.isEmpty { down.append("SELECT 1;") }
        }
        return (up.joined(separator: "\n"), down.joined(separator: "\n"))
    }

    /// A message as one comment line.
    private static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
