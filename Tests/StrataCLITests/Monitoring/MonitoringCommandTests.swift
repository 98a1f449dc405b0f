import Foundation
import StrataApply
import Testing

/// `status` slow flags, `history` and `metrics` after a real life on a real database: three
/// migrations applied (one slow), a backup, a rollback with a reason, a file edited after it
/// was applied, the rolled-back migration applied again, one failing midway outside a
/// transaction, one left pending.
@Suite("Monitoring: status, history and metrics")
struct MonitoringCommandTests {
    /// The life above; returns the project, the log file's text and the backup's path.
    func lived(_ backend: Backend) throws -> (ApplyProject, String) {
        let p = try MonitoringFixture.project(backend)
        let up = try p.run("up", "--log-json", "events.jsonl")
        try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
        let backup = try p.run("backup", "create", "--log-json", "events.jsonl")
        try #require(backup.status == 0, "\(backup.stdout)\(backup.stderr)")
        let rollback = try p.run("rollback", "--reason", "wrong \"nick\" column", "--log-json", "events.jsonl")
        try #require(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        // Edited after it was applied: changed.
        try p.write("migrations/0001_users.sql", Fixtures.migration(up: "CREATE TABLE users (id INT PRIMARY KEY); -- edited", down: "DROP TABLE users;"))
        try p.write("migrations/0004_broken.sql", "-- @transaction: false\n" + Fixtures.migration(
            up: "CREATE TABLE half (id INT);\nINSERT INTO nowhere VALUES (1);", down: "DROP TABLE half;"))
        try p.write("migrations/0005_later.sql", Fixtures.migration(up: "CREATE TABLE later (id INT);", down: "DROP TABLE later;"))
        let again = try p.run("up", "--allow-changed", "--log-json", "events.jsonl")
        try #require(again.status == 2, "\(again.stdout)\(again.stderr)")
        return (p, try p.project.read("events.jsonl"))
    }

    @Test(arguments: Backend.all)
    func statusFlagsSlowMigrations(_ backend: Backend) throws {
        let p = try MonitoringFixture.project(backend)
        try #require(try p.run("up").status == 0)
        let json = try JSON.object(try p.run("status", "--json").stdout)
        #expect(json["slow_ms"] as? Int == MonitoringFixture.slowMilliseconds)
        let migrations = try #require(json["migrations"] as? [[String: Any]])
        #expect(migrations.count == 3)
        for migration in migrations {
            let ms = try #require(migration["execution_ms"] as? Int)
            // The slow one is flagged; the others as their own recorded times say.
            #expect(migration["slow"] as? Bool == (ms > MonitoringFixture.slowMilliseconds), "\(migration)")
            if migration["id"] as? String == "0002_slow" { #expect(ms >= 250 || backend == .sqlite && ms > 100, "\(ms)") }
        }
        #expect(migrations.filter { $0["slow"] as? Bool == true }.map { $0["id"] as? String }.contains("0002_slow"))

        let text = try p.run("status")
        #expect(text.status == 0)
        let slowLine = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("0002_slow") })
        #expect(slowLine.hasSuffix(" ms  slow"), "\(text.stdout)")
        let slowCount = migrations.filter { $0["slow"] as? Bool == true }.count
        #expect(text.stdout.hasSuffix("3 migrations: 3 applied; \(slowCount) slow (over 100 ms)\n"), "\(text.stdout)")
    }

    @Test(arguments: Backend.all)
    func historyListsAppliesRollbacksAndFailuresInOrder(_ backend: Backend) throws {
        let (p, _) = try lived(backend)
        let json = try JSON.object(try p.run("history", "--json").stdout)
        #expect(json["complete"] as? Bool == true)
        #expect(json["database"] as? String == (try MonitoringFixture.redacted(p)))
        let events = try #require(json["events"] as? [[String: Any]])
        let summary = events.map { "\($0["event"] as? String ?? "?") \($0["migration_id"] as? String ?? "?")" }
        #expect(summary == ["applied 0001_users", "applied 0002_slow", "applied 0003_nick", "rolled_back 0003_nick",
                            "applied 0003_nick", "failed 0004_broken"])
        #expect(json["total"] as? Int == 6)
        let times = events.compactMap { $0["at"] as? String }
        #expect(times.count == 6 && times == times.sorted())
        for event in events {
            #expect(event["who"] as? String == Ledger.actor)
            #expect(event["duration_ms"] is Int, "\(event)")
        }
        #expect(events.map { $0["action"] as? String } == ["apply", "apply", "apply", "rollback", "apply", "apply"])
        #expect(events.map { $0["status"] as? String } == ["ok", "ok", "ok", "ok", "ok", "failed"])
        #expect(events[1]["slow"] as? Bool == true)
        let rollback = events[3]
        #expect(rollback["reason"] as? String == "wrong \"nick\" column")
        #expect(rollback["forced"] as? Bool == false)
        #expect(rollback["risk"] as? String == "low")
        #expect(rollback["backup_path"] is NSNull)
        #expect((events[5]["error"] as? String)?.contains("nowhere") == true, "\(events[5])")

        let limited = try JSON.object(try p.run("history", "--json", "--limit", "2").stdout)
        let last = try #require(limited["events"] as? [[String: Any]])
        #expect(last.map { $0["event"] as? String } == ["applied", "failed"])
        #expect(limited["total"] as? Int == 6)

        let table = try p.run("history")
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "database: \(try MonitoringFixture.redacted(p))")
        #expect(lines[1].hasPrefix("WHEN") && lines[1].contains("ACTION") && lines[1].contains("DETAIL"))
        #expect(lines[3].contains("  apply     ok      0002_slow ") && lines[3].contains("slow (over 100 ms)"), "\(table.stdout)")
        #expect(lines[5].contains("  rollback  ok      0003_nick ") && lines[5].hasSuffix("reason: wrong \"nick\" column; risk low"), "\(table.stdout)")
        #expect(lines[7].contains("  apply     failed  0004_broken") && lines[7].contains("nowhere"), "\(table.stdout)")
        #expect(lines.last == "6 events")
        let tail = try p.run("history", "--limit", "1")
        #expect(tail.stdout.hasSuffix("6 events, the last 1 shown\n"), "\(tail.stdout)")
    }

    @Test(arguments: Backend.all)
    func metricsCountStatesLastApplyRollbacksAndTheBackup(_ backend: Backend) throws {
        let (p, _) = try lived(backend)
        let outcome = try p.run("metrics")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let metrics = try PrometheusTextChecker(outcome.stdout)
        let database = ["database": try MonitoringFixture.redacted(p)]
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { metrics.value(name, database.merging(labels) { a, _ in a }) }
        #expect(value("strata_migrations", ["state": "applied"]) == 2)     // 0002, 0003
        #expect(value("strata_migrations", ["state": "changed"]) == 1)     // 0001
        #expect(value("strata_migrations", ["state": "failed"]) == 1)      // 0004
        #expect(value("strata_migrations", ["state": "pending"]) == 1)     // 0005
        #expect(value("strata_migrations", ["state": "missing"]) == 0)
        #expect(try #require(value("strata_slow_migrations")) >= 1)
        #expect(value("strata_slow_threshold_seconds") == 0.1)
        #expect(value("strata_rollbacks_total") == 1)
        #expect(metrics.family("strata_rollbacks_total")?.type == "counter")
        #expect(value("strata_backups") == 1)
        let age = try #require(value("strata_latest_backup_age_seconds"))
        #expect(age >= 0 && age < 600)
        let backupAt = try #require(value("strata_latest_backup_timestamp_seconds"))
        #expect(abs(Date().timeIntervalSince1970 - age - backupAt) < 5)
        for family in metrics.families {
            #expect(family.name.hasPrefix("strata_") && family.help?.isEmpty == false, "\(family.name)")
            #expect(family.type != "counter" || family.name.hasSuffix("_total"), "\(family.name)")
        }
        // The last apply is the second one of 0003_nick, as history has it.
        let history = try JSON.object(try p.run("history", "--json").stdout)["events"] as? [[String: Any]] ?? []
        let lastApply = try #require(history.last { $0["event"] as? String == "applied" })
        #expect(lastApply["migration_id"] as? String == "0003_nick")
        let atText = try #require(lastApply["at"] as? String)
        let at = try #require(Ledger.date(atText))
        #expect(value("strata_last_apply_timestamp_seconds") == (at.timeIntervalSince1970 * 1000).rounded() / 1000)
        let lastDuration = try #require(lastApply["duration_ms"] as? Int)
        #expect(value("strata_last_apply_duration_seconds") == Double(lastDuration) / 1000)
        if let password = MonitoringFixture.password(p) { #expect(!outcome.stdout.contains(password)) }

        let json = try JSON.object(try p.run("metrics", "--format", "json").stdout)
        #expect(json["migrations"] as? [String: Int] == ["applied": 2, "changed": 1, "failed": 1, "pending": 1, "missing": 0])
        #expect(json["rollbacks"] as? Int == 1)
        #expect((json["last_apply"] as? [String: Any])?["migration"] as? String == "0003_nick")
        #expect(((json["backups"] as? [String: Any])?["latest"] as? [String: Any])?["age_seconds"] is Double)
        #expect(((json["slow"] as? [String: Any])?["migrations"] as? [String])?.contains("0002_slow") == true)
    }

    /// `--output` replaces the file whole through a temporary file in the same folder, which
    /// it leaves no trace of; the collector reads only `*.prom`.
    @Test(arguments: Backend.all)
    func metricsOutputIsWrittenAtomically(_ backend: Backend) throws {
        let p = try MonitoringFixture.project(backend)
        try #require(try p.run("up").status == 0)
        let folder = p.project.root.appendingPathComponent("textfile")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "stale\n".write(to: folder.appendingPathComponent("strata.prom"), atomically: false, encoding: .utf8)
        let before = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("strata.prom").path)[.systemFileNumber] as? Int
        let written = try p.run("metrics", "--output", "textfile/strata.prom")
        #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stdout)\(written.stderr)")
        let path = folder.appendingPathComponent("strata.prom").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let metrics = try PrometheusTextChecker(text)
        #expect(metrics.value("strata_migrations", ["state": "applied"]) == 3)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
        // A new file renamed over the old one, not the old one rewritten in place.
        #expect(attributes[.systemFileNumber] as? Int != before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["strata.prom"])
        let json = try p.run("metrics", "--format", "json", "--output", "textfile/strata.json")
        #expect(json.status == 0)
        #expect(try JSON.object(try String(contentsOfFile: folder.appendingPathComponent("strata.json").path, encoding: .utf8))["rollbacks"] as? Int == 0)

        let nowhere = try p.run("metrics", "--output", "missing/strata.prom")
        #expect(nowhere.status == 2)
        #expect(nowhere.stderr.hasPrefix("strata: error: cannot write the metrics file missing/strata.prom (--output)"), "\(nowhere.stderr)")
    }

    /// No tracking tables yet: an empty history and metrics without a last apply or a backup,
    /// exit 0, and nothing created (not even the SQLite file).
    @Test(arguments: Backend.all)
    func aDatabaseWithoutTrackingTables(_ backend: Backend) throws {
        let p = try MonitoringFixture.project(backend)
        let history = try p.run("history")
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.hasSuffix("no history: nothing was applied or rolled back yet\n"), "\(history.stdout)")
        let json = try JSON.object(try p.run("history", "--json").stdout)
        #expect((json["events"] as? [Any])?.isEmpty == true && json["total"] as? Int == 0 && json["complete"] as? Bool == true)
        let outcome = try p.run("metrics")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let metrics = try PrometheusTextChecker(outcome.stdout)
        #expect(metrics.value("strata_migrations", ["state": "pending"]) == 3)
        #expect(metrics.value("strata_rollbacks_total") == 0 && metrics.value("strata_backups") == 0)
        for absent in ["strata_last_apply_timestamp_seconds", "strata_last_apply_duration_seconds",
                       "strata_latest_backup_timestamp_seconds", "strata_latest_backup_age_seconds"] {
            let family = try #require(metrics.family(absent))
            #expect(family.samples.isEmpty && family.help?.hasSuffix("No sample when \(absent.contains("backup") ? "there is no backup" : "none was ever applied").") == true,
                    "\(absent): \(family)")
        }
        let metricsJSON = try JSON.object(try p.run("metrics", "--format", "json").stdout)
        #expect(metricsJSON["last_apply"] is NSNull && (metricsJSON["backups"] as? [String: Any])?["latest"] is NSNull)
        if backend == .sqlite { #expect(!FileManager.default.fileExists(atPath: p.sqlitePath)) }
        #expect(try !p.tableExists("__migrations__"))
    }

    /// A label value with a quote and a backslash (an SQLite path) is escaped, and reads back.
    @Test func labelValuesAreEscaped() throws {
        let p = try MonitoringFixture.project(.sqlite)
        let path = p.project.root.appendingPathComponent("we\"ird\\dir/app.db").path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let outcome = try CLI.run(["metrics", "--database", "sqlite:" + path], in: p.project.root)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("we\\\"ird\\\\dir"), "\(outcome.stdout)")
        let metrics = try PrometheusTextChecker(outcome.stdout)
        #expect(metrics.value("strata_migrations", ["database": "sqlite:" + path, "state": "pending"]) == 3)
    }
}
