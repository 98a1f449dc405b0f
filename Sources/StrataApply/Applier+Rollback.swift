import Foundation

/// What `rollback` did.
public struct RollbackReport: Sendable, Equatable {
    public struct Undone: Sendable, Equatable {
        public var id: String
        public var milliseconds: Int64
    }

    public var undone: [Undone]
    /// Migrations of the plan another run rolled back while this one waited.
    public var alreadyUndone: [String]
}

// MARK: - Rollback

/// Runs a rollback plan (`RollbackPlanner`): each migration's DOWN section with the removal
/// of its tracking row and its `rolled_back` event, in one transaction under the migration
/// lock; statement by statement for a DOWN that cannot run in a transaction.
extension Applier {
    /// The tracking rows, in the order applied.
    public func appliedRows() throws(ApplyError) -> [LedgerEntry] { try ledger.entries() }

    /// Every rollback recorded, oldest first.
    public func rollbackHistory() throws(ApplyError) -> [RollbackRecord] { try ledger.rollbacks() }

    /// Undoes the plan's steps in order. A failing DOWN in a transaction leaves that migration
    /// (and every later step) applied, as before; one outside a transaction stops with the
    /// row `failed` and the failing statement, for `strata repair`.
    ///
    /// `takeBackup` takes the backup that guards the rollback and returns the path to record:
    /// it is called once, under the migration lock, just before the first DOWN that runs, so
    /// concurrent rollbacks of the same migrations take one backup between them (the others
    /// find the work done and take none), and a rollback with nothing left to do takes none.
    /// `backupPath` records a backup taken beforehand instead.
    public func rollback(_ plan: RollbackPlan, reason: String?, forced: Bool, backupPath: String? = nil,
                         takeBackup: (() throws(ApplyError) -> String)? = nil) throws(ApplyError) -> RollbackReport {
        var report = RollbackReport(undone: [], alreadyUndone: [])
        guard !plan.steps.isEmpty else { return report }
        try inLock { () throws(ApplyError) in try ledger.ensure() }
        let backup = RollbackBackup(path: backupPath, take: takeBackup)
        for (n, step) in plan.steps.enumerated() {
            try keepingSQLiteSettings(step.down.flatMap(\.connectionSettings)) { () throws(ApplyError) in
                try rollbackStep(step, n: n, of: plan.steps.count, reason: reason, forced: forced, backup: backup, report: &report)
            }
        }
        return report
    }

    /// One step of `rollback`, in a transaction or outside one, added to `report`.
    private func rollbackStep(_ step: RollbackStep, n: Int, of total: Int, reason: String?, forced: Bool, backup: RollbackBackup,
                              report: inout RollbackReport) throws(ApplyError) {
        let label = "[\(n + 1)/\(total)] \(step.id)"
        let record = { (ms: Int64) in
            RollbackRecord(migrationID: step.id, rolledBackAt: Ledger.timestamp(), reason: reason, forced: forced,
                           risk: step.risk.level.description, backupPath: backup.path, executionMilliseconds: ms,
                           rolledBackBy: Ledger.actor)
        }
        // Its time when this run undid it; nil when another run did first.
        let undone: Int64?
        var how = ""
        if step.nonTransactionalReason == nil {
            var done: Int64? = nil
            do {
                try inLock { () throws(ApplyError) in
                    guard try stillApplied(step) else { return }
                    try backup.takeIfDue()
                    emit(.rollbackStarted, step.id, .init(transaction: true))
                    let started = ContinuousClock.now
                    let units = step.down.map(\.unit) + sessionReset.map { SQLUnit($0) }
                    if let stopped = sayingStillRunning(label, { database.execute(units: units) }) {
                        let failed = stopped.unit < step.down.count ? downFailure(step, step.down[stopped.unit], stopped)
                            : ApplyError(.statement, "\(step.id): putting the session back after its DOWN failed: \(stopped.error.message)")
                        let ms = Self.milliseconds(ContinuousClock.now - started)
                        unrecordedFailure = HistoryEvent(kind: .rollbackFailed, migrationID: step.id, occurredAt: Ledger.timestamp(),
                                                         actor: Ledger.actor, executionMilliseconds: ms, reason: reason,
                                                         error: failed.message)
                        emit(.rollbackFailed, step.id, ms: ms, .init(error: ApplyEvent.summary(of: failed)))
                        throw failed
                    }
                    let ms = Self.milliseconds(ContinuousClock.now - started)
                    try ledger.record(.delete(step.id), HistoryEvent(record(ms)))
                    done = ms
                }
            } catch {
                recordFailureAfterRollback()
                throw error
            }
            undone = done
        } else {
            undone = try rollbackOutsideTransaction(step, label: label, backup: backup, record: record)
            how = " (outside a transaction: \(step.nonTransactionalReason ?? ""))"
        }
        if let undone {
            progress("\(label) ... rolled back \(undone) ms\(how)")
            report.undone.append(.init(id: step.id, milliseconds: undone))
            emitRolledBack(record(undone))
        } else {
            progress("\(label) ... already rolled back by another run")
            report.alreadyUndone.append(step.id)
            emit(.alreadyRolledBack, step.id)
        }
    }

    /// Whether the step's migration is still applied (another run may have undone it while
    /// this one waited for the lock); a failed row stops the rollback.
    private func stillApplied(_ step: RollbackStep) throws(ApplyError) -> Bool {
        guard let row = try ledger.entry(step.id) else { return false }
        guard row.status == .applied else {
            throw ApplyError(.refused, "\(step.id) failed midway in another run; fix the database, then run `strata repair \(step.id)`")
        }
        return true
    }

    /// Statement by statement, each committed on its own. The row is first marked `failed`
    /// with `rollbackClaim`, so a run that stops midway (an error, a kill) leaves the
    /// migration neither applied nor undone, for `strata repair`; at the end the row goes and
    /// the rollback is recorded, in one transaction. Nil when another run undid it first.
    private func rollbackOutsideTransaction(_ step: RollbackStep, label: String, backup: RollbackBackup,
                                            record: (Int64) -> RollbackRecord) throws(ApplyError) -> Int64? {
        if database.dialect == .postgresql {
            try pollSessionLock()
        }
        defer { if database.dialect == .postgresql { try? database.execute("SELECT pg_advisory_unlock(\(lockKey))") } }
        var claimed: LedgerEntry? = nil
        try inLock { () throws(ApplyError) in
            guard try stillApplied(step), var row = try ledger.entry(step.id) else { return }
            try backup.takeIfDue()
            row.status = .failed
            row.error = Self.rollbackClaim
            row.pid = Ledger.pid
            try ledger.record(.update(row), nil)
            claimed = row
        }
        guard var row = claimed else { return nil }
        emit(.rollbackStarted, step.id, .init(transaction: false))
        let started = ContinuousClock.now
        for statement in step.down {
            if let stopped = sayingStillRunning(label, { database.execute(units: [statement.unit]) }) {
                let failed = downFailure(step, statement, stopped)
                if !sessionReset.isEmpty { try? database.execute(sessionReset.joined(separator: "; ")) }
                let ms = Self.milliseconds(ContinuousClock.now - started)
                row.failedStatement = failed.statement
                row.error = "rollback failed midway: " + failed.message
                let failedRow = row
                try? inLock { () throws(ApplyError) in
                    try ledger.record(.update(failedRow), HistoryEvent(kind: .rollbackFailed, migrationID: step.id, occurredAt: Ledger.timestamp(),
                                                                       actor: Ledger.actor, executionMilliseconds: ms, reason: record(ms).reason,
                                                                       error: failed.message))
                }
                emit(.rollbackFailed, step.id, ms: ms, .init(error: ApplyEvent.summary(of: failed)))
                throw failed
            }
        }
        if !sessionReset.isEmpty { try database.execute(sessionReset.joined(separator: "; ")) }
        let ms = Self.milliseconds(ContinuousClock.now - started)
        try inLock { () throws(ApplyError) in try ledger.record(.delete(step.id), HistoryEvent(record(ms))) }
        return ms
    }

    /// Tells `onEvent` of a rollback done, with what was recorded about it.
    private func emitRolledBack(_ record: RollbackRecord) {
        emit(.rolledBack, record.migrationID, ms: record.executionMilliseconds,
             .init(risk: record.risk, forced: record.forced, reason: record.reason, backupPath: record.backupPath))
    }

    /// The `error` of a row whose DOWN is running outside a transaction.
    static let rollbackClaim = "interrupted: its rollback was running"

    private func downFailure(_ step: RollbackStep, _ statement: RollbackStep.Statement, _ stopped: ExecutionFailure) -> ApplyError {
        Self.failure(in: step.path.map { "\($0):" }, statement, stopped, "rolling back \(step.id) failed")
    }
}

/// The backup a rollback records: taken beforehand (`path`), or by `take` under the migration
/// lock before the first DOWN that runs (the backup is of the database as no run has changed
/// it yet, and the lock keeps another rollback from taking one too).
private final class RollbackBackup {
    private(set) var path: String?
    private var take: (() throws(ApplyError) -> String)?

    init(path: String?, take: (() throws(ApplyError) -> String)?) {
        self.path = path
        self.take = take
    }

    func takeIfDue() throws(ApplyError) {
        guard let take else { return }
        path = try take()
        self.take = nil
    }
}
