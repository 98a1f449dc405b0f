import Foundation
import StrataApply
import Testing

@Suite("strata up: --wait, --verbose, deploy with git history")
struct ApplyOptionsTests {
    @Test func waitAloneMeansSixtySecondsAndWaitWithSecondsGivesUp() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (id INT PRIMARY KEY);", down: "DROP TABLE a;"))
        // Bare --wait before another option is accepted (it takes its default).
        let bare = try CLI.run(["status", "--wait", "--database", "sqlite:./data/x.db"], in: p.root)
        #expect(bare.status == 0, "\(bare.stderr)")
        // Nothing listens on port 1: --wait=1 retries for a second, then reports the failure.
        let started = Date()
        let refused = try CLI.run(["status", "--wait=1", "--database", "postgresql://u:pw-9f3k@127.0.0.1:1/db"], in: p.root)
        #expect(refused.status == 2)
        #expect(Date().timeIntervalSince(started) >= 0.9)
        #expect(refused.stderr.contains("cannot connect to postgresql://u:***@127.0.0.1:1/db"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("pw-9f3k"))
        #expect(try CLI.run(["status", "--wait=-1"], in: p.root).status == 64)
    }

    @Test func verbosePrintsTheStatements() throws {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Fixtures.migration(up: "CREATE TABLE a (id INT PRIMARY KEY);", down: "DROP TABLE a;"))
        try p.write("migrations/0002_b.sql", Fixtures.migration(up: "CREATE TABLE b (id INT PRIMARY KEY);", down: "DROP TABLE b;"))
        let outcome = try CLI.run(["up", "--verbose", "--database", "sqlite:./data/app.db"], in: p.root)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        // Each statement is printed as its migration runs, not all of them up front.
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        let order = ["  0001_a:9: CREATE TABLE a (id INT PRIMARY KEY)", "[1/2] 0001_a ... ok",
                     "  0002_b:9: CREATE TABLE b (id INT PRIMARY KEY)", "[2/2] 0002_b ... ok"]
        let positions = order.map { wanted in lines.firstIndex { $0.hasPrefix(wanted) } }
        #expect(positions.allSatisfy { $0 != nil } && positions.map { $0 ?? -1 } == positions.map { $0 ?? -1 }.sorted(), "\(outcome.stdout)")
    }

    @Test func deployRefusesAnEditedAppliedMigrationInARepository() throws {
        let repo = try GitFixture.withAppliedMigrations()
        let database = "sqlite:./data/app.db"
        let first = try repo.strata("deploy", "--database", database)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        try repo.edit("migrations/0001_users.sql", replacing: "PRIMARY KEY", with: "PRIMARY KEY NOT NULL")
        let refused = try repo.strata("deploy", "--database", database)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("[edited-applied-migration]"), "\(refused.stdout)")
        #expect(refused.stderr.contains("deploy refused: the checks found errors; nothing applied"))
    }
}
