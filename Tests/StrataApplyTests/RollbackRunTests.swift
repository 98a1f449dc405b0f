import Foundation
import StrataApply
import StrataCore
import Testing

/// `Applier.rollback(_:files:hooks:)`, what `strata rollback` calls: planning, refusals,
/// the risk, the question, the backup and the run, on real databases, without a process.
@Suite("rollback from request to outcome")
struct RollbackRunTests {
    let inputs = [
        migration("0001_users", up: "CREATE TABLE users (id INT PRIMARY KEY, name TEXT);", down: "DROP TABLE users;"),
        migration("0002_note", up: "ALTER TABLE users ADD COLUMN note TEXT;", down: "ALTER TABLE users DROP COLUMN note;"),
    ]

    /// Both migrations applied, and a user whose note the second one's DOWN would lose.
    func applied(_ scratch: ScratchDatabase, rows: Bool = true) throws -> (Applier, [String: MigrationFile]) {
        let applier = try scratch.applier(inputs)
        _ = try applier.up(try #require(try applier.plan().success))
        if rows { try applier.database.execute("INSERT INTO users (id, name, note) VALUES (1, 'a', 'kept')") }
        let files = Dictionary(uniqueKeysWithValues: inputs.map {
            ($0.id, LayoutKind.strata.layout.parse($0, dialect: applier.database.dialect, depth: .full))
        })
        return (applier, files)
    }

    func request(_ scratch: ScratchDatabase, _ policy: RollbackPolicy, _ selection: RollbackSelection = .steps(1)) throws -> RollbackRequest {
        RollbackRequest(selection: selection, policy: policy, url: try DatabaseURL(scratch.url),
                        backups: BackupStore(directory: scratch.folder.path("backups")))
    }

    /// What the hooks saw.
    final class Seen {
        var assessed: [RollbackPlan] = []
        var questions: [String] = []
        var backups: [String] = []
    }

    func hooks(_ seen: Seen, answer: Bool) -> RollbackHooks {
        var hooks = RollbackHooks()
        hooks.assessed = { seen.assessed.append($0) }
        hooks.confirm = { seen.questions.append($0); return answer }
        hooks.backupTaken = { record, _ in
            seen.backups.append(record.path)
            return "shown/" + (record.path as NSString).lastPathComponent
        }
        return hooks
    }

    /// A plan the planner cannot make is refused before its risk is measured: nothing shown.
    @Test(arguments: Backend.all)
    func anUnknownTargetIsRefusedBeforeTheRiskIsMeasured(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let (applier, files) = try applied(scratch)
        let seen = Seen()
        let outcome = try applier.rollback(try request(scratch, RollbackPolicy(force: true), .target("0009_nope")), files: files,
                                           hooks: hooks(seen, answer: true))
        guard case .refused(_, let message, let reason) = outcome else { Issue.record("\(outcome)"); return }
        #expect(message.hasPrefix("rollback refused: "), "\(message)")
        #expect(reason != nil)
        #expect(seen.assessed.isEmpty && seen.questions.isEmpty && seen.backups.isEmpty)
        #expect(try scratch.rows(on: applier.database).count == 2)
    }

    /// Losing a value without --force: shown, refused, nothing changed.
    @Test(arguments: Backend.all)
    func aRollbackThatLosesValuesIsRefusedWithoutForce(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let (applier, files) = try applied(scratch)
        let seen = Seen()
        let outcome = try applier.rollback(try request(scratch, RollbackPolicy(canAsk: true)), files: files, hooks: hooks(seen, answer: true))
        guard case .refused(let plan, let message, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(plan.level == .high)
        #expect(message.contains("risk high") && message.contains("--force"), "\(message)")
        #expect(seen.assessed.map(\.level) == [.high] && seen.questions.isEmpty)
        #expect(try applier.database.query("SELECT note FROM users").first?.first?.text == "kept")
        #expect(try scratch.rows(on: applier.database).count == 2)
    }

    /// With --force at a terminal the question comes first; no yes, nothing runs, no backup.
    @Test(arguments: Backend.all)
    func noAnswerCancelsAndChangesNothing(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let (applier, files) = try applied(scratch)
        let seen = Seen()
        let outcome = try applier.rollback(try request(scratch, RollbackPolicy(force: true, canAsk: true)), files: files,
                                           hooks: hooks(seen, answer: false))
        guard case .cancelled = outcome else { Issue.record("\(outcome)"); return }
        #expect(seen.questions == ["Roll back 1 migration at risk high? [y/N] "])
        #expect(seen.backups.isEmpty)
        #expect(try scratch.rows(on: applier.database).count == 2)
        #expect(!FileManager.default.fileExists(atPath: scratch.folder.path("backups")))
    }

    /// Answered yes: a backup is taken before the DOWN, its path as the hook shows it is
    /// recorded, and the value is gone from the database (kept in the backup).
    @Test func aConfirmedRollbackThatLosesValuesTakesABackupFirst() throws {
        let scratch = try ScratchDatabase(.sqlite)
        let (applier, files) = try applied(scratch)
        let seen = Seen()
        var request = try request(scratch, RollbackPolicy(force: true, canAsk: true))
        request.reason = "wrong column"
        let outcome = try applier.rollback(request, files: files, hooks: hooks(seen, answer: true))
        guard case .rolledBack(_, let report, let backupPath, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(report.undone.map(\.id) == ["0002_note"])
        #expect(seen.backups.count == 1)
        let backup = try #require(seen.backups.first)
        #expect(FileManager.default.fileExists(atPath: backup))
        #expect(backupPath == "shown/" + (backup as NSString).lastPathComponent)
        let recorded = try #require(try applier.rollbackHistory().last)
        #expect(recorded.backupPath == backupPath && recorded.forced && recorded.reason == "wrong column" && recorded.risk == "high")
        #expect(try scratch.rows(on: applier.database) == [["0001_users", "applied"]])
        let copy = try DatabaseConnector.connect(DatabaseURL("sqlite:" + backup))
        #expect(try copy.query("SELECT note FROM users").first?.first?.text == "kept")
    }

    /// A low-risk rollback runs with no question and no backup; `--dry-run` of it changes nothing.
    @Test(arguments: Backend.all)
    func aLowRiskRollbackRunsWithoutQuestionOrBackupAndItsDryRunChangesNothing(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let (applier, files) = try applied(scratch, rows: false)
        let seen = Seen()
        var dryRun = try request(scratch, RollbackPolicy(canAsk: true))
        dryRun.dryRun = true
        guard case .dryRun(let plan) = try applier.rollback(dryRun, files: files, hooks: hooks(seen, answer: false)) else {
            Issue.record("not a dry run"); return
        }
        #expect(plan.steps.map(\.id) == ["0002_note"] && plan.level == .low)
        #expect(try scratch.rows(on: applier.database).count == 2)
        let outcome = try applier.rollback(try request(scratch, RollbackPolicy(canAsk: true)), files: files, hooks: hooks(seen, answer: false))
        guard case .rolledBack(_, let report, let backupPath, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(report.undone.map(\.id) == ["0002_note"] && backupPath == nil)
        #expect(seen.questions.isEmpty && seen.backups.isEmpty && seen.assessed.count == 2)
        #expect(try scratch.rows(on: applier.database) == [["0001_users", "applied"]])
    }
}
