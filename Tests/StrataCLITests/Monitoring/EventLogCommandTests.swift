import Foundation
import StrataApply
import Testing

/// `--log-json FILE` of up, rollback and backup: a JSON object per line with the documented
/// fields, in the order things happened; an unwritable file stops the command before anything.
@Suite("--log-json")
struct EventLogCommandTests {
    static let common = ["version", "timestamp", "event", "run_id", "command", "dialect", "database", "who", "pid"]

    @Test(arguments: Backend.all)
    func eachLineIsAnEventWithItsFieldsInOrder(_ backend: Backend) throws {
        let (p, log) = try MonitoringCommandTests().lived(backend)
        #expect(log.hasSuffix("\n"))
        let lines = try JSON.lines(log)
        let redacted = try MonitoringFixture.redacted(p)
        if let password = MonitoringFixture.password(p) { #expect(!log.contains(password)) }
        for line in lines {
            for field in Self.common { #expect(line[field] != nil, "\(field) missing in \(line)") }
            #expect(line["version"] as? Int == 1)
            #expect(line["database"] as? String == redacted)
            #expect(line["dialect"] as? String == (backend == .sqlite ? "sqlite" : "postgresql"))
            #expect(line["who"] as? String == Ledger.actor)
            #expect(Ledger.date(line["timestamp"] as? String ?? "") != nil, "\(line)")
        }
        let stamps = lines.compactMap { $0["timestamp"] as? String }
        #expect(stamps == stamps.sorted())

        // Four runs, each with an id of its own on every one of its lines.
        var runs: [String] = []
        for line in lines where runs.last != line["run_id"] as? String { runs.append(line["run_id"] as? String ?? "?") }
        #expect(runs.count == 4 && Set(runs).count == 4, "\(runs)")
        let events = lines.map { line in
            [line["event"] as? String, line["migration_id"] as? String].compactMap { $0 }.joined(separator: " ")
        }
        #expect(events == [
            "run_started", "migration_started 0001_users", "applied 0001_users", "migration_started 0002_slow", "applied 0002_slow",
            "migration_started 0003_nick", "applied 0003_nick", "run_finished",
            "run_started", "backup_created", "run_finished",
            "run_started", "rollback_started 0003_nick", "rolled_back 0003_nick", "run_finished",
            "run_started", "migration_started 0003_nick", "applied 0003_nick", "migration_started 0004_broken", "failed 0004_broken",
            "run_finished",
        ])
        #expect(lines.map { $0["command"] as? String } == Array(repeating: "up", count: 8) + Array(repeating: "backup create", count: 3)
                + Array(repeating: "rollback", count: 4) + Array(repeating: "up", count: 6))

        // The release that wrote a run, on its first line (`version` is the line format's).
        #expect(lines[0]["strata_version"] is String && lines[1]["strata_version"] == nil, "\(lines[0])")
        let slow = lines[4]
        #expect(try #require(slow["duration_ms"] as? Int) > MonitoringFixture.slowMilliseconds)
        for applied in lines where applied["event"] as? String == "applied" { #expect(applied["duration_ms"] is Int) }
        #expect(lines[1]["file"] as? String == "migrations/0001_users.sql" && lines[1]["transaction"] as? Bool == true)
        #expect(lines[7]["outcome"] as? String == "ok" && lines[7]["exit_code"] as? Int == 0 && lines[7]["applied"] as? Int == 3)
        #expect(lines[7]["duration_ms"] is Int)
        let backup = lines[9]
        #expect((backup["file"] as? String)?.contains("/backups/backup_") == true && backup["size_bytes"] is Int)
        #expect(backup["sha256"] as? String != nil && backup["applied_migrations"] as? Int == 3)
        let rolledBack = lines[13]
        #expect(rolledBack["reason"] as? String == "wrong \"nick\" column" && rolledBack["risk"] as? String == "low")
        #expect(rolledBack["forced"] as? Bool == false && rolledBack["duration_ms"] is Int)
        #expect(lines[14]["rolled_back"] as? Int == 1 && lines[14]["outcome"] as? String == "ok")
        let failed = lines[19]
        #expect((failed["error"] as? String)?.contains("0004_broken failed") == true, "\(failed)")
        #expect((failed["error"] as? String)?.contains("\n") == false)
        #expect(failed["duration_ms"] is Int && lines[18]["transaction"] as? Bool == false)
        let finished = lines[20]
        #expect(finished["outcome"] as? String == "failed" && finished["exit_code"] as? Int == 2 && finished["applied"] as? Int == 1)
        #expect((finished["error"] as? String)?.contains("nowhere") == true, "\(finished)")
    }

    /// A refused run is logged as refused, with its reasons; a dry run as a run that applied nothing.
    @Test func refusalsAreLogged() throws {
        let p = try MonitoringFixture.project(.sqlite)
        try #require(try p.run("up").status == 0)
        try p.write("migrations/0001_users.sql", Fixtures.migration(up: "CREATE TABLE users (id INT PRIMARY KEY); -- edited", down: "DROP TABLE users;"))
        let refused = try p.run("up", "--log-json", "events.jsonl")
        #expect(refused.status == 1)
        let lines = try JSON.lines(try p.project.read("events.jsonl"))
        #expect(lines.map { $0["event"] as? String } == ["run_started", "refused", "run_finished"])
        #expect((lines[1]["reasons"] as? String)?.contains("0001_users was edited after it was applied") == true, "\(lines[1])")
        #expect(lines[2]["outcome"] as? String == "refused" && lines[2]["exit_code"] as? Int == 1)
    }

    /// Before anything: no migration applied, no tracking table, no backup taken, no rollback.
    @Test(arguments: Backend.all)
    func anUnwritableLogIsExitTwoBeforeAnything(_ backend: Backend) throws {
        let p = try MonitoringFixture.project(backend)
        try p.write("logs-are-a-folder/.keep", "")
        for target in ["missing/events.jsonl", "logs-are-a-folder"] {
            let up = try p.run("up", "--log-json", target)
            #expect(up.status == 2, "\(up.stdout)\(up.stderr)")
            #expect(up.stderr.hasPrefix("strata: error: cannot open the event log \(target) (--log-json): "), "\(up.stderr)")
            #expect(up.stdout.isEmpty)
            #expect(try !p.tableExists("__migrations__") && !p.tableExists("users"))
        }
        #expect(try p.run("up").status == 0)
        let rollback = try p.run("rollback", "--log-json", "missing/events.jsonl")
        #expect(rollback.status == 2 && rollback.stderr.contains("cannot open the event log missing/events.jsonl"), "\(rollback.stderr)")
        #expect(try p.rows() == ["0001_users applied", "0002_slow applied", "0003_nick applied"])
        let backup = try p.run("backup", "create", "--log-json", "missing/events.jsonl")
        #expect(backup.status == 2 && backup.stderr.contains("cannot open the event log"), "\(backup.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.project.root.appendingPathComponent("backups").path))
        let list = try p.run("backup", "list", "--log-json", "events.jsonl")
        #expect(list.status == 64, "\(list.stderr)")
    }

    /// A disk that fills up before anything runs is the same: `/dev/full` takes the open and
    /// refuses the first line.
    @Test func aLogThatCannotBeWrittenToIsExitTwo() throws {
        let p = try MonitoringFixture.project(.sqlite)
        guard FileManager.default.isWritableFile(atPath: "/dev/full") else { return }
        let up = try p.run("up", "--log-json", "/dev/full")
        #expect(up.status == 2)
        #expect(up.stderr.contains("cannot write to the event log /dev/full (--log-json)"), "\(up.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.sqlitePath))
    }
}
