import Foundation
import Testing

@Suite("strata up: concurrent runs and a killed run")
struct ApplyConcurrencyTests {
    /// A statement that takes a moment: a sleep on PostgreSQL, a recursive insert on SQLite.
    static func slow(_ backend: Backend, rows: Int, seconds: Double) -> String {
        switch backend {
        case .postgres:
            "SELECT pg_sleep(\(seconds));"
        case .sqlite:
            "INSERT INTO filler (x) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < \(rows)) SELECT x FROM c;"
        }
    }

    @Test(arguments: Backend.all)
    func eightConcurrentRunsApplyEachMigrationOnce(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0000_log.sql", Fixtures.migration(
            up: "CREATE TABLE log (id TEXT NOT NULL);\nCREATE TABLE filler (x INT);", down: "DROP TABLE log;\nDROP TABLE filler;", rollbackSafe: false))
        let count = 20
        for n in 1...count {
            let id = String(format: "%04d_m", n)
            var up = "INSERT INTO log (id) VALUES ('\(id)');\n" + Self.slow(backend, rows: 20_000, seconds: 0.05)
            var header = ""
            switch n {
            case 10:
                // Outside a transaction, slower, and what 0011 needs comes last: no run may
                // start 0011 while another is still inside 0010.
                header = "-- @transaction: false\n"
                up += "\n" + Self.slow(backend, rows: 300_000, seconds: 0.3)
                if backend == .postgres { up += "\nCREATE INDEX CONCURRENTLY log_id ON log (id);" }
                up += "\nCREATE TABLE made_by_10 (x INT);"
            case 11:
                up += "\nINSERT INTO made_by_10 (x) VALUES (11);"
            default:
                break
            }
            try p.write("migrations/\(id).sql", header + Fixtures.migration(
                up: up, down: n == 10 ? "DROP TABLE made_by_10;" : "SELECT 1;", rollbackSafe: n != 10,
                dependencies: "[\"\(n == 1 ? "0000_log" : String(format: "%04d_m", n - 1))\"]"))
        }
        let runs = try (0..<8).map { _ in try p.start(["up"]) }
        let outcomes = runs.map { $0.wait() }
        for outcome in outcomes {
            #expect(outcome.status == 0, "\(outcome.stdout)\n\(outcome.stderr)")
        }
        let appliedLines = outcomes.flatMap { $0.stdout.split(separator: "\n") }.filter { $0.contains(" ... ok ") }
        #expect(appliedLines.count == count + 1, "\(outcomes.map(\.stdout))")
        #expect(try p.column("SELECT count(*) FROM __migrations__ WHERE status = 'applied'") == ["\(count + 1)"])
        #expect(try p.column("SELECT count(DISTINCT id) FROM __migrations__") == ["\(count + 1)"])
        #expect(try p.column("SELECT count(*) FROM log") == ["\(count)"])
        #expect(try p.column("SELECT count(DISTINCT id) FROM log") == ["\(count)"])
        #expect(try p.column("SELECT count(*) FROM made_by_10") == ["1"])
        #expect(try p.run("status").status == 0)
    }

    @Test(arguments: Backend.all)
    func aKilledRunLeavesNothingAndTheNextRunCompletes(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_fast.sql", Fixtures.migration(up: "CREATE TABLE filler (x INT);", down: "DROP TABLE filler;"))
        // The long statement outlasts the test on SQLite (a count over an endless series), so the
        // run is surely still inside it when killed; PostgreSQL's sleep ends by itself, because
        // the orphaned server process keeps the migration lock until then.
        let long = switch backend {
        case .postgres: "SELECT pg_sleep(2);"
        case .sqlite: "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c);"
        }
        let body = "CREATE TABLE made_by_long (x INT);\nINSERT INTO made_by_long VALUES (1);\n"
        try p.write("migrations/0002_long.sql", Fixtures.migration(up: body + long, down: "DROP TABLE made_by_long;"))
        let run = try p.start(["up"])
        let started = try eventually(20) {
            switch backend {
            case .postgres:
                // The migration's statements arrive as one message (the sleep last, then what
                // puts the session back).
                try p.column("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%SELECT pg_sleep(2)%' AND pid <> pg_backend_pid()") == ["1"]
            case .sqlite:
                // 0001 and the tracking tables take milliseconds; the journal that outlives
                // them is the long migration's (the rows checked below show 0001 done).
                FileManager.default.fileExists(atPath: p.sqlitePath + "-journal")
            }
        }
        #expect(started)
        usleep(200_000)
        #expect(run.process.isRunning)
        run.kill9()
        #expect(run.process.terminationReason == .uncaughtSignal)

        #expect(try p.rows() == ["0001_fast applied"])
        #expect(try !p.tableExists("made_by_long"))
        // Not applied, so the file may change: the next run gets one that ends.
        try p.write("migrations/0002_long.sql", Fixtures.migration(up: body + "SELECT 1;", down: "DROP TABLE made_by_long;"))
        let next = try p.run("up")
        #expect(next.status == 0, "\(next.stdout)\n\(next.stderr)")
        #expect(next.stdout.contains("[1/1] 0002_long ... ok "), "\(next.stdout)")
        #expect(try p.rows() == ["0001_fast applied", "0002_long applied"])
        #expect(try p.column("SELECT count(*) FROM made_by_long") == ["1"])
    }

    /// Killed inside a migration that runs outside a transaction: what ran before the kill
    /// stays, so the run's claim on the migration stays too. `status` shows it failed, `up`
    /// refuses at once (the claimant is gone) naming `strata repair`, and repair resolves it.
    @Test(arguments: Backend.all)
    func aRunKilledOutsideATransactionLeavesAFailedRowUntilRepair(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        let run = try p.upKilledInsideALongMigrationOutsideATransaction()
        if backend == .postgres {
            // The server notices the client is gone (client_connection_check_interval), ends the
            // statement and so frees the migration lock the run held.
            #expect(try eventually(30) { try p.column(ApplyProject.sleepingLong) == ["0"] })
        }
        #expect(try p.rows() == ["0001_fast applied", "0002_long failed"])
        let status = try p.run("status")
        #expect(status.status == 1)
        #expect(status.stdout.contains("0002_long   failed") && status.stdout.hasSuffix("2 migrations: 1 applied, 1 failed\n"), "\(status.stdout)")
        let refused = try p.run("up")
        #expect(refused.status == 1, "\(refused.stdout)\n\(refused.stderr)")
        #expect(refused.stderr.hasPrefix("strata: up refused, nothing applied:\n- 0002_long was interrupted midway: the run that started it (pid \(run.process.processIdentifier) on "),
                "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix(") is gone; fix the database, then run `strata repair 0002_long`\n"), "\(refused.stderr)")
        // The statements before the long one ran, and it only counted or slept: done by hand.
        let repaired = try p.run("repair", "0002_long", "--applied")
        #expect(repaired.status == 0, "\(repaired.stdout)\n\(repaired.stderr)")
        #expect(try p.rows() == ["0001_fast applied", "0002_long applied"])
        #expect(try p.run("status").status == 0)
        #expect(try p.run("up").stdout.hasSuffix("nothing to apply: the database is up to date\n"))
    }

    /// Another connection holds the migration lock (PostgreSQL: the advisory lock on the key
    /// strata derives from database and schema; SQLite: a write transaction): `up` gives up
    /// when --lock-timeout runs out, says who holds it, exits 2 and applies nothing.
    @Test(arguments: Backend.all)
    func theLockTimeoutRunsOutAndNamesTheHolder(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        let holder = try p.connect()
        let holderPid: Int64
        switch backend {
        case .postgres:
            try holder.execute("SELECT pg_advisory_lock(hashtext('strata:' || current_database() || ':' || 'public'))")
            holderPid = try #require(try holder.query("SELECT pg_backend_pid()").first?.first?.integer)
        case .sqlite:
            try holder.execute("BEGIN IMMEDIATE")
            holderPid = Int64(getpid())
        }
        for timeout in ["0.3", "0"] {
            let up = try p.run("up", "--lock-timeout", timeout)
            #expect(up.status == 2, "\(up.stdout)\n\(up.stderr)")
            #expect(up.stderr.hasPrefix("strata: error: "), "\(up.stderr)")
            #expect(up.stderr.contains("held by pid \(holderPid) ("), "\(up.stderr)")
            #expect(try p.rows() == [])
            #expect(try !p.tableExists("a"))
        }
        switch backend {
        case .postgres: try holder.execute("SELECT pg_advisory_unlock_all()")
        case .sqlite: try holder.execute("ROLLBACK")
        }
        let up = try p.run("up", "--lock-timeout", "0")
        #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
        #expect(try p.rows() == ["0001_a applied"])
    }
}
