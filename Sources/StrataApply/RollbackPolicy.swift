/// Whether a rollback plan may run as the user asked, and how: the refusals, the backup and the
/// confirmation question, decided before anything runs. `strata rollback` only prints what this
/// decides and asks the question when it is told to.
public struct RollbackPolicy: Sendable, Equatable {
    /// `--force`: run a plan at high or blocked risk, and without a backup when it loses rows.
    public var force = false
    /// `--backup` (true), `--no-backup` (false), or neither (nil: a backup when rows are lost).
    public var backup: Bool? = nil
    /// `--yes`: no question at a terminal.
    public var yes = false
    /// A person can answer a question (a terminal, and not `--format json`).
    public var canAsk = false

    public init(force: Bool = false, backup: Bool? = nil, yes: Bool = false, canAsk: Bool = false) {
        self.force = force
        self.backup = backup
        self.yes = yes
        self.canAsk = canAsk
    }

    public enum Decision: Sendable, Equatable {
        /// Nothing runs. `message` is what the user reads; `reason` is the planner's own
        /// reason, which `--format json` carries when there is one.
        case refuse(message: String, reason: String?)
        /// Run it: take a backup first or not, record the run as forced (a high-risk plan run
        /// with `--force`), and ask `question` first when there is one (no answer: cancelled).
        case run(takeBackup: Bool, forced: Bool, question: String?)
    }

    /// Why a plan cannot run at all, whatever the flags say: the planner could not make it, or
    /// it stops before its first step. Known before its risk is measured.
    public static func refusal(of plan: RollbackPlan) -> Decision? {
        if let refusal = plan.refusal {
            return .refuse(message: "rollback refused: \(refusal)", reason: refusal)
        }
        if plan.steps.isEmpty, let stop = plan.stoppedAt {
            return .refuse(message: "rollback stopped at \(stop.id), nothing rolled back: \(stop.reason)", reason: stop.reason)
        }
        return nil
    }

    /// The decision for a plan whose risk `RollbackPlanner.assess` has measured.
    public func decide(_ plan: RollbackPlan) -> Decision {
        if let refusal = Self.refusal(of: plan) { return refusal }
        let level = plan.level
        if level >= .high, !force {
            let why = level == .blocked
                ? plan.steps.flatMap { step in step.risk.items.filter { $0.level == .blocked }.map { "\(step.id): \($0.detail)" } }
                : ["rows or values would be lost"]
            return .refuse(message: "rollback refused: risk \(level) (\(why.joined(separator: "; "))); nothing rolled back. Pass --force to run it anyway",
                           reason: nil)
        }
        let losesRows = plan.steps.contains { $0.risk.items.contains { $0.level == .high } }
        if backup == false, losesRows, !force {
            return .refuse(message: "rollback refused: --no-backup on a rollback that loses rows needs --force; nothing rolled back", reason: nil)
        }
        let count = plan.steps.count
        let question = level >= .high && !yes && canAsk
            ? "Roll back \(count) migration\(count == 1 ? "" : "s") at risk \(level)? [y/N] " : nil
        return .run(takeBackup: backup == true || (backup == nil && losesRows), forced: force && level >= .high, question: question)
    }

    /// What the user reads when the question was not answered yes.
    public static let cancelled = "rollback cancelled; nothing rolled back"
}

/// The answer to a question that changes the database (`strata rollback`, `strata optimize`).
public enum Confirmation {
    /// Whether an answer says yes: `y` or `yes`, any case; anything else, or no answer, is no.
    public static func isYes(_ answer: String?) -> Bool {
        guard let answer else { return false }
        return ["y", "yes"].contains(answer.lowercased())
    }
}
