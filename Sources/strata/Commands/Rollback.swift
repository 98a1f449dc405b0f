import ArgumentParser
import Foundation
import StrataApply
import StrataCore

struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Undo applied migrations by running their DOWN sections, after assessing what that destroys.",
        discussion: """
            Without options, rolls back the last applied migration; --steps N the last N, in \
            reverse apply order; --target ID everything applied after ID (ID stays applied). \
            Before anything runs, prints each migration's risk: low (no data touched), medium \
            (data changed, an edited file, statements Strata cannot assess), high (rows or \
            values lost, counted on the database), blocked (@rollbackSafe: false, no DOWN, \
            migrations still applied that depend on it). High and blocked refuse (exit 1) \
            without --force, and on a terminal high asks first unless --yes. Before a rollback \
            that loses rows a backup is taken (see `strata backup`), unless --no-backup (which \
            then needs --force). A migration Strata cannot run (a goose Go or Flyway Java \
            migration) stops the rollback (exit 1) after undoing those applied after it, even with \
            --force: roll it back with its tool, then `strata mark-applied --rolled-back ID`.

            Examples:
              strata rollback --dry-run
              strata rollback --steps 2 --reason "wrong column type"
              strata rollback --target 0003_users --format json --yes
            """)

    @Option(name: .long, help: "Roll back the last N applied migrations.")
    var steps: Int?

    @Option(name: .long, help: "Roll back everything applied after this migration (it stays applied).")
    var target: String?

    @Flag(name: .long, help: "Run even when the risk is high or blocked.")
    var force = false

    @Flag(name: .long, inversion: .prefixedNo, help: "Take a backup first (default: only when rows would be lost).")
    var backup: Bool?

    @Option(name: .long, help: "Why, recorded in __migration_rollbacks__.")
    var reason: String?

    @Flag(name: .long, help: "Print the plan, its risk and the SQL; change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var output: FormatOptions

    private var json: Bool { output.isJSON }

    @OptionGroup var log: LogOptions
    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if steps != nil, target != nil { throw ValidationError("--steps and --target exclude each other") }
        if let steps, steps < 1 { throw ValidationError("--steps must be 1 or more") }
    }

    func run() throws {
        let apply = try ApplyContext("rollback", project, database, readOnly: dryRun, logJSON: log.logJSON)
        let applier = apply.applier
        let files = Dictionary(apply.files.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let selection: RollbackSelection = target.map { .target($0) } ?? .steps(steps ?? 1)
        var plan = RollbackPlanner.plan(selection, applied: try applier.appliedRows(),
                                        files: files, catalogOrder: applier.catalog.entries.map(\.id))
        let policy = RollbackPolicy(force: force, backup: backup, yes: yes, canAsk: !json && Terminal.interactive)
        if case .refuse(let message, let reason)? = RollbackPolicy.refusal(of: plan) {
            if json { try printJSON(plan.document(outcome: "refused", reason: reason)) }
            throw CommandFailure.refused(message)
        }
        RollbackPlanner.assess(&plan, files: files, database: applier.database)
        if !json { print(plan.table(), terminator: "") }

        if dryRun {
            if json { try printJSON(plan.document(outcome: "dry-run")) } else { printSQL(plan) }
            if let stop = plan.stoppedAt { throw CommandFailure.refused("rollback would stop at \(stop.id): \(stop.reason)") }
            return
        }
        let runsWithBackup: Bool
        let forced: Bool
        switch policy.decide(plan) {
        case .refuse(let message, _):
            if json { try printJSON(plan.document(outcome: "refused")) }
            throw CommandFailure.refused(message)
        case .run(let takeBackup, let isForced, let question):
            if let question {
                print(question, terminator: "")
                guard RollbackPolicy.confirms(readLine()) else { throw CommandFailure.refused(RollbackPolicy.cancelled) }
            }
            runsWithBackup = takeBackup
            forced = isForced
        }
        // Taken under the migration lock, just before the first DOWN runs: a rollback that
        // finds its work done by a concurrent one takes none.
        var backupPath: String? = nil
        let store = BackupStore(directory: apply.context.configuration.backupsDirectory)
        let takeBackup: (() throws(ApplyError) -> String)? = runsWithBackup ? { () throws(ApplyError) in
            let backupStarted = ContinuousClock.now
            let record = try store.create(url: apply.url)
            RunLog.record(.backupCreated(record, milliseconds: milliseconds(since: backupStarted)))
            let shown = CommandContext.relative(record.path, from: apply.context.workingDirectory)
            if !json { print("backup: \(shown)") }
            backupPath = shown
            return shown
        } : nil
        if !json {
            applier.progress = { print($0) }
            applier.stillRunning = { print($0) }
        }
        let started = ContinuousClock.now
        let report = try applier.rollback(plan, reason: reason, forced: forced, takeBackup: takeBackup)
        let ms = milliseconds(since: started)
        if json {
            var document = plan.document(outcome: "rolled-back")
            document.rolledBack = report.undone.map { .init(id: $0.id, executionMilliseconds: $0.milliseconds) }
            document.backupPath = ExplicitNull(wrappedValue: backupPath)
            try printJSON(document)
        } else {
            let count = report.undone.count
            print("rolled back \(count) migration\(count == 1 ? "" : "s") in \(ms) ms")
        }
        if let stop = plan.stoppedAt { throw CommandFailure("rollback stopped at \(stop.id): \(stop.reason)", .refused) }
    }

    private func printSQL(_ plan: RollbackPlan) {
        for step in plan.steps {
            let mode = step.nonTransactionalReason.map { "statement by statement (\($0))" } ?? "in a transaction"
            print("-- \(step.id): DOWN, \(mode)")
            for statement in step.down { print("\(statement.sql);") }
        }
        print("dry run: nothing rolled back")
    }

    private func printJSON(_ document: RollbackDocument) throws { try JSONDocument.print(document) }
}
