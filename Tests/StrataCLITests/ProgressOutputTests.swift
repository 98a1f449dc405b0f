import Foundation
import StrataApply
import Testing

/// Progress reaches a pipe when it happens (`strata up | ts` in a CI log), not when the run
/// ends. A migration that never ends follows a fast one: its line must come through the pipe
/// while the process is still running (with stdio's full buffering of a pipe it would never
/// come, the process being killed). Commands whose work cannot be made to hang are checked
/// with standard error in the same pipe: their lines must come before the error that follows
/// them (buffered, they would come after it, when the process exits).
@Suite("Adversarial: progress through a pipe")
struct ProgressOutputTests {
    /// A statement that runs until the process is killed.
    static func endless(_ backend: Backend) -> String {
        switch backend {
        case .postgres: "SELECT pg_sleep(600);"
        case .sqlite: "SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c);"
        }
    }

    func start(_ p: ApplyProject, _ args: String...) throws -> PipedCLI {
        // TMPDIR: anything a killed run leaves in the temporary folder goes with the project.
        try PipedCLI(args + ["--database", p.url], in: p.project.root, environment: ["TMPDIR": p.project.root.path])
    }

    @Test(arguments: Backend.all)
    func upWritesEachMigrationsLineWhenItEnds(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_fast.sql", Fixtures.migration(up: "CREATE TABLE fast (x INT);", down: "DROP TABLE fast;"))
        try p.write("migrations/0002_endless.sql", Fixtures.migration(up: Self.endless(backend), down: "SELECT 1;"))
        let run = try start(p, "up")
        let line = run.waitFor("[1/2] 0001_fast ... ok ")
        #expect(line.arrived && line.whileRunning, "\(run.output)")
        #expect(run.output.hasPrefix("database: "), "\(run.output)")
        run.send(SIGKILL)
        run.waitForExit()
    }

    @Test func deployWritesEachMigrationsLineWhenItEnds() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_fast.sql", Fixtures.migration(up: "CREATE TABLE fast (x INT);", down: "DROP TABLE fast;"))
        try p.write("migrations/0002_endless.sql", Fixtures.migration(up: Self.endless(.sqlite), down: "SELECT 1;"))
        let run = try start(p, "deploy")
        let line = run.waitFor("[1/2] 0001_fast ... ok ")
        #expect(line.arrived && line.whileRunning, "\(run.output)")
        run.send(SIGKILL)
        run.waitForExit()
    }

    /// The plan and the first step's line come while the second step's DOWN runs.
    @Test(arguments: Backend.all)
    func rollbackWritesThePlanAndEachStepWhenItEnds(_ backend: Backend) throws {
        let p = try ApplyProject(backend)
        try p.write("migrations/0001_endless_down.sql", Fixtures.migration(up: "CREATE TABLE first (x INT);", down: Self.endless(backend)))
        try p.write("migrations/0002_fast.sql", Fixtures.migration(up: "CREATE TABLE fast (x INT);", down: "DROP TABLE fast;"))
        let up = try p.run("up")
        try #require(up.status == 0, "\(up.stdout)\(up.stderr)")
        let run = try start(p, "rollback", "--steps", "2")
        let line = run.waitFor("[1/2] 0002_fast ... rolled back ")
        #expect(line.arrived && line.whileRunning, "\(run.output)")
        #expect(run.output.hasPrefix("MIGRATION "), "\(run.output)")
        #expect(run.output.contains("2 migrations to roll back"), "\(run.output)")
        run.send(SIGKILL)
        run.waitForExit()
    }

    /// Each migration's findings come when it has been verified, while the next one runs.
    @Test func verifyWritesEachMigrationsFindingsWhenItIsVerified() throws {
        let p = try ApplyProject(.sqlite)
        try p.write("migrations/0001_tasks.sql", Fixtures.migration(up: "CREATE TABLE tasks (id INT PRIMARY KEY, title TEXT NOT NULL);",
                                                                    down: "DROP TABLE tasks;"))
        try p.write("migrations/0002_title_index.sql", Fixtures.migration(
            up: "CREATE INDEX idx_tasks_title ON tasks (title);", down: "SELECT 1;", dependencies: "[\"0001_tasks\"]"))
        try p.write("migrations/0003_endless.sql", Fixtures.migration(up: Self.endless(.sqlite), down: "SELECT 1;",
                                                                      dependencies: "[\"0002_title_index\"]"))
        let run = try start(p, "verify")
        let line = run.waitFor("error: DOWN leaves index idx_tasks_title on tasks that UP created [down-does-not-reverse-up]\n")
        #expect(line.arrived && line.whileRunning, "\(run.output)")
        run.send(SIGKILL)
        run.waitForExit()
    }

    // MARK: - Lines before the error that follows them, in one pipe

    /// Runs `strata args --database URL` with standard output and error in one pipe.
    func merged(_ p: ApplyProject, _ args: String...) throws -> (status: Int32?, text: String) {
        let run = try PipedCLI(args + ["--database", p.url], in: p.project.root, mergeStandardError: true)
        let status = run.exitCode
        return (status, run.output)
    }

    @Test func backupWritesItsDatabaseLineBeforeItsError() throws {
        let p = try ApplyProject(.sqlite)
        let run = try PipedCLI(["backup", "create", "--database", "sqlite::memory:"], in: p.project.root, mergeStandardError: true)
        #expect(run.exitCode == 2)
        #expect(run.output == """
            database: sqlite::memory:
            strata: error: an in-memory SQLite database (sqlite::memory:) cannot be backed up

            """, "\(run.output)")
    }

    @Test func baselineWritesWhatItFoundBeforeItsRefusal() throws {
        let p = try ApplyProject(.sqlite)
        try BaselineCommandTests.writeDbmate(p)
        let connection = try p.connect()
        try connection.execute("create table if not exists schema_migrations (version varchar(128) primary key)")
        try connection.execute("INSERT INTO schema_migrations (version) VALUES ('20240101000000'), ('20230101000000')")
        let (status, text) = try merged(p, "baseline", "--from", "dbmate")
        #expect(status == 1)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("database: sqlite:") == true, "\(text)")
        #expect(lines.dropFirst().first == "baseline from dbmate (schema_migrations):", "\(text)")
        #expect(lines.last?.hasPrefix("strata: error: ") == true && lines.last?.contains("20230101000000") == true, "\(text)")
    }

    @Test func optimizeWritesItsPlanBeforeItsRefusal() throws {
        let p = try OptimizeCommandTests().applied(.sqlite)
        let (status, text) = try merged(p, "optimize")
        #expect(status == 1)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("database: sqlite:") == true, "\(text)")
        #expect(lines.count > 2, "\(text)")
        #expect(lines.last?.hasPrefix("strata: error: optimize refused: applying the plan changes the database, and there is no terminal") == true, "\(text)")
        #expect(lines.dropLast().allSatisfy { !$0.hasPrefix("strata:") }, "\(text)")
    }
}
