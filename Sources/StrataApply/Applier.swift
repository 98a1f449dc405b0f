import Foundation
import StrataCore
import StrataSyntax

/// Where each migration stands against the database.
public struct MigrationState: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case applied, pending, failed
        /// Applied, but the file changed since (checksum differs).
        case changed
        /// Applied, but its file is gone.
        case missing
    }

    public var id: String
    public var name: String
    public var kind: Kind
    public var appliedAt: String?
    public var executionMilliseconds: Int64?
    /// What it is when Strata cannot run it (a goose Go migration): pending until it is run
    /// with its tool and recorded (`strata mark-applied`).
    public var nonSQL: NonSQLMigration? = nil
}

/// Why `up` refused to run; nothing was applied.
public struct Refusal: Error, Sendable, Equatable {
    public var reasons: [String]
}

/// What `up` did.
public struct UpReport: Sendable, Equatable {
    public struct Applied: Sendable, Equatable {
        public var id: String
        public var milliseconds: Int64
    }

    public var applied: [Applied]
    /// Pending migrations another runner applied while this one waited for the lock.
    public var alreadyApplied: [String]
    /// The migration Strata cannot run (a goose Go migration) where the run stopped, after
    /// applying what came before it: nothing ordered after it ran.
    public var stoppedAt: CatalogEntry.Stop? = nil
}

extension CatalogEntry {
    /// Where `up` stopped: the migration Strata cannot run, and what to do.
    public struct Stop: Sendable, Equatable {
        public var id: String
        public var path: String
        public var reason: String
    }

    /// The stop this migration makes, nil for SQL.
    public var stop: Stop? { stopReason.map { Stop(id: id, path: path, reason: $0) } }
}

/// The shared applier: reads the tracking tables, plans, takes the migration lock, runs each
/// migration with its tracking row, and records timing. One connection, one thread.
public final class Applier {
    public let database: any Database
    public let catalog: MigrationCatalog
    let ledger: Ledger
    /// How long to wait for another runner's lock.
    public var lockTimeout: Duration = .seconds(60)
    /// Where progress lines go.
    public var progress: (String) -> Void = { _ in }
    /// Where "still running" lines go, from another thread, while a migration or a DOWN runs
    /// longer than `stillRunningAfter` (then every `stillRunningEvery`); nil: none.
    public var stillRunning: (@Sendable (String) -> Void)?
    public var stillRunningAfter: Duration = .seconds(10)
    public var stillRunningEvery: Duration = .seconds(30)
    /// Told of each statement just before it is sent (`up --verbose`): a migration in a
    /// transaction sends its statements together, so they are all told first; one outside a
    /// transaction is told statement by statement.
    public var statementWillRun: ((CatalogEntry, CatalogEntry.Step) -> Void)?
    /// Told of each migration starting, applied (once committed), failing, rolled back...
    /// (`--log-json`). Nil: nothing is built for it.
    public var onEvent: ((ApplyEvent) -> Void)?
    /// The failure of a migration in a transaction of its own, kept for `__migration_events__`
    /// until that transaction has rolled back (`recordFailureAfterRollback`).
    var unrecordedFailure: HistoryEvent?
    /// The lock timeout SQLite's busy timeout was last set to (once per connection).
    var busyTimeoutSet: Duration?
    /// PostgreSQL's advisory lock key: one per database and schema holding the tracking
    /// tables, computed once at connection (`hashtext('strata:' || database || ':' || schema)`).
    let lockKey: Int64
    /// The settings Strata gives its PostgreSQL session (`up` sets them; each migration's own
    /// settings are reset to them afterwards).
    var sessionSettings: [String] = []

    /// Finds where the tracking tables live, before any migration runs: on PostgreSQL the
    /// schema current now (the first existing schema of search_path), so a migration that
    /// changes search_path moves neither the tables nor the lock.
    public init(database: any Database, catalog: MigrationCatalog) throws(ApplyError) {
        self.database = database
        self.catalog = catalog
        switch database.dialect {
        case .sqlite:
            ledger = Ledger(database, schema: "main")
            lockKey = 0
        case .postgresql:
            let row = try database.query("""
                SELECT current_schema(), hashtext('strata:' || current_database() || ':' || current_schema()), current_setting('search_path')
                """).first
            guard let row, let schema = row[0].text, let key = row[1].integer else {
                throw ApplyError(.trackingTables, "no schema to keep the tracking tables in: search_path (\(row?[2].text ?? "")) names none that exists; create one, or set search_path in the URL (options=-csearch_path=...)")
            }
            ledger = Ledger(database, schema: schema)
            lockKey = key
        }
    }

    // MARK: - Status

    /// Every migration file in order, then rows whose file is gone.
    public func status() throws(ApplyError) -> [MigrationState] { status(try ledger.entries()) }

    /// The states for rows already read (one read of the tracking table per command).
    private func status(_ entries: [LedgerEntry]) -> [MigrationState] {
        let rows = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var states: [MigrationState] = catalog.entries.map { entry in
            guard let row = rows[entry.id] else {
                return MigrationState(id: entry.id, name: entry.name, kind: .pending, nonSQL: entry.nonSQL)
            }
            let kind: MigrationState.Kind = row.status == .failed ? .failed : row.checksum == entry.checksum ? .applied : .changed
            return MigrationState(id: entry.id, name: entry.name, kind: kind, appliedAt: row.appliedAt,
                                  executionMilliseconds: row.executionMilliseconds, nonSQL: entry.nonSQL)
        }
        let known = Set(catalog.entries.map(\.id))
        for row in entries where !known.contains(row.id) {
            states.append(MigrationState(id: row.id, name: row.name, kind: row.status == .failed ? .failed : .missing,
                                         appliedAt: row.appliedAt, executionMilliseconds: row.executionMilliseconds))
        }
        return states
    }

    // MARK: - Plan

    /// The pending migrations `up` would run, in order, up to and including `target`; or the
    /// reasons it must not run. `lintErrors` maps a migration id to its error-level findings.
    /// A pending migration Strata cannot run (a goose Go migration) ends the plan: `up` applies
    /// what comes before it and stops there (`UpReport.stoppedAt`).
    public func plan(target: String? = nil, allowChanged: Bool = false,
                     lintErrors: [String: [String]] = [:]) throws(ApplyError) -> Result<[CatalogEntry], Refusal> {
        let entries = try ledger.entries()
        let states = status(entries)
        var reasons: [String] = []
        // Another run's claim on a migration it is running now outside a transaction is not a
        // failure: `up` waits for that run's outcome when it reaches the migration. A claim
        // whose run is gone is one.
        var running = Set<String>()
        var abandoned: [String: LedgerEntry] = [:]
        for claim in entries where Self.isClaim(claim) {
            if try claimIsAbandoned(claim) { abandoned[claim.id] = claim } else { running.insert(claim.id) }
        }
        for state in states {
            switch state.kind {
            case .failed where running.contains(state.id):
                break
            case .failed:
                reasons.append(abandoned[state.id].map(interrupted)
                               ?? "\(state.id) failed midway in an earlier run; fix the database, then run `strata repair \(state.id)`")
            case .changed where !allowChanged:
                reasons.append("\(state.id) was edited after it was applied (checksum differs); restore it, or pass --allow-changed")
            case .missing where !allowChanged:
                reasons.append("\(state.id) is applied but its file is missing; restore it, or pass --allow-changed")
            default:
                break
            }
        }
        let applied = Set(states.filter { $0.kind == .applied || $0.kind == .changed || $0.kind == .missing }.map(\.id))
        let kinds = Dictionary(states.map { ($0.id, $0.kind) }, uniquingKeysWith: { a, _ in a })
        var pending = catalog.entries.filter { !applied.contains($0.id) && (kinds[$0.id] == .pending || running.contains($0.id)) }
        if let target {
            guard let entry = catalog[target] else { return .failure(Refusal(reasons: ["no migration '\(target)'"])) }
            if applied.contains(target) {
                pending = []
            } else if let end = pending.firstIndex(where: { $0.id == entry.id }) {
                pending = Array(pending[...end])
            }
        }
        if let stop = pending.firstIndex(where: { $0.nonSQL != nil }) {
            pending = Array(pending[...stop])
        }
        var ready = applied
        reasons += Self.lintReasons(pending, lintErrors)
        for entry in pending {
            for dependency in entry.dependencies where !ready.contains(dependency) {
                reasons.append("\(entry.id) depends on \(dependency), which is neither applied nor pending before it")
            }
            ready.insert(entry.id)
        }
        return reasons.isEmpty ? .success(pending) : .failure(Refusal(reasons: reasons))
    }

    /// Why `up` refuses these migrations because of lint errors, one reason per migration.
    public static func lintReasons(_ entries: [CatalogEntry], _ lintErrors: [String: [String]]) -> [String] {
        lintReasons(ids: entries.map(\.id), lintErrors)
    }

    /// As `lintReasons(_:_:)`, for the migrations of these ids.
    public static func lintReasons(ids: [String], _ lintErrors: [String: [String]]) -> [String] {
        ids.compactMap { id in
            guard let errors = lintErrors[id], !errors.isEmpty else { return nil }
            return "\(id) has lint errors:\n" + errors.map { "  \($0)" }.joined(separator: "\n")
        }
    }

    // MARK: - Up

    /// Applies `plan` (from `plan()`): each migration with its tracking row in one transaction,
    /// or statement by statement when it cannot run in one; `singleTransaction` puts them all
    /// in one. Each migration is checked again inside the lock, so none runs twice.
    ///
    /// In one transaction, `gate` (when given) is asked before each migration with `final`
    /// false (it answers from what it knows already) and before COMMIT with `final` true (it
    /// may wait): throwing rolls everything back. `up` uses it to start running while the lint
    /// of the files finishes, knowing nothing is kept unless that lint is clean.
    ///
    /// A migration Strata cannot run (a goose Go migration) stops the run: what comes before
    /// it is applied (and committed, in one transaction too), nothing after it runs, and the
    /// report says where it stopped.
    public func up(_ plan: [CatalogEntry], singleTransaction: Bool = false,
                   gate: ((_ final: Bool) throws(ApplyError) -> Void)? = nil) throws(ApplyError) -> UpReport {
        if let stop = plan.firstIndex(where: { $0.nonSQL != nil }) {
            var report = try up(Array(plan[..<stop]), singleTransaction: singleTransaction, gate: gate)
            report.stoppedAt = plan[stop].stop
            return report
        }
        var report = UpReport(applied: [], alreadyApplied: [])
        guard !plan.isEmpty else { return report }
        // Refused before anything is written, the tracking tables included.
        if singleTransaction, let stopper = plan.first(where: { !$0.transactional }) {
            throw ApplyError(.statement, "\(stopper.id) cannot run in a transaction (\(stopper.nonTransactionalReason ?? "")): --single-transaction refused")
        }
        try startSession()
        if singleTransaction {
            // One transaction from the tracking tables to the last row; the rows are read once,
            // under the lock, since nothing else can write them until it ends.
            try inLock { () throws(ApplyError) in
                try ledger.ensure()
                let rows = Dictionary(try ledger.entries().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
                // The tracking rows go in together at the end, still inside the transaction.
                var written: [LedgerEntry]? = []
                for (n, entry) in plan.enumerated() {
                    try gate?(false)
                    if let done = try runLocked(entry, index: n, of: plan.count, rows: rows, deferredRows: &written) {
                        report.applied.append(done)
                    } else {
                        report.alreadyApplied.append(entry.id)
                    }
                }
                try ledger.record(written ?? [])
                try gate?(true)
            }
            for done in report.applied { emit(.applied, done.id, ms: done.milliseconds) }
            return report
        }
        try inLock { () throws(ApplyError) in try ledger.ensure() }
        let journalKept = keepJournalBetweenCommits(plan.count)
        defer { if journalKept { restoreJournalMode() } }
        // The tracking rows as last read under the lock, and the database's data version after
        // this run's last commit: while no one else has committed since, the rows of the
        // migrations still to run are as read, and each is checked against them instead of
        // read again (on SQLite every statement is compiled again after a migration changes
        // the schema). This run's own rows are not added: it checks each migration once.
        var knownRows: [String: LedgerEntry] = [:]
        var knownVersion: UInt32?
        for (n, entry) in plan.enumerated() {
            let outcome: UpReport.Applied? = try keepingSQLiteSettings(entry.up.flatMap(\.connectionSettings)) { () throws(ApplyError) in
                guard entry.transactional else {
                    knownVersion = nil
                    return try runOutsideTransaction(entry, index: n, of: plan.count)
                }
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
                        done = try runLocked(entry, index: n, of: plan.count, rows: rows, resetSession: true, deferredRows: &unused)
                    }
                } catch {
                    recordFailureAfterRollback()
                    throw error
                }
                knownVersion = database.dataVersion()
                if let done { emit(.applied, done.id, ms: done.milliseconds) }
                return done
            }
            if let outcome { report.applied.append(outcome) } else { report.alreadyApplied.append(entry.id) }
        }
        return report
    }

    /// Gives the PostgreSQL session Strata's own settings before the first migration.
    func startSession() throws(ApplyError) {
        guard database.dialect == .postgresql else { return }
        // PostgreSQL 14+ then notices a client killed mid-migration within a second, rolls
        // back and frees the lock, instead of when the running statement ends.
        if let major = Int(database.serverVersion.prefix { $0 != "." }), major >= 14 {
            sessionSettings = ["SET client_connection_check_interval = '1s'"]
        }
        if !sessionSettings.isEmpty { try database.execute(sessionSettings.joined(separator: "; ")) }
    }

    /// Runs a migration's statements and records it; the caller holds the lock and the
    /// transaction. Nil when another runner already applied it. `rows`: the tracking rows,
    /// when the caller read them under this same lock (else this migration's row is read).
    /// `resetSession`: put the session back (`sessionReset`) before the row is written, in the
    /// same message as the statements, so neither the row nor the next migration runs with
    /// this one's role or settings.
    /// `deferredRows`: when given, the row is appended there for the caller to write later.
    func runLocked(_ entry: CatalogEntry, index: Int, of total: Int, rows: [String: LedgerEntry]? = nil,
                           resetSession: Bool = false, deferredRows: inout [LedgerEntry]?) throws(ApplyError) -> UpReport.Applied? {
        let existing: LedgerEntry?
        if let rows { existing = rows[entry.id] } else { existing = try ledger.entry(entry.id) }
        if let existing {
            try requireApplied(existing)
            progress("[\(index + 1)/\(total)] \(entry.id) ... already applied by another run")
            emit(.alreadyApplied, entry.id)
            return nil
        }
        emit(.migrationStarted, entry.id, .init(file: entry.path, transaction: true))
        if let statementWillRun { for step in entry.up { statementWillRun(entry, step) } }
        let started = ContinuousClock.now
        let units = entry.up.map(\.unit) + (resetSession ? sessionReset.map { SQLUnit($0) } : [])
        if let stopped = sayingStillRunning("[\(index + 1)/\(total)] \(entry.id)", { database.execute(units: units) }) {
            let failed = stopped.unit < entry.up.count ? failure(entry, entry.up[stopped.unit], stopped) : resetFailure(entry, stopped.error)
            let ms = Self.milliseconds(ContinuousClock.now - started)
            // In one transaction for the whole run nothing is kept, the tracking tables included.
            if deferredRows == nil { unrecordedFailure = HistoryEvent(row(entry, ms: ms, status: .failed, error: failed.message)) }
            emit(.failed, entry.id, ms: ms, .init(error: ApplyEvent.summary(of: failed)))
            throw failed
        }
        let ms = Self.milliseconds(ContinuousClock.now - started)
        let applied = row(entry, ms: ms, status: .applied)
        if deferredRows != nil {
            deferredRows?.append(applied)
        } else {
            try ledger.record(applied)
        }
        progress("[\(index + 1)/\(total)] \(entry.id) ... ok \(ms) ms")
        return .init(id: entry.id, milliseconds: ms)
    }

    // MARK: - Pieces

    func row(_ entry: CatalogEntry, ms: Int64, status: LedgerEntry.Status, statement: String? = nil, error: String? = nil) -> LedgerEntry {
        LedgerEntry(id: entry.id, name: entry.name, checksum: entry.checksum, downChecksum: entry.downChecksum,
                    appliedAt: Ledger.timestamp(), executionMilliseconds: ms, appliedBy: Ledger.actor, status: status,
                    failedStatement: statement, error: error, pid: Ledger.pid)
    }

    /// What puts a PostgreSQL session back as Strata set it after a migration: its role and
    /// session user (which `RESET ALL` keeps), every setting (application_name returns to the
    /// connection's), then Strata's own settings. Nothing on SQLite.
    var sessionReset: [String] {
        database.dialect == .postgresql ? ["SET SESSION AUTHORIZATION DEFAULT", "RESET ALL"] + sessionSettings : []
    }

    /// Puts the session back after a migration run outside a transaction.
    func resetSessionAfter(_ entry: CatalogEntry) throws(ApplyError) {
        guard !sessionReset.isEmpty else { return }
        do { try database.execute(sessionReset.joined(separator: "; ")) } catch { throw resetFailure(entry, error) }
    }

    func resetFailure(_ entry: CatalogEntry, _ error: ApplyError) -> ApplyError {
        ApplyError(.statement, "\(entry.path): \(entry.id) ran, but putting the session back after it failed: \(error.message)",
                   statement: error.statement, code: error.code)
    }

    /// A migration's statement failed: the file, line and column of the error (inside a block,
    /// in the block's statement that failed), the migration, the error, and the statement's
    /// first line; `statement` is that statement's text.
    func failure(_ entry: CatalogEntry, _ step: CatalogEntry.Step, _ stopped: ExecutionFailure) -> ApplyError {
        Self.failure(in: "\(entry.path):", step, stopped, "\(entry.id) failed")
    }

    /// `<place><line>:<column>: <what>: <error>` and the failing statement's first line. The
    /// line and column are where the database placed the error when it said (PostgreSQL's
    /// error position), else where the failing statement starts.
    static func failure(in place: String?, _ step: SQLStep, _ stopped: ExecutionFailure, _ what: String) -> ApplyError {
        let part = step.part(of: stopped)
        let sql = step.text(of: part)
        let firstLine = sql.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? sql
        let position = step.position(of: stopped)
        let at = place.map { "\($0)\(position.line):\(position.column): " } ?? ""
        return ApplyError(.statement, "\(at)\(what): \(stopped.error.message)\n  statement: \(firstLine)\(sql.contains("\n") ? " ..." : "")",
                          statement: sql, code: stopped.error.code)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
