import Foundation
import StrataApply
import Testing

/// Runs stopped midway and runs side by side: a restore killed while it runs, rollbacks
/// started together, an `up` right after a run killed outside a transaction.
@Suite("Adversarial: interrupted and concurrent runs")
struct InterruptedRunTests {
    // MARK: - A restore interrupted midway

    /// The restore's psql waits inside its transaction (its DROP SCHEMA needs a lock another
    /// session holds) when strata is stopped. Its client programs must die with it: left
    /// behind, psql would go on once the lock is free and commit the restore, with nothing
    /// recorded and nothing checked, and the table made after the backup would be gone.
    @Test(.enabled(if: Backend.postgresRuns), arguments: [SIGKILL, SIGTERM, SIGINT])
    func aRestoreStoppedMidwayLeavesTheDatabaseAsItWasAndNoClientBehind(_ signal: Int32) throws {
        let p = try ApplyProject(.postgres)
        let db = try p.connect()
        try db.execute("CREATE TABLE items (id INT PRIMARY KEY, name TEXT); INSERT INTO items VALUES (1, 'kept'), (2, 'kept too')")
        let created = try p.run("backup", "create")
        try #require(created.status == 0, "\(created.stdout)\(created.stderr)")
        let folder = p.project.root.appendingPathComponent("backups").path
        let backup = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".dump") })
        try db.execute("CREATE TABLE later (x INT); INSERT INTO later VALUES (7); UPDATE items SET name = 'changed' WHERE id = 1")

        let holder = try p.connect()
        try holder.execute("BEGIN; LOCK TABLE items IN ACCESS SHARE MODE")
        let run = try PipedCLI(["backup", "restore", backup, "--database", p.url, "--lock-timeout", "300"], in: p.project.root)
        let restoreSessions = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'psql'"
        let waiting = try eventually(60) { try p.column(restoreSessions + " AND wait_event_type = 'Lock'") == ["1"] }
        try #require(waiting, "\(run.output)")
        let clients = childProcesses(of: run.pid)
        #expect(clients.contains { $0.name == "psql" }, "\(clients)")

        run.send(signal)
        #expect(run.exitCode == nil, "strata ended by the signal")
        #expect(eventually(10) { clients.allSatisfy { processHasEnded($0.pid) } }, "left running: \(clients.filter { !processHasEnded($0.pid) })")
        // The lock is free: a psql left behind would go on and commit the restore now.
        try holder.execute("COMMIT")
        #expect(try eventually(60) { try p.column(restoreSessions) == ["0"] })
        #expect(try p.column("SELECT x FROM later") == ["7"])
        #expect(try p.column("SELECT name FROM items ORDER BY id") == ["changed", "kept too"])
    }

    /// SQLite restores with its backup API, in this process and in one write transaction:
    /// killed while it writes the pages, it leaves the database whole, as it was (its journal
    /// is rolled back by the next connection), or, had it committed first, as the backup was:
    /// never a mix of the two.
    @Test func anSQLiteRestoreKilledWhileItWritesLeavesOneWholeDatabase() throws {
        let p = try ApplyProject(.sqlite)
        let db = try p.connect()
        try db.execute("""
            CREATE TABLE items (id INT PRIMARY KEY, name TEXT);
            INSERT INTO items VALUES (1, 'kept'), (2, 'kept too');
            CREATE TABLE bulk (x INT, filler TEXT);
            INSERT INTO bulk WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000) SELECT x, hex(randomblob(200)) FROM n;
            """)
        let created = try p.run("backup", "create")
        try #require(created.status == 0, "\(created.stdout)\(created.stderr)")
        let folder = p.project.root.appendingPathComponent("backups").path
        let backup = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".sqlite") })
        try db.execute("CREATE TABLE later (x INT); INSERT INTO later VALUES (7); UPDATE items SET name = 'changed' WHERE id = 1; DELETE FROM bulk WHERE x > 10")

        let run = try PipedCLI(["backup", "restore", backup, "--database", p.url], in: p.project.root)
        // The journal appears with the restore's first page written: kill it then.
        let journal = p.sqlitePath + "-journal"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: journal), !run.hasExited, Date() < deadline { usleep(200) }
        run.send(SIGKILL)
        run.waitForExit()
        let after = try p.connect()
        #expect(try after.query("PRAGMA integrity_check").first?.first?.text == "ok")
        let names = try p.column("SELECT name FROM items ORDER BY id")
        let bulk = try p.column("SELECT count(*) FROM bulk")
        if try p.tableExists("later") {
            #expect(names == ["changed", "kept too"] && bulk == ["10"], "\(names) \(bulk)")
        } else {
            #expect(names == ["kept", "kept too"] && bulk == ["100000"], "\(names) \(bulk)")
        }
    }

    // MARK: - Concurrent rollbacks

    /// Four rollbacks of the same migration, planned while another connection holds the
    /// migration lock, then let go together: one rolls it back, the others find it done, and
    /// only the one that does the work takes the backup.
    @Test(arguments: Backend.all)
    func concurrentRollbacksTakeOneBackup(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);", down: "DROP TABLE a;"))
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (x INT);", down: "DROP TABLE b;"))
        let up = try p.run("up")
        try #require(up.status == 0, "\(up.stdout)\(up.stderr)")

        let holder = try p.connect()
        switch backend {
        case .postgres: try holder.execute("SELECT pg_advisory_lock(hashtext('strata:' || current_database() || ':' || 'public'))")
        case .sqlite: try holder.execute("BEGIN IMMEDIATE")
        }
        let runs = try (0..<4).map { _ in try p.start(["rollback", "--backup"]) }
        let planned = eventually(60) { runs.allSatisfy { $0.stdoutSoFar.contains("1 migration to roll back, risk: low\n") } }
        #expect(planned, "\(runs.map(\.stdoutSoFar))")
        switch backend {
        case .postgres: try holder.execute("SELECT pg_advisory_unlock_all()")
        case .sqlite: try holder.execute("ROLLBACK")
        }
        let outcomes = runs.map { $0.wait() }
        for outcome in outcomes { #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)") }
        let worked = outcomes.filter { $0.stdout.contains("[1/1] 0002_b ... rolled back ") }
        #expect(worked.count == 1, "\(outcomes.map(\.stdout))")
        #expect(worked.allSatisfy { $0.stdout.contains("\nbackup: backups/backup_") }, "\(worked.map(\.stdout))")
        let idle = outcomes.filter { $0.stdout.contains("[1/1] 0002_b ... already rolled back by another run") }
        #expect(idle.count == 3 && idle.allSatisfy { !$0.stdout.contains("backup:") }, "\(idle.map(\.stdout))")
        let folder = p.project.root.appendingPathComponent("backups").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasSuffix(".manifest.json") }
        #expect(files.count == 1, "\(files)")
        #expect(try p.rows() == ["0001_a applied"])
        #expect(try p.column("SELECT backup_path FROM __migration_rollbacks__") == files.map { "backups/" + $0 })
    }

    /// A rollback with nothing left to do (another run undid it between its plan and its lock)
    /// takes no backup, even one that loses rows and would take one.
    @Test func aRollbackThatFindsItsWorkDoneTakesNoBackup() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);", down: "DROP TABLE a;"))
        #expect(try p.run("up").status == 0)
        let holder = try p.connect()
        try holder.execute("BEGIN IMMEDIATE")
        let run = try p.start(["rollback", "--force"])
        #expect(eventually(60) { run.stdoutSoFar.contains("1 migration to roll back, risk: high\n") }, "\(run.stdoutSoFar)")
        // Undone by hand while the run waits for the lock.
        try holder.execute("DROP TABLE a; DELETE FROM __migrations__; COMMIT")
        let outcome = run.wait()
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("[1/1] 0001_a ... already rolled back by another run"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("backup:"), "\(outcome.stdout)")
        #expect(!FileManager.default.fileExists(atPath: p.project.root.appendingPathComponent("backups").path))
    }

    // MARK: - `up` right after a run killed outside a transaction

    /// Killed inside a migration that runs outside a transaction, then `up` at once: on
    /// PostgreSQL the killed run's session still holds the migration lock for a moment, so the
    /// next `up` waits for it, then finds the claim of a run that is gone. It refuses (exit 1,
    /// as docs/commands/up.md says), naming `strata repair`, whichever moment it finds it at.
    @Test(arguments: Backend.all)
    func upRightAfterARunKilledOutsideATransactionRefuses(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        let run = try p.upKilledInsideALongMigrationOutsideATransaction()
        let refused = try p.run("up")
        #expect(refused.status == 1, "\(refused.stdout)\n\(refused.stderr)")
        #expect(refused.stderr.hasPrefix("strata: up refused, nothing applied:\n- 0002_long was interrupted midway: the run that started it (pid \(run.process.processIdentifier) on "),
                "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix(") is gone; fix the database, then run `strata repair 0002_long`\n"), "\(refused.stderr)")
        #expect(try p.rows() == ["0001_fast applied", "0002_long failed"])
    }
}
