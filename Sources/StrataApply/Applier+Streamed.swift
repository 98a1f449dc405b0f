import Foundation

/// How a streamed `up --single-transaction` ended.
public enum StreamedUpOutcome: Sendable, Equatable {
    /// Every pending migration (up to the target) ran, and the transaction committed.
    case applied(UpReport)
    /// The run needs the whole catalog to be planned (or refused) as `plan` does: it rolled back
    /// and kept nothing, the tracking tables included. `reason` says why; `ranMigrations` is
    /// true when some migrations ran (and were reported) before it was found.
    case replan(reason: String, ranMigrations: Bool)
    /// Pending files have lint errors (one reason per migration): rolled back, nothing kept.
    case refused(reasons: [String])
}

extension Applier {
    /// `up --single-transaction` reading the files as they are made, in one transaction holding
    /// the lock: each pending file runs as soon as it is ready, when everything it depends on is
    /// applied or ran before it. The set is planned as `plan` would, under the assumption that
    /// the files apply in the order of their ids; anything that breaks it (a dependency pointing
    /// forward, two files with one id, a failed or claimed row, an applied migration edited or
    /// gone, a file that cannot be read or cannot run in a transaction, an unknown target)
    /// rolls everything back and returns `.replan`, for the caller to plan with the whole
    /// catalog.
    ///
    /// `lintErrors` gives the error-level lint findings per migration id of the whole set once
    /// its lint has finished (nil before; `wait` true: wait for it). It is asked before each
    /// migration and, at the latest, before COMMIT; errors in a pending file roll everything
    /// back (`.refused`).
    public func upStreamed(_ stream: CatalogStream, target: String? = nil, allowChanged: Bool = false,
                           lintErrors: ((_ wait: Bool) -> [String: [String]]?)? = nil) throws(ApplyError) -> StreamedUpOutcome {
        try startSession()
        var report = UpReport(applied: [], alreadyApplied: [])
        var replan: String?
        var refusal: [String] = []
        var ranMigrations = false
        var pending: [String] = []
        var lintChecked = lintErrors == nil
        /// Throws (rolling back) when the lint has finished and found errors in a pending file.
        func checkLint(wait: Bool) throws(ApplyError) {
            guard !lintChecked, let errors = lintErrors?(wait) else { return }
            lintChecked = true
            refusal = Self.lintReasons(ids: pending, errors)
            if !refusal.isEmpty { throw ApplyError(.refused, "lint errors") }
        }
        /// Rolls back (by throwing out of the lock) for the caller to plan with the whole catalog.
        func replanning(_ reason: String) -> ApplyError {
            replan = reason
            return ApplyError(.refused, reason)
        }
        do {
            try inLock { () throws(ApplyError) in
                try ledger.ensure()
                let rows = Dictionary(try ledger.entries().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
                switch streamedPlan(stream.files.map(\.id), rows: rows, target: target, allowChanged: allowChanged) {
                case .failure(let reason): throw replanning(reason.message)
                case .success(let ids): pending = ids
                }
                var ready = Set(rows.keys)
                // Applied files whose checksum is still to compare (none with --allow-changed).
                var uncheckedApplied = allowChanged ? 0 : rows.count
                var written: [LedgerEntry]? = []
                for (i, file) in stream.files.enumerated() {
                    if report.applied.count == pending.count && uncheckedApplied == 0 { break }
                    let entry: CatalogEntry
                    switch stream.entry(i) {
                    case .success(let made) where made.id == file.id: entry = made
                    case .success(let made): throw replanning("\(made.path) holds migration \(made.id), not \(file.id)")
                    case .failure(let error): throw replanning(error.errorDescription ?? "\(error)")
                    }
                    if let row = rows[entry.id] {
                        if !allowChanged {
                            if row.checksum != entry.checksum { throw replanning("\(entry.id) was edited after it was applied") }
                            uncheckedApplied -= 1
                        }
                        continue
                    }
                    // Pending past the target, or past a migration Strata cannot run: not run,
                    // and nothing to check.
                    guard report.applied.count < pending.count, report.stoppedAt == nil else { continue }
                    if let stop = entry.stop {
                        // What ran before it commits; the lint concerns only what ran.
                        report.stoppedAt = stop
                        pending = Array(pending.prefix { $0 != entry.id })
                        continue
                    }
                    if !entry.transactional {
                        throw replanning("\(entry.id) cannot run in a transaction (\(entry.nonTransactionalReason ?? ""))")
                    }
                    if let missing = entry.dependencies.first(where: { !ready.contains($0) }) {
                        throw replanning("\(entry.id) depends on \(missing), which has not run before it")
                    }
                    try checkLint(wait: false)
                    ranMigrations = true
                    // The rows were read under this lock, and this one has none: it runs.
                    if let done = try runLocked(entry, index: report.applied.count, of: pending.count, rows: rows, deferredRows: &written) {
                        report.applied.append(done)
                    }
                    ready.insert(entry.id)
                }
                try ledger.record(written ?? [])
                try checkLint(wait: true)
            }
        } catch where replan != nil {
            return .replan(reason: replan ?? "", ranMigrations: ranMigrations)
        } catch where !refusal.isEmpty {
            return .refused(reasons: refusal)
        }
        for done in report.applied { emit(.applied, done.id, ms: done.milliseconds) }
        return .applied(report)
    }

    /// The pending ids in the order of the files, up to and including `target`, from what is
    /// known before any file is read: the files' ids and the tracking rows.
    private func streamedPlan(_ ids: [String], rows: [String: LedgerEntry], target: String?,
                              allowChanged: Bool) -> Result<[String], ApplyError> {
        let known = Set(ids)
        if known.count != ids.count { return .failure(ApplyError(.refused, "two migration files have the same id")) }
        if let row = rows.values.first(where: { $0.status != .applied }) {
            return .failure(ApplyError(.refused, "\(row.id) has a \(row.status.rawValue) row"))
        }
        if !allowChanged, let gone = rows.keys.first(where: { !known.contains($0) }) {
            return .failure(ApplyError(.refused, "\(gone) is applied but its file is missing"))
        }
        var pending = ids.filter { rows[$0] == nil }
        if let target {
            guard known.contains(target) else { return .failure(ApplyError(.refused, "no migration '\(target)'")) }
            pending = pending.firstIndex(of: target).map { Array(pending[...$0]) } ?? []
        }
        if pending.isEmpty { return .failure(ApplyError(.refused, "nothing is pending")) }
        return .success(pending)
    }
}
