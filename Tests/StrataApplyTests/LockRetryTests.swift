import Foundation
@testable import StrataApply
import StrataCore
import Testing

/// `up` on another thread, with what it says and tells as it runs.
private final class BackgroundUp: @unchecked Sendable {
    private let applier: Applier
    private let request: UpRequest
    private let lock = NSCondition()
    private var events: [ApplyEvent] = []
    private var lines: [String] = []
    private var outcome: Result<Result<UpReport, Refusal>, ApplyError>?

    init(_ applier: Applier, _ request: UpRequest = UpRequest()) {
        self.applier = applier
        self.request = request
        applier.onEvent = { [unowned self] event in lock.withLock { events.append(event); lock.broadcast() } }
        applier.progress = { [unowned self] line in lock.withLock { lines.append(line) } }
    }

    func start() {
        Thread {
            let result: Result<Result<UpReport, Refusal>, ApplyError>
            do throws(ApplyError) { result = .success(try self.applier.up(self.request)) } catch { result = .failure(error) }
            self.lock.withLock { self.outcome = result; self.lock.broadcast() }
        }.start()
    }

    /// Waits (at most a minute: a guard against a hang, not a measure) until `up` has told of a
    /// failed attempt, or has ended; whether it told of one.
    func waitForLockTimeout() -> Bool {
        let deadline = Date().addingTimeInterval(60)
        return lock.withLock {
            while !events.contains(where: { $0.kind == .lockTimeout }), outcome == nil {
                if !lock.wait(until: deadline) { break }
            }
            return events.contains { $0.kind == .lockTimeout }
        }
    }

    /// Waits (at most a minute) for `up` to end; nil if it has not.
    func finish() -> Result<Result<UpReport, Refusal>, ApplyError>? {
        let deadline = Date().addingTimeInterval(60)
        return lock.withLock {
            while outcome == nil { if !lock.wait(until: deadline) { break } }
            return outcome
        }
    }

    var told: [ApplyEvent] { lock.withLock { events } }
    var said: [String] { lock.withLock { lines } }
}

/// `postgres.statement_lock_timeout` and its retries, on the real PostgreSQL: another session's
/// open transaction on the table holds the lock the migration needs.
@Suite("Lock timeouts and retries (PostgreSQL)", .serialized)
struct LockRetryTests {
    /// A database with a table `t` of one row and a table `log`.
    func scratch() throws -> ScratchDatabase {
        let scratch = try ScratchDatabase(.postgres)
        try scratch.connect().execute("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1); CREATE TABLE log (n INT)")
        return scratch
    }

    /// `kind` of every history event of the database, oldest first.
    func historyKinds(_ scratch: ScratchDatabase) throws -> [String] {
        try scratch.connect().query("SELECT event FROM __migration_events__ ORDER BY event_id").compactMap { $0.first?.text }
    }

    func columnExists(_ scratch: ScratchDatabase, _ table: String, _ column: String) throws -> Bool {
        try scratch.connect().query("SELECT count(*) FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
                                    [.text(table), .text(column)]).first?.first?.integer == 1
    }

    @Test(.enabled(if: TestPostgres.runs))
    func upBehindAnOpenTransactionTimesOutRetriesAndSucceedsWithoutBlockingReaders() throws {
        let scratch = try scratch()
        // Session B: an open transaction that has read t holds ACCESS SHARE on it until it ends.
        let holder = try scratch.connect()
        try holder.execute("BEGIN; SELECT * FROM t")
        let applier = try scratch.applier([migration("0001_add_c", up: "ALTER TABLE t ADD COLUMN c INT;")])
        applier.lockSafety = LockSafety(statementLockTimeout: .milliseconds(200), retries: 200, backoff: .milliseconds(50))
        let up = BackgroundUp(applier)
        up.start()
        #expect(up.waitForLockTimeout(), "no failed attempt was told")
        // Session C reads t while B still holds its lock and up keeps trying: it waits at most
        // one of up's lock timeouts, never for B (its own 3 s lock_timeout would fail it).
        let reader = try scratch.connect()
        try reader.execute("SET lock_timeout = '3s'")
        for _ in 0..<3 {
            #expect(try reader.query("SELECT count(*) FROM t").first?.first?.integer == 1)
        }
        try holder.execute("COMMIT")
        let outcome = try #require(up.finish(), "up did not end")
        let report = try #require(try outcome.get().success)
        #expect(report.applied.map(\.id) == ["0001_add_c"])
        #expect(try columnExists(scratch, "t", "c"))
        let attempts = up.told.filter { $0.kind == .lockTimeout }
        #expect(!attempts.isEmpty)
        #expect(attempts.first?.details.attempt == 1 && attempts.first?.details.attempts == 201)
        #expect(attempts.first?.details.waitMilliseconds != nil && attempts.first?.migration == "0001_add_c")
        #expect(attempts.first?.details.error?.contains("lock timeout") == true)
        #expect(!up.told.contains { $0.kind == .failed })
        #expect(up.said.contains { $0.hasPrefix("[1/1] 0001_add_c ... lock timeout after ") && $0.contains("(attempt 1 of 201), retrying in ") })
        // One applied row, no failure row; the history counts the retried attempts.
        let db = try scratch.connect()
        #expect(try scratch.rows(on: db) == [["0001_add_c", "applied"]])
        let kinds = try historyKinds(scratch)
        #expect(kinds.last == "applied" && !kinds.contains("failed"))
        #expect(kinds.filter { $0 == "lock_timeout" }.count == attempts.count)
        let metrics = MigrationMetrics(states: try applier.status(), history: try applier.history(), backups: [], database: "db",
                                       slowMilliseconds: 5000, now: Date())
        #expect(metrics.lockRetries == attempts.count)
        #expect(metrics.prometheus().contains("strata_lock_retries_total{database=\"db\"} \(attempts.count)"))
        // SET LOCAL lasted the migration's transaction only.
        #expect(try applier.database.query("SHOW lock_timeout").first?.first?.text == "0")
    }

    @Test(.enabled(if: TestPostgres.runs))
    func withoutRetriesUpFailsAtTheStatementAndKeepsNothing() throws {
        let scratch = try scratch()
        let holder = try scratch.connect()
        try holder.execute("BEGIN; SELECT * FROM t")
        defer { try? holder.execute("ROLLBACK") }
        for retries in [0, 1] {
            let applier = try scratch.applier([migration("0001_log", up: "INSERT INTO log VALUES (7);"),
                                               migration("0002_add_c", up: "INSERT INTO log VALUES (8);\nALTER TABLE t ADD COLUMN c INT;")])
            applier.lockSafety = LockSafety(statementLockTimeout: .milliseconds(100), retries: retries, backoff: .milliseconds(10))
            var told: [ApplyEvent] = []
            applier.onEvent = { told.append($0) }
            var thrown: ApplyError?
            do throws(ApplyError) { _ = try applier.up(UpRequest()) } catch { thrown = error }
            let error = try #require(thrown)
            #expect(error.kind == .statement && error.code == "55P03")
            // The file, line and column of the statement that timed out.
            #expect(error.message.hasPrefix("migrations/0002_add_c.sql:5:1: 0002_add_c failed: "), "\(error.message)")
            #expect(error.message.contains("lock timeout"))
            #expect(told.filter { $0.kind == .lockTimeout }.count == retries)
            #expect(told.filter { $0.kind == .failed }.count == 1)
        }
        let db = try scratch.connect()
        // 0001 stays applied; nothing of 0002 is kept (its INSERT rolled back with it).
        #expect(try scratch.rows(on: db) == [["0001_log", "applied"]])
        #expect(try db.query("SELECT n FROM log ORDER BY n").map { $0.first?.integer } == [7])
        #expect(try !columnExists(scratch, "t", "c"))
        let kinds = try historyKinds(scratch)
        #expect(kinds == ["applied", "failed", "lock_timeout", "failed"])
    }

    @Test(.enabled(if: TestPostgres.runs))
    func outsideATransactionTheTimedOutStatementRunsAgainAndTheOnesBeforeItDoNot() throws {
        let scratch = try scratch()
        let holder = try scratch.connect()
        try holder.execute("BEGIN; SELECT * FROM t")
        let applier = try scratch.applier([migration("0001_nt", header: "-- @transaction: false",
                                                     up: "INSERT INTO log VALUES (1);\nALTER TABLE t ADD COLUMN c INT;\nINSERT INTO log VALUES (2);")])
        applier.lockSafety = LockSafety(statementLockTimeout: .milliseconds(200), retries: 200, backoff: .milliseconds(50))
        let up = BackgroundUp(applier)
        up.start()
        #expect(up.waitForLockTimeout(), "no failed attempt was told")
        try holder.execute("COMMIT")
        let outcome = try #require(up.finish(), "up did not end")
        #expect(try outcome.get().success?.applied.map(\.id) == ["0001_nt"])
        let db = try scratch.connect()
        #expect(try db.query("SELECT n FROM log ORDER BY n").map { $0.first?.integer } == [1, 2])
        #expect(try columnExists(scratch, "t", "c"))
        #expect(try scratch.rows(on: db) == [["0001_nt", "applied"]])
        let kinds = try historyKinds(scratch)
        #expect(kinds.last == "applied" && !kinds.contains("failed") && kinds.contains("lock_timeout"))
        // The session's lock_timeout is put back after the migration.
        #expect(try applier.database.query("SHOW lock_timeout").first?.first?.text == "0")
    }

    @Test(.enabled(if: TestPostgres.runs))
    func aTimedOutCreateIndexConcurrentlyStopsForRepair() throws {
        let scratch = try scratch()
        let holder = try scratch.connect()
        // Conflicts with CREATE INDEX CONCURRENTLY's SHARE UPDATE EXCLUSIVE.
        try holder.execute("BEGIN; LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE")
        defer { try? holder.execute("ROLLBACK") }
        let applier = try scratch.applier([migration("0001_idx", up: "INSERT INTO log VALUES (1);\nCREATE INDEX CONCURRENTLY t_id ON t (id);")])
        applier.lockSafety = LockSafety(statementLockTimeout: .milliseconds(100), retries: 5, backoff: .milliseconds(10))
        var told: [ApplyEvent] = []
        applier.onEvent = { told.append($0) }
        var thrown: ApplyError?
        do throws(ApplyError) { _ = try applier.up(UpRequest()) } catch { thrown = error }
        let error = try #require(thrown)
        #expect(error.code == "55P03")
        #expect(error.message.hasPrefix("migrations/0001_idx.sql:5:1: 0001_idx failed: "), "\(error.message)")
        #expect(error.message.contains("not retried: a CREATE INDEX CONCURRENTLY cancelled midway leaves an invalid index behind"))
        #expect(error.message.contains("strata repair 0001_idx --retry"))
        #expect(!told.contains { $0.kind == .lockTimeout })
        let db = try scratch.connect()
        #expect(try scratch.rows(on: db) == [["0001_idx", "failed"]])
        #expect(try db.query("SELECT n FROM log").map { $0.first?.integer } == [1])
        #expect(try historyKinds(scratch) == ["failed"])
    }

    @Test(.enabled(if: TestPostgres.runs))
    func inOneTransactionTheWholeRunIsTriedAgain() throws {
        let scratch = try scratch()
        let holder = try scratch.connect()
        try holder.execute("BEGIN; SELECT * FROM t")
        let applier = try scratch.applier([migration("0001_u", up: "CREATE TABLE u (x INT);\nINSERT INTO log VALUES (1);"),
                                           migration("0002_add_c", up: "ALTER TABLE t ADD COLUMN c INT;")])
        applier.lockSafety = LockSafety(statementLockTimeout: .milliseconds(200), retries: 200, backoff: .milliseconds(50))
        let up = BackgroundUp(applier, UpRequest(singleTransaction: true))
        up.start()
        #expect(up.waitForLockTimeout(), "no failed attempt was told")
        try holder.execute("COMMIT")
        let outcome = try #require(up.finish(), "up did not end")
        #expect(try outcome.get().success?.applied.map(\.id) == ["0001_u", "0002_add_c"])
        #expect(up.said.contains { $0.hasPrefix("0002_add_c ... lock timeout after ") && $0.contains("rolled back the whole run, retrying in ") })
        let db = try scratch.connect()
        #expect(try db.query("SELECT n FROM log").map { $0.first?.integer } == [1])
        #expect(try scratch.rows(on: db) == [["0001_u", "applied"], ["0002_add_c", "applied"]])
        let kinds = try historyKinds(scratch)
        #expect(kinds.filter { $0 == "applied" }.count == 2 && !kinds.contains("failed"))
        #expect(kinds.filter { $0 == "lock_timeout" }.count == up.told.filter { $0.kind == .lockTimeout }.count)
    }

    /// Strata's lock_timeout is what each migration's statements see, in a transaction and out
    /// of one; a migration's own SET wins, and stays in that migration.
    @Test(.enabled(if: TestPostgres.runs))
    func eachMigrationRunsWithTheTimeoutAndItsOwnSetWins() throws {
        let scratch = try scratch()
        try scratch.connect().execute("CREATE TABLE seen (m TEXT, v TEXT)")
        let record = { (m: String) in "INSERT INTO seen VALUES ('\(m)', current_setting('lock_timeout'));" }
        let applier = try scratch.applier([migration("0001_a", up: record("a")),
                                           migration("0002_b", up: "SET lock_timeout = '7s';\n" + record("b")),
                                           migration("0003_c", header: "-- @transaction: false", up: record("c")),
                                           migration("0004_d", up: record("d")),
                                           migration("0005_e", header: "-- @transaction: false", up: "SET lock_timeout = '9s';\n" + record("e"))])
        applier.lockSafety = LockSafety(statementLockTimeout: .milliseconds(1500))
        #expect(try applier.up(UpRequest()).success?.applied.count == 5)
        let seen = try scratch.connect().query("SELECT m, v FROM seen ORDER BY m").map { $0.map { $0.text ?? "" } }
        #expect(seen == [["a", "1500ms"], ["b", "7s"], ["c", "1500ms"], ["d", "1500ms"], ["e", "9s"]])
        #expect(try applier.database.query("SHOW lock_timeout").first?.first?.text == "0")
    }

    @Test func sqliteIgnoresTheSettings() throws {
        let scratch = try ScratchDatabase(.sqlite)
        let applier = try scratch.applier([migration("0001_a", up: "CREATE TABLE a (x INT);"),
                                           migration("0002_nt", header: "-- @transaction: false", up: "CREATE TABLE b (x INT);")])
        applier.lockSafety = LockSafety(statementLockTimeout: .milliseconds(100), retries: 3)
        #expect(try applier.up(UpRequest()).success?.applied.count == 2)
    }

    @Test func retryingStopsAtStatementsThatLeaveSomethingBehind() throws {
        let catalog = MigrationCatalog([migration("0001_x", header: "-- @transaction: false", up: """
            CREATE UNIQUE INDEX CONCURRENTLY a ON t (id);
            REINDEX INDEX CONCURRENTLY a;
            ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;
            DROP INDEX CONCURRENTLY a;
            ALTER TABLE t ADD COLUMN c INT;
            BEGIN;
            ALTER TABLE t ADD COLUMN d INT;
            COMMIT;
            ALTER TABLE t ADD COLUMN e INT;
            """)], dialect: .postgresql)
        let steps = try #require(catalog.entries.first?.up)
        let reasons = steps.indices.map { Applier.unsafeToRetry(steps, at: $0, of: "0001_x") }
        #expect(reasons[0]?.contains("CREATE INDEX CONCURRENTLY") == true)
        #expect(reasons[1]?.contains("REINDEX CONCURRENTLY") == true)
        #expect(reasons[2]?.contains("DETACH PARTITION CONCURRENTLY") == true)
        #expect(reasons[3] == nil && reasons[4] == nil)
        #expect(reasons[6]?.contains("transaction block") == true)
        #expect(reasons[8] == nil)
    }
}
