import Foundation

// MARK: - Every migration in one transaction

extension Applier {
    /// `up --single-transaction`: one transaction holding the lock, from the tracking tables to
    /// the last row. The rows are read once, under the lock (nothing else can write them until
    /// it ends), and `UpPlanner` reads the source against them: each migration runs as soon as
    /// its place in the plan is settled, so on a stream the first ones run while the rest are
    /// still being read. A source read whole is planned whole before the first runs: a refusal,
    /// or a migration that cannot run in a transaction, is then found before any runs, and the
    /// progress lines count the plan exactly.
    ///
    /// Nothing is kept (rolled back, the tracking tables included) when the finished plan is
    /// refused (with the lint's reasons too, as migration by migration), when a planned
    /// migration cannot run in a transaction, when `lint` (waited for before COMMIT) finds
    /// errors in a planned file, or when nothing ran. Once the plan is
    /// sure to be refused, or the lint has found errors in a planned migration, nothing more
    /// runs: the rest is read only to give every reason.
    ///
    /// A lock timeout (`lockSafety`) rolls the whole run back; it is then run again, planned
    /// again from the rows read in the new transaction, up to the retry limit. The history
    /// events of the failed attempts are written with the run that commits (a run that fails
    /// keeps nothing, as before).
    func upInOneTransaction(_ request: UpRequest, lint: LintGate?) throws(ApplyError) -> Result<UpReport, Refusal> {
        try startSession()
        var started = false
        var attempt = 1
        var retried: [HistoryEvent] = []
        while true {
            let attemptStarted = ContinuousClock.now
            lockTimedOut = nil
            do throws(ApplyError) {
                return try upInOneTransactionAttempt(request, lint: lint, started: &started, retried: retried,
                                                     retryingLockTimeout: retriesLockTimeout(attempt: attempt))
            } catch where isLockTimeout(error) && retriesLockTimeout(attempt: attempt) && lockTimedOut != nil {
                let entry = lockTimedOut!
                retried.append(retryAfterLockTimeout(entry, label: entry.id, attempt: attempt, ms: Self.milliseconds(ContinuousClock.now - attemptStarted),
                                                     error: error, record: .later, whole: true))
                attempt += 1
            }
        }
    }

    /// One attempt of `upInOneTransaction`: `started` says whether `onStart` was called;
    /// `retried`, the history events of the attempts before, written with the rows.
    private func upInOneTransactionAttempt(_ request: UpRequest, lint: LintGate?, started: inout Bool, retried: [HistoryEvent],
                                           retryingLockTimeout: Bool) throws(ApplyError) -> Result<UpReport, Refusal> {
        var report = UpReport(applied: [], alreadyApplied: [])
        var refusal: Refusal?
        func start() {
            if !started { onStart?() }
            started = true
        }
        do throws(ApplyError) {
            try inLockKeeping { () throws(ApplyError) -> Bool in
                try ledger.ensure()
                let entries = try ledger.entries()
                let rows = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
                var planner = UpPlanner(rows: entries, claims: try claims(in: entries), ids: source.ids, request: request)
                let total = source.count
                var taken = 0
                func takeNext() throws(ApplyError) {
                    planner.take(try source.entry(taken))
                    taken += 1
                    if taken == total { planner.finish() }
                }
                if total == 0 { planner.finish() }
                if source.isComplete { while taken < total { try takeNext() } }
                // What stops the run before COMMIT, found while it runs.
                var notInTransaction: CatalogEntry?
                var lintFound = false
                var lintErrorIDs: Set<String>?   // once the lint has finished
                var lintChecked = 0              // planned migrations compared with it
                // The tracking rows go in together at the end, still inside the transaction.
                var written: [LedgerEntry]? = []
                while true {
                    // With a target, nothing runs before the plan has reached it: the progress
                    // lines count the plan exactly.
                    while planner.countIsSettled, let entry = planner.next() {
                        guard !planner.willRefuse, notInTransaction == nil, !lintFound else { continue }
                        if let stop = entry.stop {
                            // What ran before it commits; nothing after it is planned.
                            report.stoppedAt = stop
                            continue
                        }
                        guard entry.transactional else {
                            notInTransaction = entry
                            continue
                        }
                        if lintErrorIDs == nil, let errors = lint?.errorsIfFinished() {
                            lintErrorIDs = Set(errors.filter { !$0.value.isEmpty }.keys)
                        }
                        if let ids = lintErrorIDs {
                            while lintChecked < planner.planned.count {
                                if ids.contains(planner.planned[lintChecked].id) { lintFound = true }
                                lintChecked += 1
                            }
                            if lintFound { continue }
                        }
                        start()
                        let n = report.applied.count
                        if let done = try runLocked(entry, index: n, of: planner.count, rows: rows, retryingLockTimeout: retryingLockTimeout,
                                                    deferredRows: &written) {
                            report.applied.append(done)
                        } else {
                            report.alreadyApplied.append(entry.id)
                        }
                    }
                    guard taken < total else { break }
                    try takeNext()
                }
                if case .failure = planner.verdict(lintErrors: nil),
                   case .failure(var refused) = planner.verdict(lintErrors: lint?.errors()) {
                    // Every reason, the lint's too, as a run migration by migration gives them.
                    refused.rolledBack = !report.applied.isEmpty
                    refusal = refused
                    return false
                }
                start()
                if let entry = notInTransaction {
                    throw ApplyError(.statement, "\(entry.id) cannot run in a transaction (\(entry.nonTransactionalReason ?? "")): --single-transaction refused")
                }
                if let lint, !planner.planned.isEmpty {
                    let reasons = Self.lintReasons(planner.planned, lint.errors())
                    if !reasons.isEmpty {
                        refusal = Refusal(reasons: reasons, rolledBack: true)
                        return false
                    }
                }
                // Nothing ran: nothing to keep, the tracking tables included.
                guard !report.applied.isEmpty else { return false }
                try ledger.record(written ?? [])
                for event in retried { try ledger.record(.unchanged, event) }
                return true
            }
        } catch where error.kind == .refused {
            // Another run's migration found failed once this run reached it.
            return .failure(Refusal(reasons: [error.message]))
        }
        if let refusal { return .failure(refusal) }
        for done in report.applied { emit(.applied, done.id, ms: done.milliseconds) }
        return .success(report)
    }
}
