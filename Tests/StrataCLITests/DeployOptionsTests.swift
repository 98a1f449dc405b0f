import Foundation
import Testing

@Suite("strata deploy: warnings, --fail-on, --max-warnings")
struct DeployOptionsTests {
    /// A project whose only migration draws a warning (a foreign key column no index covers).
    func projectWithAWarning() throws -> Project {
        let p = try Project()
        try p.write("migrations/0001_a.sql", Fixtures.migration(
            up: "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (id INT PRIMARY KEY, a_id INT REFERENCES a (id));",
            down: "DROP TABLE b;\nDROP TABLE a;"))
        return p
    }

    @Test func warningsArePrintedAndTheDeployGoesOn() throws {
        let p = try projectWithAWarning()
        let outcome = try CLI.run(["deploy", "--database", "sqlite:./data/app.db"], in: p.root)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("[unindexed-column]"), "\(outcome.stderr)")
        #expect(outcome.stdout.contains("[1/1] 0001_a ... ok"), "\(outcome.stdout)")
    }

    @Test(arguments: [["--fail-on", "warning"], ["--max-warnings", "0"]])
    func warningsRefuseTheDeployWhenAsked(_ flags: [String]) throws {
        let p = try projectWithAWarning()
        let outcome = try CLI.run(["deploy", "--database", "sqlite:./data/app.db"] + flags, in: p.root)
        #expect(outcome.status == 1, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("[unindexed-column]"), "\(outcome.stdout)")
        #expect(outcome.stderr.contains("deploy refused:") && outcome.stderr.contains("nothing applied"), "\(outcome.stderr)")
        let status = try CLI.run(["status", "--database", "sqlite:./data/app.db"], in: p.root)
        #expect(status.stdout.contains("pending"), "\(status.stdout)")
        #expect(try CLI.run(["deploy", "--max-warnings", "-1"], in: p.root).status == 64)
    }
}
