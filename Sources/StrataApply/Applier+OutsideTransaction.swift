import Foundation

// MARK: - Migrations outside a transaction

/// A migration that cannot run in a transaction runs statement by statement, each committed on
/// its own. Before its first statement the run commits a claim: a `failed` row whose error is
/// `claimMarker`, naming the run's process and host; at the end the row gets the outcome. A run
/// killed midway leaves the claim, so `status` shows the migration failed and `up` refuses
/// until `strata repair`, instead of running statements that already ran a second time.
extension Applier {
    /// The `error` of the row that claims a migration while it runs outside a transaction.
    static let claimMarker = "interrupted: it was running"

    /// Whether `row` is a claim (the migration is running, or its run was interrupted).
    static func isClaim(_ row: LedgerEntry) -> Bool {
        row.status == .failed && row.failedStatement == nil && row.error == claimMarker
    }

    /// Statement by statement, each committed on its own, after the claim is committed.
    /// A failure leaves a `failed` row naming the statement, and `up` refuses until repair.
    func runOutsideTransaction(_ entry: CatalogEntry, index: Int, of total: Int) throws(ApplyError) -> UpReport.Applied? {
        switch database.dialect {
        case .postgresql:
            // The session lock is held from the claim to the outcome, so a claim found under
            // it is one whose run is gone.
            try pollSessionLock()
            defer { try? database.execute("SELECT pg_advisory_unlock(\(lockKey))") }
            guard let existing = try ledger.entry(entry.id) else {
                try ledger.record(.insert(row(entry, ms: 0, status: .failed, error: Self.claimMarker)), nil)
                return try runClaimed(entry, index: index, of: total)
            }
            if Self.isClaim(existing) { throw ApplyError(.refused, interrupted(existing)) }
            try requireApplied(existing)
        case .sqlite:
            // SQLite's lock lasts a transaction only: the claim is written under the write
            // lock. Another run's claim means it is still running, unless its process is
            // gone: wait for its outcome, so that no run goes on to the next migration before
            // this one is done.
            let deadline = ContinuousClock.now + lockTimeout
            var reported = false
            while true {
                var existing: LedgerEntry? = nil
                try inLock { () throws(ApplyError) in
                    existing = try ledger.entry(entry.id)
                    if existing == nil {
                        try ledger.record(.insert(row(entry, ms: 0, status: .failed, error: Self.claimMarker)), nil)
                    }
                }
                guard let existing else { return try runClaimed(entry, index: index, of: total) }
                guard Self.isClaim(existing) else {
                    try requireApplied(existing)
                    break
                }
                if try claimIsAbandoned(existing) { throw ApplyError(.refused, interrupted(existing)) }
                guard ContinuousClock.now < deadline else {
                    throw ApplyError(.statement, "\(entry.id) was still running in another run (\(claimant(existing))) after \(lockTimeout.seconds) s; if no other strata is running, it was interrupted: fix the database, then run `strata repair \(entry.id)`")
                }
                if !reported { progress("waiting for another run (\(claimant(existing))) to finish \(entry.id) (outside a transaction)"); reported = true }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        progress("[\(index + 1)/\(total)] \(entry.id) ... already applied by another run")
        emit(.alreadyApplied, entry.id)
        return nil
    }

    /// Another run's row for a migration this run planned: fine when applied; a failed one
    /// stops this run (what follows may depend on it): `up` refuses, as it does when
    /// it finds one before it starts.
    func requireApplied(_ existing: LedgerEntry) throws(ApplyError) {
        guard existing.status == .failed else { return }
        throw ApplyError(.refused, "\(existing.id) failed midway in another run; fix the database, then run `strata repair \(existing.id)`")
    }

    /// Runs the statements of a migration this run has claimed, then writes the outcome over
    /// the claim, with its event, in one transaction. A statement cancelled by a lock timeout
    /// runs again when that is safe (`Applier+LockRetry.swift`).
    func runClaimed(_ entry: CatalogEntry, index: Int, of total: Int) throws(ApplyError) -> UpReport.Applied {
        emit(.migrationStarted, entry.id, .init(file: entry.path, transaction: false))
        let started = ContinuousClock.now
        let label = "[\(index + 1)/\(total)] \(entry.id)"
        // The outcome over the claim: the row left `failed` for `strata repair`.
        func fail(_ failed: ApplyError) -> ApplyError {
            try? resetSessionAfter(entry)
            let ms = Self.milliseconds(ContinuousClock.now - started)
            let outcome = row(entry, ms: ms, status: .failed, statement: failed.statement, error: failed.message)
            try? inLock { () throws(ApplyError) in try ledger.record(.update(outcome), HistoryEvent(outcome)) }
            emit(.failed, entry.id, ms: ms, .init(error: ApplyEvent.summary(of: failed)))
            return failed
        }
        // Strata's lock_timeout for the session, put back by the reset after the migration.
        if let sql = sessionLockTimeoutSQL {
            do { try database.execute(sql) } catch { throw fail(lockTimeoutSettingFailure(entry, error)) }
        }
        var next = 0, attempt = 1
        var attemptStarted = started
        while next < entry.up.count {
            let step = entry.up[next]
            statementWillRun?(entry, step)
            // A block goes as one piece of text, as its tool sends it.
            if let stopped = sayingStillRunning(label, { database.execute(units: [step.unit]) }) {
                var failed = failure(entry, step, stopped)
                if isLockTimeout(failed), retriesLockTimeout(attempt: attempt) {
                    if let why = Self.unsafeToRetry(entry.up, at: next, of: entry.id) {
                        failed = Self.noting(failed, "not retried: \(why)")
                    } else {
                        // Cancelled while it waited for the lock, it changed nothing: it runs
                        // again, and the statements before it, committed, do not.
                        retryAfterLockTimeout(entry, label: label, attempt: attempt,
                                              ms: Self.milliseconds(ContinuousClock.now - attemptStarted), error: failed, record: .now)
                        attempt += 1
                        attemptStarted = ContinuousClock.now
                        continue
                    }
                }
                throw fail(failed)
            }
            next += 1
        }
        try resetSessionAfter(entry)
        let ms = Self.milliseconds(ContinuousClock.now - started)
        let outcome = row(entry, ms: ms, status: .applied)
        try inLock { () throws(ApplyError) in try ledger.record(.update(outcome), HistoryEvent(outcome)) }
        emit(.applied, entry.id, ms: ms)
        progress("[\(index + 1)/\(total)] \(entry.id) ... ok \(ms) ms (outside a transaction: \(entry.nonTransactionalReason ?? ""))")
        return .init(id: entry.id, milliseconds: ms)
    }

    // MARK: - Claims whose run is gone

    /// Whether the run that wrote `claim` is surely gone (false when it may still run). On
    /// PostgreSQL its run held the session lock until the outcome: the lock is free and the
    /// claim still there. On SQLite its process, on this host, has ended. The row is read
    /// again after the check, so a run that finished meanwhile is not taken for a dead one.
    func claimIsAbandoned(_ claim: LedgerEntry) throws(ApplyError) -> Bool {
        switch database.dialect {
        case .postgresql:
            guard try database.query("SELECT pg_try_advisory_lock(\(lockKey))").first?.first == .integer(1) else { return false }
            defer { try? database.execute("SELECT pg_advisory_unlock(\(lockKey))") }
            return try ledger.entry(claim.id).map(Self.isClaim) == true
        case .sqlite:
            guard let pid = claim.pid, pid != Ledger.pid, Ledger.host(of: claim.appliedBy) == Ledger.host,
                  LocalProcess.hasEnded(pid) else { return false }
            return try ledger.entry(claim.id).map { Self.isClaim($0) && $0.pid == pid && $0.appliedAt == claim.appliedAt } == true
        }
    }

    /// The run that wrote a claim: `pid 4242 on build-7`.
    func claimant(_ claim: LedgerEntry) -> String {
        let host = Ledger.host(of: claim.appliedBy)
        return "pid \(claim.pid.map(String.init) ?? "?") on \(host.isEmpty ? "an unknown host" : host)"
    }

    /// Why a migration whose run is gone stops `up`.
    func interrupted(_ claim: LedgerEntry) -> String {
        "\(claim.id) was interrupted midway: the run that started it (\(claimant(claim))) is gone; fix the database, then run `strata repair \(claim.id)`"
    }
}
