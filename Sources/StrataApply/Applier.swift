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

/// Why `up` refused to run, and what it kept: nothing, unless another run's migration it
/// reached stopped it midway (`appliedBefore`).
public struct Refusal: Error, Sendable, Equatable {
    public var reasons: [String]
    /// Migrations this run applied, one by one, before it reached what refused it.
    public var appliedBefore: Int = 0
    /// Found inside one transaction after migrations ran in it (and lint errors, only known
    /// there): they were rolled back.
    public var rolledBack: Bool = false

    public init(reasons: [String], appliedBefore: Int = 0, rolledBack: Bool = false) {
        self.reasons = reasons
        self.appliedBefore = appliedBefore
        self.rolledBack = rolledBack
    }
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
    /// Where the migrations are read from: whole, or streamed while `up` runs.
    public let source: MigrationSource
    /// Every migration in the order they apply (a stream's once all its files are read).
    public var catalog: MigrationCatalog { source.catalog }
    let ledger: Ledger
    /// How long to wait for another runner's lock.
    public var lockTimeout: Duration = .seconds(60)
    /// PostgreSQL's `lock_timeout` for each migration's statements, and how a migration that
    /// fails on a lock timeout is tried again (`Applier+LockRetry.swift`); ignored on SQLite.
    public var lockSafety = LockSafety()
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
    /// Told once `up` has a plan it goes on with: before the first migration runs, or before
    /// it returns having run none (or fails for a reason other than a refusal).
    public var onStart: (() -> Void)?
    /// The failure of a migration in a transaction of its own, kept for `__migration_events__`
    /// until that transaction has rolled back (`recordFailureAfterRollback`).
    var unrecordedFailure: HistoryEvent?
    /// The migration whose statement last failed on a lock timeout that is to be retried.
    var lockTimedOut: CatalogEntry?
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
    public init(database: any Database, source: MigrationSource) throws(ApplyError) {
        self.database = database
        self.source = source
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

    /// An applier on the migrations of `catalog`, read whole.
    public convenience init(database: any Database, catalog: MigrationCatalog) throws(ApplyError) {
        try self.init(database: database, source: .catalog(catalog))
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

    /// The migrations `up` would run for `request`, in order, or every reason it must not run:
    /// `UpPlanner` over the whole source. `lint`, when given, is waited for: error-level
    /// findings in a planned file refuse the plan. `up --dry-run` and `deploy --dry-run` show
    /// this; `up(_:lint:)` runs it, through the same planner.
    public func plan(_ request: UpRequest = UpRequest(), lint: LintGate? = nil) throws(ApplyError) -> Result<[CatalogEntry], Refusal> {
        let rows = try ledger.entries()
        var planner = UpPlanner(rows: rows, claims: try claims(in: rows), ids: source.ids, request: request)
        for index in 0..<source.count { planner.take(try source.entry(index)) }
        planner.finish()
        return planner.verdict(lintErrors: lint?.errors())
    }

    /// Another run's claims among `rows`: a claim on a migration it is running now outside a
    /// transaction is not a failure (`up` waits for that run's outcome when it reaches the
    /// migration); a claim whose run is gone is one.
    func claims(in rows: [LedgerEntry]) throws(ApplyError) -> UpPlanner.Claims {
        var claims = UpPlanner.Claims()
        for claim in rows where Self.isClaim(claim) {
            if try claimIsAbandoned(claim) { claims.abandoned[claim.id] = interrupted(claim) } else { claims.running.insert(claim.id) }
        }
        return claims
    }

    /// Why `up` refuses these migrations because of lint errors, one reason per migration.
    public static func lintReasons(_ entries: [CatalogEntry], _ lintErrors: [String: [String]]) -> [String] {
        entries.compactMap { entry in
            guard let errors = lintErrors[entry.id], !errors.isEmpty else { return nil }
            return "\(entry.id) has lint errors:\n" + errors.map { "  \($0)" }.joined(separator: "\n")
        }
    }

    // MARK: - Up

    /// `up` and `deploy`: plans `request` (`UpPlanner`) and runs the plan, or returns why it
    /// must not run. Migration by migration, the whole plan is made first (waiting for `lint`)
    /// and nothing runs when it is refused; then each migration commits with its tracking row,
    /// or runs statement by statement when it cannot run in a transaction, and is checked again
    /// inside the lock, so none runs twice. In one transaction (`singleTransaction`) the plan is
    /// made as the source hands over the migrations, and a refusal rolls everything back
    /// (`upInOneTransaction`).
    ///
    /// A migration Strata cannot run (a goose Go migration) stops the run: what comes before it
    /// is applied, nothing after it runs, and the report says where it stopped.
    public func up(_ request: UpRequest, lint: LintGate? = nil) throws(ApplyError) -> Result<UpReport, Refusal> {
        if request.singleTransaction { return try upInOneTransaction(request, lint: lint) }
        let plan: [CatalogEntry]
        switch try self.plan(request, lint: lint) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let planned): plan = planned
        }
        onStart?()
        var report = UpReport(applied: [], alreadyApplied: [])
        do throws(ApplyError) {
            try run(plan, into: &report)
        } catch where error.kind == .refused {
            // A migration this run reached failed, or was interrupted, in another run.
            return .failure(Refusal(reasons: [error.message], appliedBefore: report.applied.count))
        }
        return .success(report)
    }

    /// Runs `plan` (from `plan(_:lint:)`) migration by migration, as `up(_:lint:)` does.
    public func up(_ plan: [CatalogEntry]) throws(ApplyError) -> UpReport {
        var report = UpReport(applied: [], alreadyApplied: [])
        try run(plan, into: &report)
        return report
    }

    /// Each migration of `planned` with its tracking row in one transaction, or statement by
    /// statement when it cannot run in one, up to a migration Strata cannot run; `report` holds
    /// what ran, also when one fails.
    private func run(_ planned: [CatalogEntry], into report: inout UpReport) throws(ApplyError) {
        let stop = planned.firstIndex { $0.nonSQL != nil }
        let plan = stop.map { Array(planned[..<$0]) } ?? planned
        defer { report.stoppedAt = stop.flatMap { planned[$0].stop } }
        guard !plan.isEmpty else { return }
        try startSession()
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
                let done = try runInOwnTransaction(entry, index: n, of: plan.count, knownRows: &knownRows, knownVersion: knownVersion)
                knownVersion = database.dataVersion()
                if let done { emit(.applied, done.id, ms: done.milliseconds) }
                return done
            }
            if let outcome { report.applied.append(outcome) } else { report.alreadyApplied.append(entry.id) }
        }
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
    /// `retryingLockTimeout`: a lock timeout will be retried, so it is neither recorded nor
    /// told as a failure here (the caller reports the attempt).
    func runLocked(_ entry: CatalogEntry, index: Int, of total: Int, rows: [String: LedgerEntry]? = nil,
                   resetSession: Bool = false, retryingLockTimeout: Bool = false,
                   deferredRows: inout [LedgerEntry]?) throws(ApplyError) -> UpReport.Applied? {
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
        // Strata's lock_timeout first: a SET in the migration, being later, still wins.
        let setTimeout = localLockTimeoutSQL.map { [SQLUnit($0)] } ?? []
        let units = setTimeout + entry.up.map(\.unit) + (resetSession ? sessionReset.map { SQLUnit($0) } : [])
        if var stopped = sayingStillRunning("[\(index + 1)/\(total)] \(entry.id)", { database.execute(units: units) }) {
            stopped.unit -= setTimeout.count
            let failed = stopped.unit < 0 ? lockTimeoutSettingFailure(entry, stopped.error)
                : stopped.unit < entry.up.count ? failure(entry, entry.up[stopped.unit], stopped) : resetFailure(entry, stopped.error)
            if retryingLockTimeout && isLockTimeout(failed) {
                lockTimedOut = entry
                throw failed
            }
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
