import Foundation
import StrataCore

// MARK: - Mark applied

extension Applier {
    /// Records migration `id` as applied without running it: the migration Strata cannot run
    /// (a goose Go migration) once its own tool ran it. The tracking row holds the file's
    /// checksum, as an apply's does, so `status`, `up` and the history checks treat it as any
    /// applied migration (an edit of the file afterwards shows as changed). Written under the
    /// migration lock, with a `marked_applied` event at the row's own time (`history` shows
    /// that event, not an apply).
    ///
    /// Refuses (`.refused`, nothing written) an id no file has, one that has a tracking row
    /// (applied, or failed: `strata repair`), and a SQL migration unless `force` (`strata up`
    /// runs those; recording one unrun is for a change made by hand).
    ///
    /// Returns what it did, a line each: the row written, and the migrations ordered before it
    /// that are still pending (`up` runs them after it).
    public func markApplied(_ id: String, force: Bool = false) throws(ApplyError) -> [String] {
        guard let entry = catalog[id] else {
            throw ApplyError(.refused, "no migration '\(id)': `strata status` lists the migrations and their ids")
        }
        func alreadyThere(_ existing: LedgerEntry) -> ApplyError {
            existing.status == .failed
                ? ApplyError(.refused, "\(id) failed midway in an earlier run; resolve it with `strata repair \(id)`")
                : ApplyError(.refused, "\(id) is already applied (\(existing.appliedAt) by \(existing.appliedBy)); nothing to record")
        }
        // Read first (a database without tracking tables is not given any for a refusal): the
        // row says more than that the file is SQL.
        if let existing = try ledger.entries().first(where: { $0.id == id }) { throw alreadyThere(existing) }
        if entry.nonSQL == nil, !force {
            throw ApplyError(.refused, "\(entry.path) is SQL, which `strata up` runs; to record it as applied without running it (you ran it by hand), pass --force")
        }
        var row: LedgerEntry?
        var earlier: [String] = []
        try inLock { () throws(ApplyError) in
            try ledger.ensure()
            let rows = Dictionary(try ledger.entries().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            if let existing = rows[id] { throw alreadyThere(existing) }
            let written = LedgerEntry(id: id, name: entry.name, checksum: entry.checksum, downChecksum: entry.downChecksum,
                                      appliedAt: Ledger.timestamp(), executionMilliseconds: 0, appliedBy: Ledger.actor,
                                      status: .applied, failedStatement: nil, error: nil, pid: Ledger.pid)
            let how = entry.nonSQL.map { "run by \($0.tool), recorded by strata mark-applied" } ?? "recorded by strata mark-applied --force, not run by Strata"
            try ledger.record(.insert(written), HistoryEvent(kind: .markedApplied, migrationID: id, occurredAt: written.appliedAt,
                                                             actor: written.appliedBy, executionMilliseconds: 0, checksum: written.checksum,
                                                             reason: how))
            earlier = catalog.entries.prefix { $0.id != id }.filter { rows[$0.id] == nil }.map(\.id)
            row = written
        }
        guard let row else { return [] }
        // Told once committed.
        emit(.markedApplied, id, .init(file: entry.path, checksum: row.checksum))
        var lines = ["\(id) marked applied (\(entry.path), checksum \(row.checksum.prefix(12))); Strata did not run it"]
        if !earlier.isEmpty {
            lines.append("note: ordered before it and still pending: \(earlier.joined(separator: ", ")); `strata up` will run them after it")
        }
        return lines
    }

    /// Records that migration `id`, applied, was rolled back by its own tool (Strata cannot run
    /// a goose Go migration's DOWN): its tracking row goes and a rollback is recorded, as
    /// `rollback` does after a DOWN. Refuses an id without an applied row, and a SQL migration
    /// unless `force` (`strata rollback` runs its DOWN).
    public func markRolledBack(_ id: String, force: Bool = false) throws(ApplyError) -> [String] {
        if let entry = catalog[id], entry.nonSQL == nil, !force {
            throw ApplyError(.refused, "\(entry.path) is SQL, whose DOWN `strata rollback` runs; to record it as rolled back without running anything, pass --force")
        }
        // Read first, so that a database without tracking tables is not given any.
        guard try ledger.entries().contains(where: { $0.id == id }) else {
            throw ApplyError(.refused, "\(id) is not applied; nothing to record")
        }
        var done = false
        try inLock { () throws(ApplyError) in
            try ledger.ensure()
            guard let row = try ledger.entry(id) else { throw ApplyError(.refused, "\(id) is not applied; nothing to record") }
            guard row.status == .applied else {
                throw ApplyError(.refused, "\(id) failed midway in an earlier run; resolve it with `strata repair \(id)`")
            }
            let how = catalog[id]?.nonSQL.map { "rolled back by \($0.tool), recorded by strata mark-applied --rolled-back" }
                ?? "recorded by strata mark-applied --rolled-back --force, no DOWN run by Strata"
            let record = RollbackRecord(migrationID: id, rolledBackAt: Ledger.timestamp(), reason: how, forced: force, risk: "blocked",
                                        backupPath: nil, executionMilliseconds: 0, rolledBackBy: Ledger.actor)
            try ledger.record(.delete(id), HistoryEvent(record))
            done = true
        }
        guard done else { return [] }
        emit(.rolledBack, id, ms: 0, .init(reason: "recorded by strata mark-applied --rolled-back"))
        return ["\(id) marked rolled back (its tracking row removed); Strata ran nothing"]
    }
}
