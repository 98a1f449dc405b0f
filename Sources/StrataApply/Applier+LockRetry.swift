import Foundation
import StrataCore

// MARK: - Lock timeouts and retries (PostgreSQL)

/// With `lockSafety` set (`postgres.statement_lock_timeout`, `postgres.lock_retries`,
/// `postgres.lock_retry_backoff`, or the flags of `up` and `deploy`), each migration's
/// statements run with PostgreSQL's `lock_timeout`: a statement that waits longer than that for
/// a table's lock is cancelled (SQLSTATE 55P03), so the queries queued behind it go on. The
/// migration is then tried again after a wait, up to the retry limit; each retried attempt is
/// reported (a progress line, a `lock_timeout` event of `--log-json`, and a `lock_timeout` event
/// in the history, which `strata metrics` counts) and leaves no failure behind; only a last
/// failure is recorded, as any failure is.
///
/// - In a transaction of its own, the migration rolled back (its migration lock too, so the
///   wait holds nothing) and runs again from its first statement.
/// - Outside a transaction, the statements that committed stay and are not run again: the
///   statement that timed out runs again, since a statement cancelled while it waited for a
///   lock changed nothing. Not so a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY (which
///   leave an invalid index behind), a DETACH PARTITION CONCURRENTLY (which leaves the
///   partition detaching), or a statement inside a transaction block the migration opened
///   itself (the block is aborted): those stop as a failed migration, for `strata repair`. The
///   run keeps its session lock (and claim) while it waits, as it does for the whole migration.
/// - In `up --single-transaction`, the whole run rolls back and runs again, with the plan made
///   again from the tracking rows read in the new transaction.
///
/// On SQLite none of this applies: it has no lock_timeout, and its write lock is Strata's.
extension Applier {
    /// PostgreSQL's `lock_not_available`, which a lock timeout raises.
    static let lockNotAvailable = "55P03"

    /// Whether `error` is PostgreSQL's lock timeout (or another lock not available).
    func isLockTimeout(_ error: ApplyError) -> Bool {
        database.dialect == .postgresql && error.code == Self.lockNotAvailable
    }

    /// Whether a lock timeout in attempt `attempt` (1: the first) is tried again.
    func retriesLockTimeout(attempt: Int) -> Bool {
        database.dialect == .postgresql && attempt <= lockSafety.retryLimit
    }

    /// `SET LOCAL lock_timeout` for a migration's transaction; nil when Strata sets none.
    var localLockTimeoutSQL: String? {
        lockTimeoutMilliseconds.map { "SET LOCAL lock_timeout = '\($0)ms'" }
    }

    /// `SET lock_timeout` for a session running a migration outside a transaction (the reset
    /// after the migration, `RESET ALL`, puts it back); nil when Strata sets none.
    var sessionLockTimeoutSQL: String? {
        lockTimeoutMilliseconds.map { "SET lock_timeout = '\($0)ms'" }
    }

    private var lockTimeoutMilliseconds: Int64? {
        guard database.dialect == .postgresql, let timeout = lockSafety.statementLockTimeout else { return nil }
        return LockSafety.milliseconds(timeout)
    }

    /// Setting Strata's lock_timeout before a migration failed.
    func lockTimeoutSettingFailure(_ entry: CatalogEntry, _ error: ApplyError) -> ApplyError {
        ApplyError(.statement, "\(entry.path): setting lock_timeout before \(entry.id) failed: \(error.message)", code: error.code)
    }

    /// A migration and its tracking row in a transaction of its own holding the migration lock
    /// (`runLocked`); after a lock timeout, while retries remain, the attempt is rolled back (the
    /// lock with it), reported, and run again after the wait. `knownRows` and `knownVersion`:
    /// the rows as `run` last read them, and the data version they were read at.
    func runInOwnTransaction(_ entry: CatalogEntry, index n: Int, of total: Int, knownRows: inout [String: LedgerEntry],
                             knownVersion: UInt32?) throws(ApplyError) -> UpReport.Applied? {
        var attempt = 1
        while true {
            let started = ContinuousClock.now
            var done: UpReport.Applied? = nil
            do throws(ApplyError) {
                try inLock { () throws(ApplyError) in
                    // Without a data version (PostgreSQL) runLocked reads the one row itself.
                    var rows: [String: LedgerEntry]?
                    if let version = database.dataVersion() {
                        if version != knownVersion {
                            knownRows = Dictionary(try ledger.entries().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
                        }
                        rows = knownRows
                    }
                    var unused: [LedgerEntry]? = nil
                    done = try runLocked(entry, index: n, of: total, rows: rows, resetSession: true,
                                         retryingLockTimeout: retriesLockTimeout(attempt: attempt), deferredRows: &unused)
                }
                return done
            } catch where isLockTimeout(error) && retriesLockTimeout(attempt: attempt) {
                // Rolled back, the migration lock with it: the wait holds nothing.
                retryAfterLockTimeout(entry, label: "[\(n + 1)/\(total)] \(entry.id)", attempt: attempt,
                                      ms: Self.milliseconds(ContinuousClock.now - started), error: error, record: .now)
                attempt += 1
            } catch {
                recordFailureAfterRollback()
                throw error
            }
        }
    }

    /// When the history event of a retried attempt is written.
    enum RetryRecord {
        /// Now, in a transaction of its own under the migration lock (outside a transaction,
        /// with the session lock still held).
        case now
        /// Appended to this list, for the caller to write with what it keeps
        /// (`up --single-transaction`, whose failed attempts keep nothing).
        case later
    }

    /// Reports failed attempt `attempt` of `entry` (its statement timed out on a lock) and
    /// waits before the next: a progress line, a `lock_timeout` event, and, unless `record` is
    /// `.later`, the history event (returned as well).
    @discardableResult
    func retryAfterLockTimeout(_ entry: CatalogEntry, label: String, attempt: Int, ms: Int64, error: ApplyError,
                               record: RetryRecord, whole: Bool = false) -> HistoryEvent {
        let attempts = lockSafety.retryLimit + 1
        let wait = lockSafety.wait(afterAttempt: attempt, jitter: Double.random(in: 0...1))
        let waitMs = LockSafety.milliseconds(wait)
        let table = Self.lockedTable(in: error.message)
        let waitText = String(format: "%.1f s", Double(waitMs) / 1000)
        progress("\(label) ... lock timeout after \(ms) ms\(table.map { " on \($0)" } ?? "") (attempt \(attempt) of \(attempts)), \(whole ? "rolled back the whole run, " : "")retrying in \(waitText)")
        let summary = ApplyEvent.summary(of: error)
        emit(.lockTimeout, entry.id, ms: ms, .init(error: summary, attempt: attempt, attempts: attempts, waitMilliseconds: waitMs, table: table))
        let event = HistoryEvent(kind: .lockTimeout, migrationID: entry.id, occurredAt: Ledger.timestamp(), actor: Ledger.actor,
                                 executionMilliseconds: ms, checksum: entry.checksum,
                                 reason: "attempt \(attempt) of \(attempts), retried after \(waitText)", error: summary)
        switch record {
        case .now:
            // Losing this record loses a count in the metrics, not the migration: not an error.
            try? inLock { () throws(ApplyError) in try ledger.record(.unchanged, event) }
        case .later:
            break
        }
        if wait > .zero { Thread.sleep(forTimeInterval: Double(waitMs) / 1000) }
        return event
    }

    /// The relation PostgreSQL names in a lock error (`could not obtain lock on relation "t"`,
    /// `while locking tuple (0,1) in relation "t"`); nil when it names none (a plain lock
    /// timeout says only `canceling statement due to lock timeout`).
    static func lockedTable(in message: String) -> String? {
        guard let start = message.range(of: "relation \"") else { return nil }
        let rest = message[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let name = String(rest[..<end])
        return name.isEmpty ? nil : name
    }

    /// Why the statement at `index` of a migration run outside a transaction must not run again
    /// after it failed on a lock timeout; nil when running it again is safe.
    static func unsafeToRetry(_ steps: [CatalogEntry.Step], at index: Int, of id: String) -> String? {
        let words = firstWords(steps[index].sql)
        let text = steps[index].sql.uppercased()
        if words.first == "create", words.prefix(4).contains("index"), text.contains("CONCURRENTLY") {
            return "a CREATE INDEX CONCURRENTLY cancelled midway leaves an invalid index behind; drop it, then run `strata repair \(id) --retry`"
        }
        if words.first == "reindex", text.contains("CONCURRENTLY") {
            return "a REINDEX CONCURRENTLY cancelled midway leaves an invalid index behind (named ..._ccnew); drop it, then run `strata repair \(id) --retry`"
        }
        if words.first == "alter", text.contains("DETACH PARTITION"), text.contains("CONCURRENTLY") {
            return "a DETACH PARTITION CONCURRENTLY cancelled midway leaves the partition detaching; finish it (ALTER TABLE ... DETACH PARTITION ... FINALIZE), then run `strata repair \(id) --applied`"
        }
        // A transaction block the migration opened itself is aborted by the failure.
        var open = false
        for step in steps[...index] {
            switch firstWords(step.sql).first {
            case "begin", "start": open = true
            case "commit", "end", "rollback", "abort": open = false
            default: break
            }
        }
        if open { return "it ran inside a transaction block the migration opened (BEGIN), which the failure aborted; fix the database, then run `strata repair \(id)`" }
        return nil
    }

    /// The first words of a statement, lower-cased.
    private static func firstWords(_ sql: String) -> [String] {
        sql.prefix(200).lowercased().split(whereSeparator: { !($0.isLetter || $0 == "_") }).prefix(4).map(String.init)
    }

    /// `error` with `note` at the end of its first line.
    static func noting(_ error: ApplyError, _ note: String) -> ApplyError {
        var lines = error.message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        lines[0] += " (\(note))"
        return ApplyError(error.kind, lines.joined(separator: "\n"), statement: error.statement, code: error.code)
    }
}
