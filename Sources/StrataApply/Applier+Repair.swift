import Foundation

/// What `repair` found and checked, and what it did.
public struct RepairReport: Sendable, Equatable {
    /// A line each: the failure found, then each check that passed (or was waived).
    public var checked: [String]
    public var outcome: String

    public var lines: [String] { checked + [outcome] }
}

// MARK: - Repair

extension Applier {
    /// Resolves a migration that failed midway outside a transaction: `markApplied` when the
    /// operator finished it by hand, else the row is removed so `up` runs it again. Inside the
    /// migration lock it first checks that the run that claimed the migration is gone, and that
    /// the file is the one that failed (same checksum); `allowChanged` accepts a changed or
    /// missing file, and with `markApplied` records the file's checksum as it is now.
    public func repair(_ id: String, markApplied: Bool, allowChanged: Bool = false) throws(ApplyError) -> RepairReport {
        let noRow = ApplyError(.refused, "\(id) has no tracking row, so there is nothing to repair: "
            + (catalog[id] != nil ? "it is pending (its file has not been applied)" : "no migration file has that id either"))
        // Read first, so that a database without tracking tables is not given any.
        guard try ledger.entries().contains(where: { $0.id == id }) else { throw noRow }
        var report = RepairReport(checked: [], outcome: "")
        var repaired = false
        try inLock { () throws(ApplyError) in
            try ledger.ensure()
            guard let row = try ledger.entry(id) else { throw noRow }
            guard row.status == .failed else { report.outcome = "\(id) is applied; nothing to repair"; return }
            report.checked = try checks(row, allowChanged: allowChanged)
            let entry = catalog[id]
            var fixed = row
            let change: Ledger.RowChange
            if !markApplied {
                change = .delete(id)
                report.outcome = "\(id)'s failed row removed; `strata up` will run it again"
            } else {
                (fixed.status, fixed.failedStatement, fixed.error) = (.applied, nil, nil)
                if let entry, entry.checksum != row.checksum {
                    (fixed.checksum, fixed.downChecksum) = (entry.checksum, entry.downChecksum)
                    report.outcome = "\(id) marked applied, with the checksum of \(entry.path) as it is now"
                } else {
                    report.outcome = "\(id) marked applied"
                }
                change = .update(fixed)
            }
            try ledger.record(change, HistoryEvent(kind: .repaired, migrationID: id, occurredAt: Ledger.timestamp(), actor: Ledger.actor,
                                                   checksum: fixed.checksum, reason: markApplied ? "marked applied" : "failed row removed, to run again"))
            repaired = true
        }
        // Told once committed.
        if repaired { emit(.repaired, id, .init(action: markApplied ? "applied" : "retry")) }
        return report
    }

    /// The failure found and what was checked, a line each; throws when a check fails.
    private func checks(_ row: LedgerEntry, allowChanged: Bool) throws(ApplyError) -> [String] {
        var lines: [String] = []
        if Self.isClaim(row) {
            lines.append("found: \(row.id) was interrupted midway; which of its statements ran is not recorded")
            lines.append(try claimantCheck(row))
        } else {
            let failure = row.error ?? "\(row.id) failed"
            let statement = row.failedStatement.map { "\n  statement: \($0.split(separator: "\n", maxSplits: 1).first ?? "")" } ?? ""
            lines.append("found: " + (failure.contains("\n  statement: ") ? failure : failure + statement))
        }
        guard let entry = catalog[row.id] else {
            guard allowChanged else {
                throw ApplyError(.refused, "\(row.id) has no file, so it cannot be checked against the failed run; restore it, or pass --allow-changed")
            }
            lines.append("checked: \(row.id) has no file: --allow-changed")
            return lines
        }
        let now = entry.checksum.prefix(12), ran = row.checksum.prefix(12)
        if entry.checksum == row.checksum {
            lines.append("checked: \(entry.path) is unchanged since it failed (checksum \(now))")
        } else if allowChanged {
            lines.append("checked: \(entry.path) changed since it failed (checksum \(now), the failed run's \(ran)): --allow-changed")
        } else {
            throw ApplyError(.refused, "\(entry.path) changed since \(row.id) failed (checksum \(now), the failed run's \(ran)); restore the file as it ran, or pass --allow-changed")
        }
        return lines
    }

    /// That the run that claimed a migration is gone; the caller holds the migration lock.
    private func claimantCheck(_ claim: LedgerEntry) throws(ApplyError) -> String {
        switch database.dialect {
        case .postgresql:
            // The claimant held the session lock until its outcome; this run holds the lock.
            return "checked: the run that started it (\(claimant(claim))) is gone: it no longer holds the migration lock"
        case .sqlite:
            guard let pid = claim.pid else {
                return "not checked: whether the run that started it is gone (its row does not record the process); make sure it is"
            }
            guard Ledger.host(of: claim.appliedBy) == Ledger.host else {
                return "not checked: whether the run that started it (\(claimant(claim))) is gone, from another host; make sure it is"
            }
            guard pid != Ledger.pid, LocalProcess.hasEnded(pid) else {
                throw ApplyError(.refused, "\(claim.id) is still running in another run (\(claimant(claim))); let it finish")
            }
            return "checked: the run that started it (\(claimant(claim))) is gone"
        }
    }
}
