import StrataCore
import Foundation
import StrataSyntax

/// Runs migrations on a scratch PostgreSQL database statement by statement and reports what
/// each did there: the locks it took on objects that existed before its migration, the tables
/// and indexes it rewrote, what it created, altered or dropped, and how long it took.
///
/// It runs the SQL only: no tracking tables, no migration lock. A migration in a transaction
/// runs in one of its own, and after each statement the locks the transaction holds are read
/// (they accumulate until COMMIT, so a statement's are those that were not held before it),
/// with the relations locked in a mode that may change a schema described again and compared
/// with what the trace knew of them: one catalog query per statement, reading only those
/// relations. The whole schema is read once at the start, and again only after what ran
/// outside any transaction.
public final class Tracer {
    public let database: any Database
    /// Where progress lines go.
    public var progress: (String) -> Void = { _ in }

    /// What the trace knows of every relation, by oid, as of the last statement it observed.
    var relations: [Int64: TracedRelation] = [:]
    /// Set when SQL ran unobserved (a migration only built the schema): `relations` is read
    /// again before the next observed one.
    var stale = true
    let major: Int
    let heldQuery: String
    /// The name `heldQuery` is prepared under, once per session: planning it costs more than
    /// running it.
    let heldStatement = "strata_trace_held_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    var heldPrepared = false
    /// Set after a statement that may have dropped prepared statements (DISCARD ALL, DEALLOCATE).
    var heldMayBeGone = false
    /// lock_timeout in milliseconds as each migration starts (the role's or database's
    /// default, 0: none), and as the statements of the one running left it.
    var sessionLockTimeout = 0
    var lockTimeout = 0

    /// `database`: a connection to a scratch database, which the trace changes.
    public init(database: any Database) throws(ApplyError) {
        guard database.dialect == .postgresql else {
            throw ApplyError(.invalidURL, "strata trace runs on PostgreSQL only")
        }
        self.database = database
        major = database.postgresMajor ?? 0
        heldQuery = TraceCatalogQuery.held(major: major)
    }

    /// A lock this session holds on a relation.
    struct HeldLock: Hashable {
        var oid: Int64
        var mode: String
    }

    /// What one statement did, as the catalog showed it after.
    struct Observation {
        var locks: [TracedLock] = []
        var rewrites: [String] = []
        var changes: [SchemaChange] = []
    }

    /// Runs `entries` in order and reports each. `reported`: the ids to report (nil: all); the
    /// others only build the schema, run as the applier runs them. `rows`: before the first
    /// reported migration, each table gets this many generated rows (`TraceRows`). `file`:
    /// the path to show for an entry. A statement that fails stops the trace: its migration
    /// is rolled back and reported with the error and the statements before it.
    public func trace(_ entries: [CatalogEntry], reported: Set<String>? = nil, rows: Int = 0,
                      file: (CatalogEntry) -> String = { $0.path }) throws(ApplyError) -> TraceReport {
        var report = TraceReport(serverVersion: database.serverVersion)
        defer {
            if heldPrepared { try? database.execute("DEALLOCATE \(heldStatement)") }
            heldPrepared = false
        }
        let firstReported = entries.firstIndex { reported?.contains($0.id) ?? true }
        sessionLockTimeout = try readLockTimeout()
        for (n, entry) in entries.enumerated() {
            lockTimeout = sessionLockTimeout
            let observed = reported?.contains(entry.id) ?? true
            if n == firstReported, rows > 0 {
                try TraceRows(database: database, progress: progress).fill(rows: rows)
                report.rowsPerTable = rows
            }
            var migration = TracedMigration(id: entry.id, file: file(entry), transactional: entry.transactional, reported: observed)
            let started = ContinuousClock.now
            if let reason = entry.stopReason {
                migration.error = reason
            } else if !observed {
                try build(entry, into: &migration)
            } else {
                if stale { try reload() }
                if entry.transactional { try traceInTransaction(entry, into: &migration) } else { try traceOutsideTransaction(entry, into: &migration) }
            }
            report.migrations.append(migration)
            let ms = Self.milliseconds(ContinuousClock.now - started)
            progress("[\(n + 1)/\(entries.count)] \(entry.id) ... \(migration.error == nil ? "ok" : "failed") \(Int(ms)) ms")
            if migration.error != nil { break }
        }
        return report
    }

    // MARK: - Running

    /// What puts the session back after a migration, as the applier does: its role, then
    /// every setting.
    static let sessionReset = "SET SESSION AUTHORIZATION DEFAULT; RESET ALL"

    /// Runs a migration that is not reported as the applier would: in one message inside its
    /// transaction, or statement by statement outside one.
    func build(_ entry: CatalogEntry, into migration: inout TracedMigration) throws(ApplyError) {
        stale = true
        if entry.transactional {
            try database.execute("BEGIN")
            if let failure = database.execute(units: entry.up.map(\.unit)) {
                try database.execute("ROLLBACK")
                fail(&migration, entry, failure.unit < entry.up.count ? entry.up[failure.unit] : nil, failure)
                return
            }
            try commit(entry, into: &migration)
        } else {
            for step in entry.up {
                if let failure = database.execute(units: [step.unit]) {
                    fail(&migration, entry, step, failure)
                    return
                }
            }
            try database.execute(Self.sessionReset)
        }
    }

    func traceInTransaction(_ entry: CatalogEntry, into migration: inout TracedMigration) throws(ApplyError) {
        let preexisting = Set(relations.keys)
        var held: Set<HeldLock> = []
        guard !entry.up.isEmpty else { return }
        for (n, step) in entry.up.enumerated() {
            // BEGIN goes with the first statement: a round trip less per migration.
            let units = n == 0 ? [SQLUnit("BEGIN"), step.unit] : [step.unit]
            let started = ContinuousClock.now
            var failure = database.execute(units: units)
            let elapsed = ContinuousClock.now - started
            if var stopped = failure, n == 0 {
                stopped.unit -= 1
                failure = stopped
            }
            if let failure {
                try database.execute("ROLLBACK")
                stale = true
                if failure.unit < 0 {
                    migration.error = "\(migration.file): \(entry.id) failed at BEGIN: \(failure.error.message)"
                } else {
                    fail(&migration, entry, step, failure)
                }
                return
            }
            notePreparedStatements(step)
            // After the last statement, COMMIT goes with the lock query.
            let last = n == entry.up.count - 1
            let (seen, commitFailure) = try observe(preexisting: preexisting, held: &held, then: last ? "COMMIT; " + Self.sessionReset : nil)
            try followLockTimeout(step, last: last)
            migration.statements.append(statement(step, elapsed, seen))
            if let commitFailure { commitFailed(entry, commitFailure, into: &migration) }
        }
    }

    /// Each statement in a transaction of its own where PostgreSQL allows one (so its locks
    /// can be read before COMMIT), else on its own, its changes found by reading the schema.
    func traceOutsideTransaction(_ entry: CatalogEntry, into migration: inout TracedMigration) throws(ApplyError) {
        let preexisting = Set(relations.keys)
        defer { try? database.execute(Self.sessionReset) }
        for step in entry.up {
            var held: Set<HeldLock> = []
            try database.execute("BEGIN")
            var started = ContinuousClock.now
            var failure = database.execute(units: [step.unit])
            var elapsed = ContinuousClock.now - started
            if let refused = failure, refused.error.code == "25001" {
                // Cannot run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM...).
                try database.execute("ROLLBACK")
                started = ContinuousClock.now
                failure = database.execute(units: [step.unit])
                elapsed = ContinuousClock.now - started
                if let failure {
                    stale = true
                    fail(&migration, entry, step, failure)
                    return
                }
                notePreparedStatements(step)
                var seen = try observeByReading(preexisting: preexisting)
                seen.locks = []
                var traced = statement(step, elapsed, seen)
                traced.locksSeen = false
                migration.statements.append(traced)
                continue
            }
            if let failure {
                try database.execute("ROLLBACK")
                stale = true
                fail(&migration, entry, step, failure)
                return
            }
            notePreparedStatements(step)
            let (seen, _) = try observe(preexisting: preexisting, held: &held)
            try followLockTimeout(step, last: false)
            migration.statements.append(statement(step, elapsed, seen))
            do {
                try database.execute("COMMIT")
            } catch where error.kind == .statement {
                stale = true
                migration.error = "\(migration.file):\(step.line):\(step.parts.first?.start.column ?? 1): \(entry.id) failed at COMMIT: \(error.message)"
                return
            }
        }
    }

    /// COMMIT and the session put back; a COMMIT that fails (a deferred constraint) fails the
    /// migration.
    private func commit(_ entry: CatalogEntry, into migration: inout TracedMigration) throws(ApplyError) {
        do {
            try database.execute("COMMIT; " + Self.sessionReset)
        } catch where error.kind == .statement {
            commitFailed(entry, error, into: &migration)
        }
    }

    private func commitFailed(_ entry: CatalogEntry, _ error: ApplyError, into migration: inout TracedMigration) {
        stale = true
        try? database.execute("ROLLBACK")
        migration.error = "\(migration.file): \(entry.id) failed at COMMIT: \(error.message)"
    }

    /// The applier's message for a failed statement: file, line and column, the migration, the
    /// error and the statement's first line.
    private func failed(_ entry: CatalogEntry, _ file: String, _ step: SQLStep?, _ failure: ExecutionFailure) -> String {
        guard let step else { return "\(file): \(entry.id) failed: \(failure.error.message)" }
        return Applier.failure(in: "\(file):", step, failure, "\(entry.id) failed").message
    }

    private func statement(_ step: SQLStep, _ elapsed: Duration, _ seen: Observation) -> TracedStatement {
        var traced = TracedStatement(start: step.parts.first?.start ?? .start, sql: step.sql,
                                     durationMilliseconds: Self.milliseconds(elapsed), locks: seen.locks, rewrites: seen.rewrites, changes: seen.changes)
        traced.lockTimeoutMilliseconds = lockTimeout
        return traced
    }

    /// A failed statement: the applier's message, and where PostgreSQL placed the error.
    private func fail(_ migration: inout TracedMigration, _ entry: CatalogEntry, _ step: SQLStep?, _ failure: ExecutionFailure) {
        migration.error = failed(entry, migration.file, step, failure)
        migration.errorPosition = step.map { $0.position(of: failure) }
    }

    /// Reads lock_timeout again after a statement that may have changed it (`SET lock_timeout`,
    /// `RESET ALL`...), unless it was the migration's last, whose COMMIT went with it (a
    /// setting made by the last statement holds for no statement after it).
    private func followLockTimeout(_ step: SQLStep, last: Bool) throws(ApplyError) {
        guard !last else { return }
        let sql = step.sql.lowercased()
        guard sql.contains("lock_timeout") || sql.contains("reset") || sql.contains("discard") else { return }
        lockTimeout = try readLockTimeout()
    }

    /// The session's lock_timeout in milliseconds (0: none).
    func readLockTimeout() throws(ApplyError) -> Int {
        Int(try database.query("SELECT setting FROM pg_settings WHERE name = 'lock_timeout'").first?.first?.text ?? "0") ?? 0
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
