import ArgumentParser
import Foundation
import StrataApply
import StrataCore
import StrataProject

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
        let shown = { (path: String) in Project.relative(path, from: apply.context.workingDirectory) }
        var request = RollbackRequest(selection: target.map { .target($0) } ?? .steps(steps ?? 1),
                                      policy: RollbackPolicy(force: force, backup: backup, yes: yes, canAsk: !json && Terminal.interactive),
                                      url: apply.url, backups: BackupStore(directory: apply.context.configuration.backupsDirectory))
        request.reason = reason
        request.dryRun = dryRun
        var hooks = RollbackHooks()
        hooks.assessed = { plan in if !json { print(plan.table(), terminator: "") } }
        hooks.confirm = { question in
            print(question, terminator: "")
            return Confirmation.isYes(readLine())
        }
        hooks.backupTaken = { record, milliseconds in
            RunLog.record(.backupCreated(record, milliseconds: milliseconds))
            if !json { print("backup: \(shown(record.path))") }
            return shown(record.path)
        }
        if !json {
            apply.applier.progress = { print($0) }
            apply.applier.stillRunning = { print($0) }
        }
        switch try apply.applier.rollback(request, files: apply.session.filesByID, hooks: hooks) {
        case .refused(let plan, let message, let reason):
            if json { try printJSON(plan.document(outcome: "refused", reason: reason)) }
            throw CommandFailure.refused(message)
        case .cancelled:
            throw CommandFailure.refused(RollbackPolicy.cancelled)
        case .dryRun(let plan):
            if json { try printJSON(plan.document(outcome: "dry-run")) } else { printSQL(plan) }
            if let stop = plan.stoppedAt { throw CommandFailure.refused("rollback would stop at \(stop.id): \(stop.reason)") }
        case .rolledBack(let plan, let report, let backupPath, let milliseconds):
            if json {
                var document = plan.document(outcome: "rolled-back")
                document.rolledBack = report.undone.map { .init(id: $0.id, executionMilliseconds: $0.milliseconds) }
                document.backupPath = ExplicitNull(wrappedValue: backupPath)
                try printJSON(document)
            } else {
                let count = report.undone.count
                print("rolled back \(count) migration\(count == 1 ? "" : "s") in \(milliseconds) ms")
            }
            if let stop = plan.stoppedAt { throw CommandFailure.refused("rollback stopped at \(stop.id): \(stop.reason)") }
        }
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
