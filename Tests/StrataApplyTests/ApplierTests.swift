import Foundation
import StrataApply
import StrataCore
import Testing

@Suite("Applier against real databases")
struct ApplierTests {
    @Test(arguments: Backend.all)
    func statusReportsEveryKind(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let first = [migration("0001_a", up: "CREATE TABLE a (x INT);"),
                     migration("0002_b", up: "CREATE TABLE b (x INT);"),
                     migration("0003_c", up: "CREATE TABLE c (x INT);")]
        let applier = try scratch.applier(first)
        #expect(try applier.status().map(\.kind) == [.pending, .pending, .pending])
        let plan = try #require(try applier.plan().success)
        #expect(try applier.up(plan).applied.map(\.id) == ["0001_a", "0002_b", "0003_c"])

        // 0002 edited, 0003 deleted, 0004 stops midway outside a transaction, 0005 new.
        let later = [first[0],
                     migration("0002_b", up: "CREATE TABLE b (x INT, y INT);"),
                     migration("0004_d", header: "-- @transaction: false", up: "CREATE TABLE d (x INT);\nINSERT INTO nowhere VALUES (1);"),
                     migration("0005_e", up: "CREATE TABLE e (x INT);")]
        let second = try scratch.applier(later)
        #expect(throws: ApplyError.self) { try second.up([try #require(second.catalog["0004_d"])]) }
        let states = try second.status()
        #expect(states.map(\.id) == ["0001_a", "0002_b", "0004_d", "0005_e", "0003_c"])
        #expect(states.map(\.kind) == [.applied, .changed, .failed, .pending, .missing])
        #expect(states[0].appliedAt?.hasSuffix("Z") == true && states[0].executionMilliseconds != nil)
        #expect(states[3].appliedAt == nil)
        let refusal = try #require(try second.plan().failure)
        #expect(refusal.reasons.count == 3, "\(refusal.reasons)")
        #expect(refusal.reasons.contains { $0.hasPrefix("0004_d failed midway") && $0.contains("strata repair 0004_d") })
        #expect(refusal.reasons.contains { $0.hasPrefix("0002_b was edited") })
        #expect(refusal.reasons.contains { $0.hasPrefix("0003_c is applied but its file is missing") })
    }

    @Test(arguments: Backend.all)
    func targetAppliesUpToAndIncludingIt(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let applier = try scratch.applier((1...4).map { migration("000\($0)_m", up: "CREATE TABLE t\($0) (x INT);") })
        let plan = try #require(try applier.plan(UpRequest(target: "0002_m")).success)
        #expect(plan.map(\.id) == ["0001_m", "0002_m"])
        _ = try applier.up(plan)
        #expect(try scratch.rows(on: applier.database) == [["0001_m", "applied"], ["0002_m", "applied"]])
        #expect(try !scratch.tableExists("t3", on: applier.database))
        #expect(try applier.plan(UpRequest(target: "0001_m")).success?.isEmpty == true)
        #expect(try applier.plan(UpRequest(target: "0009_nope")).failure?.reasons == ["no migration '0009_nope'"])
        #expect(try applier.plan().success?.map(\.id) == ["0003_m", "0004_m"])
    }

    @Test(arguments: Backend.all)
    func aFailingStatementRollsBackTheWholeMigration(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let applier = try scratch.applier([
            migration("0001_ok", up: "CREATE TABLE ok (x INT);"),
            migration("0002_bad", up: "CREATE TABLE half (x INT);\nINSERT INTO missing_table VALUES (1);"),
        ])
        let plan = try #require(try applier.plan().success)
        do {
            _ = try applier.up(plan)
            Issue.record("the failing migration applied")
        } catch {
            // PostgreSQL places the error on the missing table; SQLite names the statement.
            #expect(error.message.hasPrefix("migrations/0002_bad.sql:5:\(backend == .postgres ? 13 : 1): 0002_bad failed: "), "\(error.message)")
            #expect(error.message.contains("missing_table"))
            #expect(error.statement == "INSERT INTO missing_table VALUES (1)")
        }
        let db = applier.database
        #expect(try scratch.tableExists("ok", on: db))
        #expect(try !scratch.tableExists("half", on: db))
        #expect(try scratch.rows(on: db) == [["0001_ok", "applied"]])
    }

    @Test(arguments: Backend.all)
    func nonTransactionalFailureLeavesAFailedRowUntilRepair(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let broken = migration("0001_nt", header: "-- @transaction: false",
                               up: "CREATE TABLE first_half (x INT);\nINSERT INTO second_half VALUES (1);")
        let applier = try scratch.applier([broken])
        let entry = try #require(applier.catalog["0001_nt"])
        #expect(!entry.transactional && entry.nonTransactionalReason == "@transaction: false")
        #expect(throws: ApplyError.self) { try applier.up(try #require(try applier.plan().success)) }
        let db = applier.database
        // Each statement committed on its own: the first one stays.
        #expect(try scratch.tableExists("first_half", on: db))
        #expect(try scratch.rows(on: db) == [["0001_nt", "failed"]])
        let failed = try db.query("SELECT failed_statement, error FROM __migrations__")
        #expect(failed.first?.first?.text == "INSERT INTO second_half VALUES (1)")
        #expect(failed.first?.last?.text?.contains("second_half") == true)
        #expect(try applier.plan().failure?.reasons.first?.contains("strata repair 0001_nt") == true)

        // --retry: the row goes, and a fixed file applies.
        #expect(try applier.repair("0001_nt", markApplied: false).outcome == "0001_nt's failed row removed; `strata up` will run it again")
        #expect(try scratch.rows(on: db) == [])
        let fixedFile = migration("0001_nt", header: "-- @transaction: false",
                                  up: "CREATE TABLE IF NOT EXISTS first_half (x INT);\nCREATE TABLE second_half (x INT);")
        let fixed = try scratch.applier([fixedFile])
        #expect(try fixed.up(try #require(try fixed.plan().success)).applied.map(\.id) == ["0001_nt"])
        #expect(try scratch.rows(on: db) == [["0001_nt", "applied"]])
        #expect(try fixed.repair("0001_nt", markApplied: true).outcome == "0001_nt is applied; nothing to repair")
        #expect(throws: ApplyError(.refused, "0009_x has no tracking row, so there is nothing to repair: no migration file has that id either")) {
            try fixed.repair("0009_x", markApplied: true)
        }

        // --applied: finished by hand, recorded as applied.
        let again = try scratch.applier([fixedFile,
                                         migration("0002_nt", header: "-- @transaction: false", up: "INSERT INTO nowhere VALUES (1);")])
        #expect(throws: ApplyError.self) { try again.up(try #require(try again.plan().success)) }
        #expect(try again.repair("0002_nt", markApplied: true).outcome == "0002_nt marked applied")
        #expect(try scratch.rows(on: db) == [["0001_nt", "applied"], ["0002_nt", "applied"]])
        #expect(try db.query("SELECT count(*) FROM __migrations__ WHERE error IS NOT NULL OR failed_statement IS NOT NULL").first?.first?.integer == 0)
    }

    @Test(.enabled(if: TestPostgres.runs)) func createIndexConcurrentlyRunsOutsideATransaction() throws {
        let scratch = try ScratchDatabase(.postgres)
        let applier = try scratch.applier([
            migration("0001_t", up: "CREATE TABLE t (x INT);"),
            migration("0002_ix", up: "CREATE INDEX CONCURRENTLY t_x ON t (x);"),
        ])
        let entry = try #require(applier.catalog["0002_ix"])
        #expect(!entry.transactional && entry.nonTransactionalReason == "CREATE INDEX CONCURRENTLY")
        var lines: [String] = []
        applier.progress = { lines.append($0) }
        #expect(try applier.up(try #require(try applier.plan().success)).applied.map(\.id) == ["0001_t", "0002_ix"])
        #expect(lines.count == 2)
        #expect(lines.last?.hasPrefix("[2/2] 0002_ix ... ok ") == true)
        #expect(lines.last?.hasSuffix(" ms (outside a transaction: CREATE INDEX CONCURRENTLY)") == true)
        let valid = try applier.database.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass")
        #expect(valid == [[.integer(1)]])
        // The session lock was released. (Only this connection's locks: other tests run
        // beside this one on the same server and hold their own.)
        let held = try applier.database.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        #expect(held == [[.integer(0)]])
    }

    @Test(arguments: Backend.all)
    func changedChecksumRefusesUnlessAllowedButCRLFAndBOMDoNotCount(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let original = migration("0001_a", up: "CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);")
        let applier = try scratch.applier([original])
        _ = try applier.up(try #require(try applier.plan().success))

        let text = String(decoding: original.bytes, as: UTF8.self)
        let crlf = MigrationInput(id: "0001_a", path: original.path, bytes: [0xEF, 0xBB, 0xBF] + Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        let windows = try scratch.applier([crlf, migration("0002_b", up: "CREATE TABLE b (x INT);")])
        #expect(try windows.status().map(\.kind) == [.applied, .pending])
        #expect(try windows.plan().success?.map(\.id) == ["0002_b"])

        let edited = MigrationInput(id: "0001_a", path: original.path, bytes: Array(text.replacingOccurrences(of: "VALUES (1)", with: "VALUES (2)").utf8))
        let changed = try scratch.applier([edited, migration("0002_b", up: "CREATE TABLE b (x INT);")])
        #expect(try changed.status().map(\.kind) == [.changed, .pending])
        #expect(try changed.plan().failure?.reasons.first?.contains("--allow-changed") == true)
        let allowed = try #require(try changed.plan(UpRequest(allowChanged: true)).success)
        #expect(allowed.map(\.id) == ["0002_b"])
        _ = try changed.up(allowed)
        // The edited file is not re-run, and its recorded checksum stays the original's.
        #expect(try changed.database.query("SELECT x FROM a") == [[.integer(1)]])
        #expect(try changed.status().map(\.kind) == [.changed, .applied])
    }

    @Test(arguments: Backend.all)
    func idsAndNamesWithSQLInThemAreStoredVerbatim(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let hostileID = "0001_x'); DROP TABLE canary; --"
        let hostileName = "it's \"quoted\"; DELETE FROM canary; -- comment"
        let applier = try scratch.applier([
            migration("0000_canary", up: "CREATE TABLE canary (x INT);\nINSERT INTO canary VALUES (1);"),
            migration(hostileID, name: hostileName, up: "SELECT 1;"),
        ])
        _ = try applier.up(try #require(try applier.plan().success))
        let db = applier.database
        let rows = try db.query("SELECT id, name FROM __migrations__ ORDER BY id")
        #expect(rows == [[.text("0000_canary"), .text("0000_canary")], [.text(hostileID), .text(hostileName)]])
        #expect(try db.query("SELECT count(*) FROM canary") == [[.integer(1)]])
        #expect(try applier.status().map(\.kind) == [.applied, .applied])
        #expect(try applier.repair(hostileID, markApplied: false).outcome == "\(hostileID) is applied; nothing to repair")
        #expect(try db.query("SELECT count(*) FROM canary") == [[.integer(1)]])
    }

    @Test(arguments: Backend.all)
    func singleTransactionIsAllOrNothing(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let applier = try scratch.applier([
            migration("0001_a", up: "CREATE TABLE a (x INT);"),
            migration("0002_b", up: "CREATE TABLE b (x INT);"),
            migration("0003_c", up: "CREATE TABLE c (x INT);\nINSERT INTO nowhere VALUES (1);"),
        ])
        #expect(throws: ApplyError.self) { try applier.up(UpRequest(singleTransaction: true)) }
        let db = applier.database
        for table in ["a", "b", "c"] { #expect(try !scratch.tableExists(table, on: db), "\(table)") }
        #expect(try scratch.rows(on: db) == [])
        #expect(try applier.up(UpRequest(target: "0002_b", singleTransaction: true)).get().applied.map(\.id) == ["0001_a", "0002_b"])
        #expect(try scratch.rows(on: db) == [["0001_a", "applied"], ["0002_b", "applied"]])
    }

    @Test(arguments: Backend.all)
    func singleTransactionRefusesANonTransactionalMigrationBeforeTouchingAnything(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let applier = try scratch.applier([
            migration("0001_a", up: "CREATE TABLE a (x INT);"),
            migration("0002_nt", header: "-- @transaction: false", up: "CREATE TABLE b (x INT);"),
        ])
        do {
            _ = try applier.up(UpRequest(singleTransaction: true))
            Issue.record("applied")
        } catch {
            #expect(error.message == "0002_nt cannot run in a transaction (@transaction: false): --single-transaction refused")
        }
        let db = applier.database
        #expect(try !scratch.tableExists("a", on: db))
        #expect(try !scratch.tableExists("__migrations__", on: db))
    }

    /// Between two migrations of one run another runner applies the next one: the run sees
    /// its row (SQLite: the database's data version moved, so the rows kept from the last
    /// check are read again) and does not run it twice.
    @Test(arguments: Backend.all)
    func aMigrationAppliedByAnotherRunBetweenTwoOfThisRunIsNotRunAgain(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let inputs = [migration("0001_a", up: "CREATE TABLE a (id INT);"), migration("0002_b", up: "CREATE TABLE b (id INT);"),
                      migration("0003_c", up: "CREATE TABLE c (id INT);")]
        let applier = try scratch.applier(inputs)
        let other = try scratch.applier(inputs)
        var lines: [String] = []
        applier.progress = { lines.append($0) }
        var otherReport: UpReport?
        applier.onEvent = { event in
            guard event.kind == .applied, event.migration == "0001_a", otherReport == nil else { return }
            otherReport = try? other.up(other.catalog.entries.filter { $0.id == "0002_b" })
        }
        let report = try applier.up(try #require(try applier.plan().success))
        #expect(otherReport?.applied.map(\.id) == ["0002_b"])
        #expect(report.applied.map(\.id) == ["0001_a", "0003_c"])
        #expect(report.alreadyApplied == ["0002_b"])
        #expect(lines[1] == "[2/3] 0002_b ... already applied by another run")
        let db = applier.database
        for table in ["a", "b", "c"] { #expect(try scratch.tableExists(table, on: db)) }
        let ids = try db.query("SELECT id FROM __migrations__ ORDER BY id", []).compactMap { $0.first?.text }
        #expect(ids == ["0001_a", "0002_b", "0003_c"])
    }

    @Test(arguments: Backend.all)
    func progressLinesCountAndTime(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let applier = try scratch.applier([migration("0001_a", up: "SELECT 1;"), migration("0002_b", up: "SELECT 2;")])
        var lines: [String] = []
        applier.progress = { lines.append($0) }
        let report = try applier.up(try #require(try applier.plan().success))
        #expect(lines.count == 2)
        for (n, line) in lines.enumerated() {
            let id = ["0001_a", "0002_b"][n]
            #expect(line == "[\(n + 1)/2] \(id) ... ok \(report.applied[n].milliseconds) ms")
        }
        // Planned again after another run applied them: reported, not run.
        lines = []
        let stale = try scratch.applier([migration("0001_a", up: "SELECT 1;"), migration("0002_b", up: "SELECT 2;")])
        stale.progress = { lines.append($0) }
        let again = try stale.up(Array(stale.catalog.entries))
        #expect(again.applied.isEmpty && again.alreadyApplied == ["0001_a", "0002_b"])
        #expect(lines == ["[1/2] 0001_a ... already applied by another run", "[2/2] 0002_b ... already applied by another run"])
    }

    @Test func statusAndPlanOnAMissingSQLiteFileCreateNothing() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("data/app.db")
        let db = try DatabaseConnector.connect(DatabaseURL("sqlite:" + path), readOnly: true)
        let applier = try Applier(database: db, catalog: MigrationCatalog([migration("0001_a", up: "SELECT 1;")], dialect: .sqlite))
        #expect(try applier.status().map(\.kind) == [.pending])
        #expect(try applier.plan().success?.count == 1)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: folder.path("data")))
    }
}
