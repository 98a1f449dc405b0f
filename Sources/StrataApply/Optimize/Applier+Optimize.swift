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
        let major = database.dialect == .postgresql ? Int(database.serverVersion.prefix { $0 != "." }) : nil
        var extended = catalog
        extended.entries.append(MigrationCatalog.entry(file, input, postgresMajor: major))
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

    /// Whether the tracking table has a row for `id` (applied or failed).
    public func hasTrackingRow(_ id: String) throws(ApplyError) -> Bool {
        try appliedRows().contains { $0.id == id }
    }
}
