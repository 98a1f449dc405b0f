import Foundation
import StrataApply
import StrataCore
import StrataProject
import Testing

/// `OptimizeMigrationFile`: `strata optimize`'s plan, made on a real SQLite database, written
/// as the project's next migration only when it lints clean with the project's rules; from
/// the library, with a working directory that is not the process's.
@Suite("optimize: the migration file it writes")
struct OptimizeMigrationFileTests {
    static func schema(_ table: String, _ column: String) -> String {
        """
        -- @name: Init
        -- UP MIGRATION
        CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE \(table) (id INTEGER PRIMARY KEY, \(column) INTEGER REFERENCES projects (id), title TEXT);
        CREATE INDEX idx_title ON \(table) (title);

        -- DOWN MIGRATION
        DROP TABLE \(table);
        DROP TABLE projects;

        """
    }

    /// A project whose one migration is applied; its plan (an index for the foreign key).
    static func analysed(table: String = "tasks", column: String = "project_id") throws -> (TempRepository, Project, ApplySession, OptimizePlan) {
        let root = try TempRepository(branch: nil)
        try root.write("strata.yml", "migrations: db\ndialect: sqlite\n")
        try root.write("db/0001_init.sql", schema(table, column))
        let project = try Project(workingDirectory: root.path, environment: [:])
        var request = ApplySession.Request(folder: project.configuration.migrationsDirectory, layout: project.layout,
                                           url: try DatabaseURL("sqlite:" + root.path + "/app.db"), command: "test")
        request.readOnly = false
        let session = try ApplySession(request)
        _ = try session.applier.up(UpRequest())
        let report = try session.applier.optimizeReport(files: session.filesByID, options: OptimizeOptions())
        let plan = OptimizePlan(report, includeDrops: false)
        try #require(!plan.isEmpty, "\(report.text())")
        return (root, project, session, plan)
    }

    @Test func aCleanPlanIsWrittenAsTheNextMigrationAndApplied() throws {
        let (root, project, session, plan) = try Self.analysed()
        let outcome = try OptimizeMigrationFile.write(plan, project: project, dialect: .sqlite, existing: session.files)
        guard case .written(let written, let findings) = outcome else { Issue.record("\(outcome)"); return }
        #expect(findings.allSatisfy { $0.severity != .error })
        #expect(written.file.id.hasPrefix("0002_"), "\(written.file.id)")
        #expect(written.file.path.hasPrefix("db/0002_"), "shown relative to the project: \(written.file.path)")
        #expect(written.created == [root.path + "/" + written.file.path])
        let text = try String(contentsOfFile: written.created[0], encoding: .utf8)
        #expect(text.contains("CREATE INDEX idx_tasks_project_id ON tasks (project_id);"), "\(text)")
        let applied = try session.applier.applyWrittenOptimization(written.file, input: written.input, written: written.created)
        #expect(applied.applied.map(\.id) == [written.file.id])
    }

    /// A plan whose new file would have an error-level finding (here, the index it names for a
    /// long table and column is longer than PostgreSQL keeps) is not written, and the findings
    /// say why.
    @Test func aPlanThatWouldNotLintCleanIsNotWritten() throws {
        let (root, project, session, plan) = try Self.analysed(
            table: "customer_subscription_billing_events_archive", column: "billing_account_reference_id")
        let before = try FileManager.default.contentsOfDirectory(atPath: root.path + "/db").sorted()
        let outcome = try OptimizeMigrationFile.write(plan, project: project, dialect: .postgresql, existing: session.files)
        guard case .notClean(let findings) = outcome else { Issue.record("\(outcome)"); return }
        #expect(findings.contains { $0.severity == .error && $0.rule == "identifier-too-long" && $0.file.hasPrefix("db/0002_") }, "\(findings)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path + "/db").sorted() == before)
    }
}
