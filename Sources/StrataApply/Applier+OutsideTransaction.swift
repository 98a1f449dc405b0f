import Foundation

// MARK: - Migrations outside a transaction

extension Applier {
    /// Statement by statement, each committed on its own, under a lock held across them.
    /// A failure leaves a `failed` row naming the statement, and `up` refuses until repair.
    func runOutsideTransaction(_ entry: CatalogEntry, index: Int, of total: Int) throws(ApplyError) -> UpReport.Applied? {
        switch database.dialect {
        case .postgresql:
            try pollSessionLock()
            defer { try? database.execute("SELECT pg_advisory_unlock(\(lockKey))") }
            guard let existing = try ledger.entry(entry.id) else { return try runClaimed(entry, index: index, of: total) }
            try requireApplied(existing)
        case .sqlite:
            // SQLite's lock lasts a transaction only: claim the migration with a `failed` row
            // written under the write lock, run, then mark it applied. Another run's claim
            // means it is still running: wait for its outcome, so that no run goes on to the
            // next migration before this one is done.
            let deadline = ContinuousClock.now + lockTimeout
            var reported = false
            while true {
                var existing: LedgerEntry? = nil
                try inLock { () throws(ApplyError) in
                    existing = try ledger.entry(entry.id)
                    if existing == nil {
                        try ledger.record(row(entry, ms: 0, status: .failed, statement: nil, error: Self.claimMarker))
                    }
                }
                guard let existing else { return try runClaimed(entry, index: index, of: total, claimRow: true) }
                guard existing.status == .failed, existing.failedStatement == nil, existing.error == Self.claimMarker else {
                    try requireApplied(existing)
                    break
                }
                guard ContinuousClock.now < deadline else {
                    throw ApplyError(.statement, "\(entry.id) was still running in another run after \(lockTimeout.seconds) s; if no other strata is running, it was interrupted: fix the database, then run `strata repair \(entry.id)`")
                }
                if !reported { progress("waiting for another run to finish \(entry.id) (outside a transaction)"); reported = true }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        progress("[\(index + 1)/\(total)] \(entry.id) ... already applied by another run")
        return nil
    }

    /// The `error` of the row that claims a non-transactional migration on SQLite while it runs.
    static let claimMarker = "interrupted: it was running"

    /// Another run's row for a migration this run planned: fine when applied; a failed one
    /// stops this run (what follows may depend on it).
    func requireApplied(_ existing: LedgerEntry) throws(ApplyError) {
        guard existing.status == .failed else { return }
        throw ApplyError(.statement, "\(existing.id) failed midway in another run; fix the database, then run `strata repair \(existing.id)`")
    }

    func runClaimed(_ entry: CatalogEntry, index: Int, of total: Int, claimRow: Bool = false) throws(ApplyError) -> UpReport.Applied {
        let started = ContinuousClock.now
        for step in entry.up {
            do {
                try database.execute(step.sql)
            } catch {
                let failed = failure(entry, step, error)
                try? resetSessionAfter(entry)
                if claimRow { try? ledger.remove(entry.id) }
                try? ledger.record(row(entry, ms: Self.milliseconds(ContinuousClock.now - started), status: .failed,
                                       statement: step.sql, error: failed.message))
                throw failed
            }
        }
        try resetSessionAfter(entry)
        let ms = Self.milliseconds(ContinuousClock.now - started)
        if claimRow { try ledger.remove(entry.id) }
        try ledger.record(row(entry, ms: ms, status: .applied))
        progress("[\(index + 1)/\(total)] \(entry.id) ... ok \(ms) ms (outside a transaction: \(entry.nonTransactionalReason ?? ""))")
        return .init(id: entry.id, milliseconds: ms)
    }
}
