import Foundation
import StrataCore

/// What `strata rollback` asks for.
public struct RollbackRequest: Sendable {
    public var selection: RollbackSelection
    public var policy: RollbackPolicy
    /// `--reason`, recorded with each rolled-back migration.
    public var reason: String?
    /// `--dry-run`: plan and measure the risk, run nothing.
    public var dryRun = false
    /// The database, and where a backup of it goes when the policy takes one.
    public var url: DatabaseURL
    public var backups: BackupStore

    public init(selection: RollbackSelection, policy: RollbackPolicy, url: DatabaseURL, backups: BackupStore) {
        self.selection = selection
        self.policy = policy
        self.url = url
        self.backups = backups
    }
}

/// Where a rollback tells its caller what happens while it runs.
public struct RollbackHooks {
    /// The plan, its risk measured on the database, before anything runs (a plan refused
    /// before that is not shown).
    public var assessed: (RollbackPlan) -> Void = { _ in }
    /// The policy's question; true runs the rollback. Asked only when the policy asks.
    public var confirm: (String) -> Bool = { _ in false }
    /// A backup was taken (under the migration lock, before the first DOWN), in so many
    /// milliseconds; returns its path as the tracking tables record it.
    public var backupTaken: (BackupRecord, Int64) -> String = { record, _ in record.path }

    public init() {}
}

/// How a rollback ended. Every case but `rolledBack` changed nothing.
public enum RollbackOutcome {
    /// Refused: the planner could not make the plan, it stops before its first step, or the
    /// policy refuses its risk. `reason` is the planner's own, for `--format json`.
    case refused(RollbackPlan, message: String, reason: String?)
    /// The question was not answered yes.
    case cancelled(RollbackPlan)
    /// `--dry-run`.
    case dryRun(RollbackPlan)
    /// Run: what was undone, the backup's recorded path when one was taken, the time taken
    /// (backup included). A plan with `stoppedAt` undid the steps before that migration.
    case rolledBack(RollbackPlan, RollbackReport, backupPath: String?, milliseconds: Int64)
}

extension Applier {
    /// `strata rollback` from selection to outcome: the plan over the tracking rows and the
    /// files, the refusals known before its risk is measured, the risk measured on the
    /// database, the policy's decision and question, the backup under the lock, the run.
    public func rollback(_ request: RollbackRequest, files: [String: MigrationFile],
                         hooks: RollbackHooks = RollbackHooks()) throws(ApplyError) -> RollbackOutcome {
        var plan = RollbackPlanner.plan(request.selection, applied: try appliedRows(), files: files,
                                        catalogOrder: catalog.entries.map(\.id))
        if case .refuse(let message, let reason)? = RollbackPolicy.refusal(of: plan) {
            return .refused(plan, message: message, reason: reason)
        }
        RollbackPlanner.assess(&plan, files: files, database: database)
        hooks.assessed(plan)
        if request.dryRun { return .dryRun(plan) }
        let takesBackup: Bool, forced: Bool
        switch request.policy.decide(plan) {
        case .refuse(let message, let reason):
            return .refused(plan, message: message, reason: reason)
        case .run(let backup, let isForced, let question):
            if let question, !hooks.confirm(question) { return .cancelled(plan) }
            takesBackup = backup
            forced = isForced
        }
        var backupPath: String? = nil
        let takeBackup: (() throws(ApplyError) -> String)? = takesBackup ? { () throws(ApplyError) in
            let started = ContinuousClock.now
            let record = try request.backups.create(url: request.url)
            let path = hooks.backupTaken(record, Self.milliseconds(ContinuousClock.now - started))
            backupPath = path
            return path
        } : nil
        let started = ContinuousClock.now
        let report = try rollback(plan, reason: request.reason, forced: forced, takeBackup: takeBackup)
        return .rolledBack(plan, report, backupPath: backupPath, milliseconds: Self.milliseconds(ContinuousClock.now - started))
    }
}
