import Foundation
import StrataApply
import Testing

/// `strata repair` checks before it resolves: the file is the one that failed, and the run
/// that claimed a migration is gone.
@Suite("strata repair: what it checks")
struct RepairCommandTests {
    static func outsideTransaction(_ up: String) -> String {
        "-- @transaction: false\n" + Fixtures.migration(up: up, down: "SELECT 1;")
    }

    static func short(_ file: String) -> String { String(Checksum.of(Array(file.utf8)).prefix(12)) }

    @Test(arguments: Backend.all)
    func repairRefusesAFileChangedSinceItFailedUnlessAllowed(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        let broken = Self.outsideTransaction("CREATE TABLE one (x INT);\nINSERT INTO two VALUES (1);")
        try p.write("migrations/0001_nt.sql", broken)
        #expect(try p.run("up").status == 2)
        // Fixed after the failure: not the file that failed.
        let fixed = Self.outsideTransaction("CREATE TABLE IF NOT EXISTS one (x INT);\nCREATE TABLE two (x INT);")
        try p.write("migrations/0001_nt.sql", fixed)
        let ran = Self.short(broken), now = Self.short(fixed)
        for mode in ["--retry", "--applied"] {
            let refused = try p.run("repair", "0001_nt", mode)
            #expect(refused.status == 1 && refused.stdout.isEmpty, "\(refused.stdout)")
            #expect(refused.stderr == "strata: error: migrations/0001_nt.sql changed since 0001_nt failed (checksum \(now), the failed run's \(ran)); restore the file as it ran, or pass --allow-changed\n",
                    "\(refused.stderr)")
        }
        #expect(try p.rows() == ["0001_nt failed"])
        // Said so: the row goes, and up runs the file as it is now.
        let retry = try p.run("repair", "0001_nt", "--retry", "--allow-changed")
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout.hasPrefix("found: migrations/0001_nt.sql:11:\(backend == .postgres ? 13 : 1): 0001_nt failed: "), "\(retry.stdout)")
        #expect(retry.stdout.contains("\n  statement: INSERT INTO two VALUES (1)\nchecked: migrations/0001_nt.sql changed since it failed (checksum \(now), the failed run's \(ran)): --allow-changed\n"),
                "\(retry.stdout)")
        #expect(retry.stdout.hasSuffix("\n0001_nt's failed row removed; `strata up` will run it again\n"), "\(retry.stdout)")
        #expect(try p.run("up").status == 0)
        #expect(try p.rows() == ["0001_nt applied"])

        // Finished by hand after an edit: the row takes the file's checksum, so status is clean.
        try p.write("migrations/0002_nt.sql", Self.outsideTransaction("CREATE TABLE three (x INT);\nINSERT INTO four VALUES (1);"))
        #expect(try p.run("up").status == 2)
        let finished = Self.outsideTransaction("CREATE TABLE three (x INT);\nCREATE TABLE four (x INT);\nINSERT INTO four VALUES (1);")
        try p.write("migrations/0002_nt.sql", finished)
        try p.connect().execute("CREATE TABLE four (x INT); INSERT INTO four VALUES (1)")
        let applied = try p.run("repair", "0002_nt", "--applied", "--allow-changed")
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.hasSuffix("\n0002_nt marked applied, with the checksum of migrations/0002_nt.sql as it is now\n"), "\(applied.stdout)")
        #expect(try p.column("SELECT checksum FROM __migrations__ WHERE id = '0002_nt'") == [Checksum.of(Array(finished.utf8))])
        #expect(try p.run("status").status == 0)

        // A failed migration whose file is gone: the same check, the same flag.
        try p.write("migrations/0003_nt.sql", Self.outsideTransaction("INSERT INTO five VALUES (1);"))
        #expect(try p.run("up").status == 2)
        try p.remove("migrations/0003_nt.sql")
        let gone = try p.run("repair", "0003_nt", "--retry")
        #expect(gone.status == 1)
        #expect(gone.stderr == "strata: error: 0003_nt has no file, so it cannot be checked against the failed run; restore it, or pass --allow-changed\n", "\(gone.stderr)")
        let forgotten = try p.run("repair", "0003_nt", "--retry", "--allow-changed")
        #expect(forgotten.status == 0 && forgotten.stdout.contains("\nchecked: 0003_nt has no file: --allow-changed\n"), "\(forgotten.stdout)")
        #expect(try p.rows() == ["0001_nt applied", "0002_nt applied"])
    }

    /// A claim whose process still runs is not repaired (nor run again); once the process
    /// has ended, it is.
    @Test func repairRefusesAMigrationWhoseRunIsStillAlive() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0000_base.sql", Fixtures.migration(up: "CREATE TABLE base (x INT);", down: "DROP TABLE base;"))
        #expect(try p.run("up").status == 0)
        let file = Self.outsideTransaction("CREATE TABLE one (x INT);")
        try p.write("migrations/0001_nt.sql", file)
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["120"]
        try sleeper.run()
        // SIGKILL: the test process may hand its children a mask that blocks SIGTERM.
        defer { if sleeper.isRunning { kill(sleeper.processIdentifier, SIGKILL); sleeper.waitUntilExit() } }
        let pid = sleeper.processIdentifier
        // The claim a run writes before the first statement, by a process that is alive.
        try p.connect().query("""
            INSERT INTO __migrations__ (id, name, checksum, applied_at, execution_ms, applied_by, status, error, pid)
            VALUES ('0001_nt', 'Example', ?1, '2025-01-01T00:00:00.000Z', 0, ?2, 'failed', 'interrupted: it was running', ?3)
            """, [.text(Checksum.of(Array(file.utf8))), .text("someone@" + Ledger.host), .integer(Int64(pid))])
        let running = try p.run("repair", "0001_nt", "--retry")
        #expect(running.status == 1)
        #expect(running.stderr == "strata: error: 0001_nt is still running in another run (pid \(pid) on \(Ledger.host)); let it finish\n", "\(running.stderr)")
        let waited = try p.run("up", "--lock-timeout", "0")
        #expect(waited.status == 2 && waited.stderr.contains("0001_nt was still running in another run (pid \(pid) on \(Ledger.host))"), "\(waited.stderr)")
        #expect(try p.rows() == ["0000_base applied", "0001_nt failed"])

        kill(pid, SIGKILL)
        sleeper.waitUntilExit()
        let refused = try p.run("up")
        #expect(refused.status == 1 && refused.stderr.contains("0001_nt was interrupted midway: the run that started it (pid \(pid) on \(Ledger.host)) is gone"), "\(refused.stderr)")
        let retry = try p.run("repair", "0001_nt", "--retry")
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout == """
            found: 0001_nt was interrupted midway; which of its statements ran is not recorded
            checked: the run that started it (pid \(pid) on \(Ledger.host)) is gone
            checked: migrations/0001_nt.sql is unchanged since it failed (checksum \(Self.short(file)))
            0001_nt's failed row removed; `strata up` will run it again

            """, "\(retry.stdout)")
        #expect(try p.run("up").status == 0)
        #expect(try p.rows() == ["0000_base applied", "0001_nt applied"])
    }
}
