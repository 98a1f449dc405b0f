import Foundation
import StrataApply
import StrataCore
import Testing

/// `Applier.rollback` against real databases: DOWN sections run with their tracking changes,
/// history rows, failures that keep everything applied.
@Suite("Rollback against real databases")
struct RollbackTests {
    let inputs = [
        migration("0001_users", up: "CREATE TABLE users (id INT PRIMARY KEY, name TEXT);", down: "DROP TABLE users;"),
        migration("0002_orders", up: "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT);\nCREATE INDEX idx_orders_user ON orders (user_id);",
                  down: "DROP INDEX idx_orders_user;\nDROP TABLE orders;"),
        migration("0003_note", up: "ALTER TABLE users ADD COLUMN note TEXT;", down: "ALTER TABLE users DROP COLUMN note;"),
    ]

    /// Every migration applied, and a plan for `selection` assessed on the database.
    func appliedAndPlanned(_ scratch: ScratchDatabase, _ inputs: [MigrationInput],
                           _ selection: RollbackSelection) throws -> (Applier, RollbackPlan) {
        let applier = try scratch.applier(inputs)
        _ = try applier.up(try #require(try applier.plan().success))
        let files = Dictionary(uniqueKeysWithValues: inputs.map { ($0.id, LayoutKind.strata.layout.parse($0, dialect: applier.database.dialect, depth: .full)) })
        var plan = RollbackPlanner.plan(selection, applied: try applier.appliedRows(), files: files,
                                        catalogOrder: applier.catalog.entries.map(\.id))
        RollbackPlanner.assess(&plan, files: files, database: applier.database)
        return (applier, plan)
    }

    @Test(arguments: Backend.all)
    func stepsUndoTheLastAndRecordTheHistory(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let (applier, plan) = try appliedAndPlanned(scratch, inputs, .steps(2))
        try applier.database.execute("INSERT INTO users (id, name, note) VALUES (1, 'a', 'kept?'), (2, 'b', NULL)")
        #expect(plan.steps.map(\.id) == ["0003_note", "0002_orders"])
        let report = try applier.rollback(plan, reason: "bad deploy", forced: false, backupPath: nil)
        #expect(report.undone.map(\.id) == ["0003_note", "0002_orders"])
        #expect(try scratch.rows(on: applier.database) == [["0001_users", "applied"]])
        #expect(try !scratch.tableExists("orders", on: applier.database))
        #expect(try applier.database.query("SELECT count(*) FROM users").first?.first?.integer == 2)
        let history = try applier.rollbackHistory()
        #expect(history.map(\.migrationID) == ["0003_note", "0002_orders"])
        #expect(history.allSatisfy { $0.reason == "bad deploy" && !$0.forced && $0.rolledBackBy == Ledger.actor && $0.rolledBackAt.hasSuffix("Z") })
        #expect(history[1].risk == "low")
        // Applied again, as if never rolled back.
        let again = try scratch.applier(inputs)
        #expect(try again.plan().success?.map(\.id) == ["0002_orders", "0003_note"])
    }

    @Test(arguments: Backend.all)
    func targetKeepsItAndTheRiskCountsRealRows(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let applier = try scratch.applier(inputs)
        _ = try applier.up(try #require(try applier.plan().success))
        try applier.database.execute("INSERT INTO users (id, name, note) VALUES (1, 'a', 'x'), (2, 'b', NULL), (3, 'c', 'z'); INSERT INTO orders VALUES (1, 1)")
        let files = Dictionary(uniqueKeysWithValues: inputs.map { ($0.id, LayoutKind.strata.layout.parse($0, dialect: backend == .sqlite ? .sqlite : .postgresql, depth: .full)) })
        var plan = RollbackPlanner.plan(.target("0001_users"), applied: try applier.appliedRows(), files: files,
                                        catalogOrder: applier.catalog.entries.map(\.id))
        RollbackPlanner.assess(&plan, files: files, database: applier.database)
        #expect(plan.steps.map(\.id) == ["0003_note", "0002_orders"])
        #expect(plan.steps[0].risk.items.map(\.rows) == [2], "two non-NULL notes")
        #expect(plan.steps[1].risk.items.compactMap(\.rows) == [1], "one order")
        #expect(plan.level == .high)
        _ = try applier.rollback(plan, reason: nil, forced: true, backupPath: "backups/x.db")
        #expect(try scratch.rows(on: applier.database) == [["0001_users", "applied"]])
        let history = try applier.rollbackHistory()
        #expect(history.map(\.risk) == ["high", "high"] && history.allSatisfy { $0.forced && $0.backupPath == "backups/x.db" })
    }

    @Test(arguments: Backend.all)
    func aFailingDownLeavesEverythingApplied(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let broken = inputs.prefix(2) + [migration("0003_note", up: "ALTER TABLE users ADD COLUMN note TEXT;",
                                                    down: "ALTER TABLE users DROP COLUMN note;\nDROP TABLE no_such_table;")]
        let (applier, plan) = try appliedAndPlanned(scratch, Array(broken), .steps(2))
        let error = #expect(throws: ApplyError.self) { try applier.rollback(plan, reason: nil, forced: false, backupPath: nil) }
        #expect(error?.message.hasPrefix("migrations/0003_note.sql:8:1: rolling back 0003_note failed") == true, "\(error?.message ?? "")")
        #expect(try scratch.rows(on: applier.database).map { $0[0] } == ["0001_users", "0002_orders", "0003_note"])
        #expect(try applier.rollbackHistory().isEmpty)
        // The column is still there: the DROP COLUMN was rolled back with the rest.
        try applier.database.execute("INSERT INTO users (id, note) VALUES (9, 'still here')")
    }

    @Test(arguments: Backend.all)
    func aDownOutsideATransactionThatFailsLeavesAFailedRow(_ backend: Backend) throws {
        let scratch = try ScratchDatabase(backend)
        let files = inputs.prefix(1) + [migration("0002_nt", header: "-- @transaction: false", up: "CREATE TABLE t (x INT);\nCREATE TABLE u (x INT);",
                                                   down: "DROP TABLE u;\nDROP TABLE nowhere;\nDROP TABLE t;")]
        let (applier, plan) = try appliedAndPlanned(scratch, Array(files), .steps(1))
        #expect(plan.steps[0].nonTransactionalReason == "@transaction: false")
        #expect(throws: ApplyError.self) { try applier.rollback(plan, reason: nil, forced: false, backupPath: nil) }
        #expect(try scratch.rows(on: applier.database) == [["0001_users", "applied"], ["0002_nt", "failed"]])
        #expect(try !scratch.tableExists("u", on: applier.database) && scratch.tableExists("t", on: applier.database))
        let row = try applier.appliedRows().first { $0.id == "0002_nt" }
        #expect(row?.failedStatement == "DROP TABLE nowhere")
        #expect(row?.error?.hasPrefix("rollback failed midway: ") == true)
        // The plan now refuses: the row is neither applied nor undone.
        let again = RollbackPlanner.plan(.steps(1), applied: try applier.appliedRows(), files: [:], catalogOrder: [])
        #expect(again.refusal?.contains("strata repair 0002_nt") == true)
    }
}
