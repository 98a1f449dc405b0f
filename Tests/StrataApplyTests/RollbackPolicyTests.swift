@testable import StrataApply
import StrataCore
import Testing

/// `RollbackPolicy`: which rollbacks run, with a backup or not, after a question or not, and
/// which are refused with what message, decided without a process or a terminal.
@Suite("rollback policy")
struct RollbackPolicyTests {
    /// A tracking row as the applier writes it (the plan's steps carry one each).
    static let appliedRow: LedgerEntry = {
        let scratch = try! ScratchDatabase(.sqlite)
        let applier = try! scratch.applier([migration("0001", up: "CREATE TABLE t (id INTEGER);")])
        _ = try! applier.up(try! applier.plan().get())
        return try! applier.appliedRows()[0]
    }()

    static func step(_ id: String, _ levels: [RollbackRisk.Level]) -> RollbackStep {
        var applied = appliedRow
        applied.id = id
        let items = levels.map { RollbackRisk.Item(kind: .rowsDeleted, level: $0, detail: "\($0) item of \(id)") }
        return RollbackStep(id: id, path: "migrations/\(id).sql", applied: applied, down: [], nonTransactionalReason: nil,
                            risk: RollbackRisk(items: items))
    }

    static func plan(_ levels: [RollbackRisk.Level]...) -> RollbackPlan {
        RollbackPlan(steps: levels.enumerated().map { step("000\($0.offset + 1)", $0.element) })
    }

    @Test func aLowRiskPlanRunsWithoutBackupOrQuestion() {
        let decision = RollbackPolicy(canAsk: true).decide(Self.plan([.low], [.medium]))
        #expect(decision == .run(takeBackup: false, forced: false, question: nil))
    }

    @Test func aHighRiskPlanIsRefusedWithoutForce() {
        let decision = RollbackPolicy(yes: true).decide(Self.plan([.low], [.high]))
        guard case .refuse(let message, let reason) = decision else { Issue.record("\(decision)"); return }
        #expect(message.contains("risk high (rows or values would be lost)"), "\(message)")
        #expect(message.contains("Pass --force"))
        #expect(reason == nil)
    }

    @Test func aBlockedPlanNamesEachBlockingItem() {
        let decision = RollbackPolicy().decide(Self.plan([.blocked], [.high, .blocked]))
        guard case .refuse(let message, _) = decision else { Issue.record("\(decision)"); return }
        #expect(message.contains("0001: blocked item of 0001; 0002: blocked item of 0002"), "\(message)")
    }

    /// With --force a plan that loses rows runs, backed up unless --no-backup, recorded forced;
    /// at a terminal it still asks unless --yes.
    @Test func forceRunsAHighRiskPlanWithABackupAndAQuestion() {
        let plan = Self.plan([.high])
        #expect(RollbackPolicy(force: true, canAsk: true).decide(plan)
                == .run(takeBackup: true, forced: true, question: "Roll back 1 migration at risk high? [y/N] "))
        #expect(RollbackPolicy(force: true, yes: true, canAsk: true).decide(plan) == .run(takeBackup: true, forced: true, question: nil))
        #expect(RollbackPolicy(force: true, canAsk: false).decide(plan) == .run(takeBackup: true, forced: true, question: nil))
        #expect(RollbackPolicy(force: true, backup: false).decide(plan) == .run(takeBackup: false, forced: true, question: nil))
    }

    @Test func noBackupOnARollbackThatLosesRowsNeedsForce() {
        // A blocked step makes the plan blocked; a high item alone is what loses rows.
        let decision = RollbackPolicy(backup: false).decide(Self.plan([.medium]))
        #expect(decision == .run(takeBackup: false, forced: false, question: nil))
        let plan = Self.plan([.high])
        guard case .refuse = RollbackPolicy(backup: false).decide(plan) else { Issue.record("refused for its risk first"); return }
        #expect(RollbackPolicy(backup: true).decide(Self.plan([.low])) == .run(takeBackup: true, forced: false, question: nil))
    }

    @Test func aPlanThePlannerRefusedIsRefusedWhateverTheFlags() {
        var plan = Self.plan()
        plan.refusal = "nothing is applied: nothing to roll back"
        let everything = RollbackPolicy(force: true, backup: true, yes: true, canAsk: true)
        #expect(everything.decide(plan) == .refuse(message: "rollback refused: nothing is applied: nothing to roll back",
                                                  reason: "nothing is applied: nothing to roll back"))
        #expect(RollbackPolicy.refusal(of: plan) == everything.decide(plan))
        var stopped = Self.plan()
        stopped.stoppedAt = CatalogEntry.Stop(id: "0003_go", path: "migrations/0003_go.go", reason: "a Go migration")
        #expect(everything.decide(stopped) == .refuse(message: "rollback stopped at 0003_go, nothing rolled back: a Go migration",
                                                     reason: "a Go migration"))
        #expect(RollbackPolicy.refusal(of: Self.plan([.high])) == nil)
    }

    @Test func onlyYesConfirms() {
        for answer in ["y", "Y", "yes", "YES"] { #expect(Confirmation.isYes(answer)) }
        for answer in [nil, "", "n", "no", "yess", " y"] as [String?] { #expect(!Confirmation.isYes(answer), "\(answer ?? "nil")") }
    }
}
