import Foundation
import StrataApply
import Testing

@Suite("strata rollback")
struct RollbackCommandTests {
    /// Three migrations applied: users, then orders (with rows put in by the test), then a
    /// column on users.
    func applied(_ backend: Backend, orderRows: Int = 0, thirdSafe: Bool = true) throws -> ApplyProject {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_users.sql", Fixtures.migration(up: "CREATE TABLE users (id INT PRIMARY KEY);", down: "DROP TABLE users;"))
        try p.write("migrations/0002_orders.sql", Fixtures.migration(
            up: "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT);\nCREATE INDEX idx_orders_user ON orders (user_id);",
            down: "DROP INDEX idx_orders_user;\nDROP TABLE orders;"))
        try p.write("migrations/0003_nick.sql", Fixtures.migration(
            up: "ALTER TABLE users ADD COLUMN nick TEXT;", down: "ALTER TABLE users DROP COLUMN nick;", rollbackSafe: thirdSafe))
        let up = try p.run("up")
        try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
        if orderRows > 0 {
            let values = (1...orderRows).map { "(\($0), 1)" }.joined(separator: ", ")
            try p.connect().execute("INSERT INTO orders VALUES \(values)")
        }
        return p
    }

    func rows(_ p: ApplyProject) throws -> [String] {
        try p.connect().query("SELECT id FROM __migrations__ ORDER BY id").compactMap { $0.first?.text }
    }

    @Test(arguments: Backend.all)
    func theLastOneByDefaultWithItsRisk(_ backend: Backend) throws {
        let p = try applied(backend)
        let outcome = try p.run("rollback", "--reason", "wrong column")
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("0003_nick  low      drops column users.nick (0 non-NULL values) (line 12)"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("[1/1] 0003_nick ... rolled back"))
        #expect(outcome.stdout.contains("rolled back 1 migration in"))
        #expect(try rows(p) == ["0001_users", "0002_orders"])
        let history = try p.connect().query("SELECT migration_id, reason, risk, backup_path FROM __migration_rollbacks__")
        #expect(history.map { $0.map { $0.text ?? "NULL" } } == [["0003_nick", "wrong column", "low", "NULL"]])
    }

    @Test(arguments: Backend.all)
    func lostRowsRefuseWithoutForceAndBackUpWithIt(_ backend: Backend) throws {
        let p = try applied(backend, orderRows: 3)
        let refused = try p.run("rollback", "--target", "0001_users")
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("drops table orders (3 rows) (line 14)"), "\(refused.stdout)")
        #expect(refused.stderr.contains("rollback refused: risk high"), "\(refused.stderr)")
        #expect(try rows(p) == ["0001_users", "0002_orders", "0003_nick"])

        let noBackup = try p.run("rollback", "--target", "0001_users", "--no-backup")
        #expect(try noBackup.status == 1 && rows(p).count == 3)

        let forced = try p.run("rollback", "--target", "0001_users", "--force")
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(try rows(p) == ["0001_users"])
        let backupLine = try #require(forced.stdout.split(separator: "\n").first { $0.hasPrefix("backup: backups/backup_") })
        let backupPath = String(backupLine.dropFirst("backup: ".count))
        #expect(FileManager.default.fileExists(atPath: p.project.root.appendingPathComponent(backupPath).path))
        let history = try p.connect().query("SELECT migration_id, risk, backup_path FROM __migration_rollbacks__ ORDER BY rollback_id")
        #expect(history.map { $0.map { $0.text ?? "NULL" } } == [["0003_nick", "low", backupPath], ["0002_orders", "high", backupPath]])
        // The backup holds the rows the rollback dropped.
        let restored = try p.run("backup", "--restore", backupPath)
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(try p.connect().query("SELECT count(*) FROM orders").first?.first?.integer == 3)
        #expect(try rows(p) == ["0001_users", "0002_orders", "0003_nick"])
    }

    @Test func blockedNeedsForceAndDependentsAreNamed() throws {
        let p = try applied(.sqlite, thirdSafe: false)
        let blocked = try p.run("rollback")
        #expect(blocked.status == 1)
        #expect(blocked.stdout.contains("0003_nick  blocked  the file says @rollbackSafe: false"), "\(blocked.stdout)")
        #expect(blocked.stderr.contains("rollback refused: risk blocked (0003_nick: the file says @rollbackSafe: false)"), "\(blocked.stderr)")
        let forced = try p.run("rollback", "--force")
        #expect(try forced.status == 0 && rows(p) == ["0001_users", "0002_orders"])
        let forcedRow = try p.connect().query("SELECT forced FROM __migration_rollbacks__").first?.first?.integer
        #expect(forcedRow == 1)
    }

    @Test func dryRunPrintsTheSQLAndChangesNothing() throws {
        let p = try applied(.sqlite)
        let dry = try p.run("rollback", "--steps", "2", "--dry-run")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("-- 0002_orders: DOWN, in a transaction\nDROP INDEX idx_orders_user;\nDROP TABLE orders;"), "\(dry.stdout)")
        #expect(dry.stdout.contains("dry run: nothing rolled back"))
        #expect(try rows(p).count == 3)
    }

    @Test func jsonDescribesThePlanAndTheOutcome() throws {
        let p = try applied(.sqlite, orderRows: 2)
        let outcome = try p.run("rollback", "--steps", "2", "--force", "--no-backup", "--json")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["risk"] as? String == "high" && object["outcome"] as? String == "rolled-back")
        let migrations = try #require(object["migrations"] as? [[String: Any]])
        #expect(migrations.map { $0["id"] as? String } == ["0003_nick", "0002_orders"])
        let items = try #require(migrations[1]["items"] as? [[String: Any]])
        #expect(items.first { $0["kind"] as? String == "table-dropped" }?["rows"] as? Int == 2)
        #expect(object["backup_path"] is NSNull)
    }

    @Test func usageAndRefusals() throws {
        let p = try applied(.sqlite)
        #expect(try p.run("rollback", "--steps", "1", "--target", "0001_users").status == 64)
        #expect(try p.run("rollback", "--steps", "0").status == 64)
        let unknown = try p.run("rollback", "--target", "0009_nope")
        #expect(unknown.status == 1 && unknown.stderr.contains("'0009_nope' is not a migration"), "\(unknown.stderr)")
    }

    /// `strata args` on a pseudo-terminal, answering `answer` to its question; the output and
    /// exit status.
    func onTerminal(_ p: ApplyProject, _ args: [String], answer: String) throws -> (output: String, status: Int32) {
        var master: Int32 = 0, slave: Int32 = 0
        try #require(openpty(&master, &slave, nil, nil, nil) == 0)
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = args + ["--database", p.url]
        process.currentDirectoryURL = p.project.root
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        process.standardInput = terminal
        process.standardOutput = terminal
        process.standardError = terminal
        try process.run()
        let reader = FileHandle(fileDescriptor: master, closeOnDealloc: true)
        var output = Data()
        // Answer once the question is shown.
        while !String(decoding: output, as: UTF8.self).contains("[y/N]") {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            output += chunk
        }
        reader.write(Data((answer + "\n").utf8))
        process.waitUntilExit()
        try? terminal.close()
        return (String(decoding: output, as: UTF8.self), process.terminationStatus)
    }

    @Test func onATerminalHighRiskAsksFirst() throws {
        let p = try applied(.sqlite, orderRows: 1)
        let declined = try onTerminal(p, ["rollback", "--steps", "2", "--force", "--no-backup"], answer: "n")
        #expect(declined.output.contains("Roll back 2 migrations at risk high? [y/N]"), "\(declined.output)")
        #expect(declined.status == 1)
        #expect(try rows(p).count == 3)
        let accepted = try onTerminal(p, ["rollback", "--steps", "2", "--force", "--no-backup"], answer: "y")
        #expect(accepted.status == 0, "\(accepted.output)")
        #expect(try rows(p) == ["0001_users"])
    }
}
