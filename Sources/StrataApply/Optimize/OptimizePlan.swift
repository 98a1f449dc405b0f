import Foundation
import StrataSyntax

/// The changes `strata optimize` makes, from a report's fixes: the missing foreign-key
/// indexes created (CONCURRENTLY on PostgreSQL), redundant indexes dropped, planner
/// statistics refreshed, and, only with `includeDrops`, unused indexes dropped. Each step
/// keeps the statement that undoes it, for the migration's DOWN.
public struct OptimizePlan: Sendable {
    public struct Step: Sendable, Equatable {
        public var fix: OptimizeFix
        /// The finding it answers, for the comment above its statement.
        public var reason: String
        public var kind: OptimizeFinding.Kind
    }

    public var dialect: Dialect
    /// In the order they run: creates, then drops, then ANALYZE.
    public var steps: [Step]
    /// Drops left out because `--include-drops` was not given.
    public var withheld: [Step]

    public init(_ report: OptimizeReport, includeDrops: Bool) {
        dialect = report.dialect
        var creates: [Step] = [], drops: [Step] = [], analyses: [Step] = [], withheld: [Step] = []
        var seen = Set<String>()
        for finding in report.findings {
            guard let fix = finding.fix else { continue }
            let step = Step(fix: fix, reason: finding.message, kind: finding.kind)
            // One step per object: an index reported twice, a table analysed once.
            guard seen.insert("\(fix.kind.rawValue) \(fix.index ?? fix.table)").inserted else { continue }
            if fix.needsIncludeDrops && !includeDrops {
                withheld.append(step)
                continue
            }
            switch fix.kind {
            case .createIndex: creates.append(step)
            case .dropIndex: drops.append(step)
            case .analyze: analyses.append(step)
            }
        }
        // A new index on SQLite gets its statistics in the same migration.
        for create in creates {
            guard let analyze = create.fix.analyzeAfter, seen.insert("analyze \(create.fix.table)").inserted else { continue }
            analyses.append(Step(fix: OptimizeFix(kind: .analyze, table: create.fix.table, index: nil, up: analyze, down: nil,
                                                  needsIncludeDrops: false, transactional: true),
                                 reason: "statistics for the new index \(create.fix.index ?? "")", kind: create.kind))
        }
        steps = creates + drops + analyses
        self.withheld = withheld
    }

    public var isEmpty: Bool { steps.isEmpty }

    /// False when a step cannot run inside a transaction (PostgreSQL's CONCURRENTLY): the
    /// migration then says `@transaction: false`.
    public var transactional: Bool { steps.allSatisfy(\.fix.transactional) }

    /// The UP statements, in order, without their `;`.
    public var up: [String] { steps.map(\.fix.up) }

    /// The DOWN statements: each create and drop undone, last first. ANALYZE has none.
    public var down: [String] { steps.reversed().compactMap(\.fix.down) }

    /// `2 indexes created, 1 index dropped, 1 table analysed`.
    public var summary: String {
        let count = { (kind: OptimizeFix.Kind) in steps.count { $0.fix.kind == kind } }
        var parts: [String] = []
        if count(.createIndex) > 0 { parts.append("\(count(.createIndex)) index\(count(.createIndex) == 1 ? "" : "es") created") }
        if count(.dropIndex) > 0 { parts.append("\(count(.dropIndex)) index\(count(.dropIndex) == 1 ? "" : "es") dropped") }
        if count(.analyze) > 0 { parts.append("\(count(.analyze)) table\(count(.analyze) == 1 ? "" : "s") analysed") }
        return parts.isEmpty ? "nothing to change" : parts.joined(separator: ", ")
    }
}
