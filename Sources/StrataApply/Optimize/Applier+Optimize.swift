import Foundation
import StrataCore

/// How `strata optimize` applies its plan: as the migration file it writes, applied like any
/// other by `up` (its tracking row in `__migrations__`, checksum and all), so that `status`,
/// `rollback` and `verify` know it and the file can be reviewed and committed afterwards.
extension Applier {
    /// Why a plan must not be applied now, or nil. The analysis read the database as it is:
    /// a pending migration would change it first (and run before the new file), and a failed,
    /// changed or missing one means the database is not what the files say.
    public func optimizeRefusal() throws(ApplyError) -> String? {
        let waiting = try status().filter { $0.kind != .applied }
        guard !waiting.isEmpty else { return nil }
        let listed = waiting.prefix(5).map { "\($0.id) (\($0.kind.rawValue))" }.joined(separator: ", ")
            + (waiting.count > 5 ? ", ..." : "")
        return "\(waiting.count) migration\(waiting.count == 1 ? " is" : "s are") not applied as written: \(listed); run `strata up` (or `strata repair`) first, then `strata optimize` again"
    }

    /// Applies `file` (just written, read from `input`) as the next migration, with its
    /// tracking row, as `up` would. Refused when anything else would run with it.
    public func applyOptimization(_ file: MigrationFile, input: MigrationInput) throws(ApplyError) -> UpReport {
        var extended = catalog
        extended.entries.append(MigrationCatalog.entry(file, input, postgresMajor: database.postgresMajor))
        let applier = try Applier(database: database, catalog: extended)
        applier.lockTimeout = lockTimeout
        applier.progress = progress
        switch try applier.plan() {
        case .success(let plan) where plan.map(\.id) == [file.id]:
            return try applier.up(plan)
        case .success(let plan):
            throw ApplyError(.refused, "\(file.id) would not run alone (the plan is \(plan.map(\.id).joined(separator: ", "))); nothing applied")
        case .failure(let refusal):
            throw ApplyError(.refused, refusal.reasons.joined(separator: "; "))
        }
    }

    /// Applies the migration file `strata optimize` has just written (`written`: every file
    /// written for it, the UP file first) as `applyOptimization` does. When that fails before
    /// a tracking row exists, nothing was applied and the files are removed, so no half-done
    /// optimisation is left in the folder; when a row exists (recorded failed midway), they
    /// stay, as `strata repair` needs them. The error says which happened.
    public func applyWrittenOptimization(_ file: MigrationFile, input: MigrationInput, written: [String]) throws(ApplyError) -> UpReport {
        do {
            return try applyOptimization(file, input: input)
        } catch {
            let kept = (try? hasTrackingRow(file.id)) ?? true
            if !kept {
                for path in written { try? FileManager.default.removeItem(atPath: path) }
            }
            let what = kept ? "\(file.path) is kept, recorded failed: fix the database, then `strata repair \(file.id)`"
                : "nothing applied; \(file.path) removed"
            throw ApplyError(error.kind, "\(error.message) (\(what))", statement: error.statement, code: error.code)
        }
    }

    /// Whether the plan may be applied now, and the question to ask first: refused while a
    /// migration is not applied as written (`optimizeRefusal`), or when it cannot be
    /// confirmed (no `--yes` and no one to ask). `shownURL`: the database as the question names
    /// it (redacted).
    public func optimizeDecision(_ plan: OptimizePlan, on shownURL: String, yes: Bool, canAsk: Bool) throws(ApplyError) -> OptimizeDecision {
        if let refusal = try optimizeRefusal() { return .refuse("optimize refused: \(refusal); nothing changed") }
        if yes { return .apply(question: nil) }
        guard canAsk else {
            return .refuse("optimize refused: applying the plan changes the database, and there is no terminal to confirm on: pass --yes (or --dry-run to see it, --write-migration to write it for review); nothing changed")
        }
        let count = plan.steps.count
        return .apply(question: "Apply \(count) change\(count == 1 ? "" : "s") to \(shownURL) as a new migration? [y/N] ")
    }

    /// The analysis `strata optimize` plans from: the database as it is, read with the
    /// migration files (`files`, by id) in the catalog's order and knowing which are applied.
    public func optimizeReport(files: [String: MigrationFile], options: OptimizeOptions) throws(ApplyError) -> OptimizeReport {
        let applied = Set(try status().filter { $0.kind == .applied || $0.kind == .changed }.map(\.id))
        let ordered = catalog.entries.compactMap { files[$0.id] }
        return try OptimizeAnalyzer(database: database, migrations: ordered, applied: applied, options: options).analyze()
    }

    /// Whether the tracking table has a row for `id` (applied or failed).
    public func hasTrackingRow(_ id: String) throws(ApplyError) -> Bool {
        try appliedRows().contains { $0.id == id }
    }
}

/// What `strata optimize` does with a plan it would apply (`Applier.optimizeDecision`).
public enum OptimizeDecision: Sendable, Equatable {
    /// Nothing changes; the message says why (exit 1).
    case refuse(String)
    /// Apply it, after asking `question` when there is one (no yes: cancelled).
    case apply(question: String?)

    /// What the user reads when the question was not answered yes.
    public static let cancelled = "optimize cancelled; nothing changed"
}
