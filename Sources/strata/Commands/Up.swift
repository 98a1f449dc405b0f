import ArgumentParser
import Foundation
import StrataApply

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Apply pending migrations in dependency order.",
        discussion: """
            Refuses (exit 1, nothing applied) when an applied migration was edited or deleted (unless \
            --allow-changed), a pending file has lint errors, a dependency is missing, or a migration \
            failed midway before (see `strata repair`). Each migration and its tracking row commit \
            together; concurrent runs wait for the migration lock and apply each migration once. \
            At a pending migration Strata cannot run (a goose Go or Flyway Java migration) it stops \
            (exit 1) after applying the ones before it: run it with its tool, then `strata mark-applied ID`.

            Examples:
              strata up --dry-run
              strata up
              strata up --target 0005_add_orders --log-json strata-events.jsonl
            """)

    @OptionGroup var options: UpOptions
    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        if options.singleTransaction && !options.dryRun {
            try options.performStreamed(ApplyStart("up", project, database, logJSON: options.log.logJSON), database)
            return
        }
        let apply = try ApplyContext("up", project, database, readOnly: options.dryRun, lint: true, logJSON: options.log.logJSON)
        // Freeing every parsed file one by one just before the process ends costs milliseconds
        // the operating system spends on nothing when it takes the memory back at exit.
        ApplyContext.keepUntilExit(apply)
        try options.perform(apply)
    }
}

/// The options of `up`, shared with `deploy`.
struct UpOptions: ParsableArguments {
    @Option(name: .long, help: "Apply up to and including this migration id.")
    var target: String?

    @Flag(name: .long, help: "Print the plan and the SQL that would run; change nothing (not even the tracking tables).")
    var dryRun = false

    @Flag(name: .long, help: "Print each statement as it runs.")
    var verbose = false

    @Flag(name: .long, help: "Run even though applied migrations were edited or deleted.")
    var allowChanged = false

    @Flag(name: .long, help: "Apply all pending migrations in one all-or-nothing transaction.")
    var singleTransaction = false

    @OptionGroup var log: LogOptions

    /// `announced`: the database line is printed already (a streamed run that planned again).
    func perform(_ apply: ApplyContext, announced: Bool = false) throws {
        let applier = apply.applier
        // In one all-or-nothing transaction the migrations may start while the lint of the
        // files finishes: COMMIT waits for it, and lint errors roll everything back.
        let lintAtCommit = singleTransaction && !dryRun
        let plan = try CommandContext.run { () throws(ApplyError) in
            try applier.plan(target: target, allowChanged: allowChanged, lintErrors: lintAtCommit ? [:] : apply.lintErrors())
        }
        let pending: [CatalogEntry]
        switch plan {
        case .failure(let refusal):
            RunLog.record(ApplyEvent(.refused, details: .init(reasons: refusal.reasons.joined(separator: "\n"))))
            FileHandle.standardError.write(Data(("strata: up refused, nothing applied:\n" + refusal.reasons.map { "- \($0)" }.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(1)
        case .success(let entries):
            pending = entries
        }
        if !announced { print("database: \(apply.url.redacted)") }
        if pending.isEmpty {
            print("nothing to apply: the database is up to date")
            return
        }
        if dryRun {
            let runnable = pending.filter { $0.nonSQL == nil }
            if !runnable.isEmpty {
                print("would apply \(runnable.count) migration\(runnable.count == 1 ? "" : "s")\(singleTransaction ? " in one transaction" : ""):")
            }
            for entry in runnable {
                let mode = entry.transactional ? "in a transaction" : "statement by statement (\(entry.nonTransactionalReason ?? ""))"
                print("\n-- \(entry.id) (\(entry.path), \(mode))")
                for step in entry.up { print(step.sql + ";") }
            }
            if let stop = pending.last?.stop {
                print("\(runnable.isEmpty ? "" : "\n")would stop at \(stop.id), before anything ordered after it: \(stop.reason)")
                throw ExitCode(1)
            }
            return
        }
        applier.progress = { print($0) }
        applier.stillRunning = { print($0) }
        // How many this run applied, for a refusal midway (another run's migration found
        // failed or interrupted once this one reaches it).
        var appliedCount = 0
        let logEvent = applier.onEvent
        applier.onEvent = { event in
            if event.kind == .applied { appliedCount += 1 }
            logEvent?(event)
        }
        if verbose { showStatements(of: applier, apply.context) }
        let started = ContinuousClock.now
        var lintRefusal: [String] = []
        var lintClean = false   // the lint has finished, and nothing in it stops these migrations
        let gate: ((Bool) throws(ApplyError) -> Void)? = lintAtCommit ? { final throws(ApplyError) in
            guard !lintClean, let errors = final ? apply.lintErrors() : apply.lintErrorsIfFinished() else { return }
            lintRefusal = Applier.lintReasons(pending, errors)
            if !lintRefusal.isEmpty { throw ApplyError(.refused, "lint errors") }
            lintClean = true
        } : nil
        let report: UpReport
        do {
            report = try applier.up(pending, singleTransaction: singleTransaction, gate: gate)
        } catch where !lintRefusal.isEmpty {
            try Self.refuseRolledBack(lintRefusal)
        } catch where error.kind == .refused {
            try Self.refuseMidway(error.message, applied: singleTransaction ? 0 : appliedCount)
        } catch {
            CommandContext.fail(error.errorDescription ?? "\(error)")
        }
        try Self.finish(report, since: started)
    }

    /// The summary, then, when the run stopped at a migration Strata cannot run, where and
    /// what to do (exit 1: the database is not up to date).
    static func finish(_ report: UpReport, since started: ContinuousClock.Instant) throws {
        printSummary(report, since: started)
        guard let stop = report.stoppedAt else { return }
        RunLog.record(ApplyEvent(.refused, details: .init(reasons: stop.reason)))
        FileHandle.standardError.write(Data("strata: up stopped at \(stop.id): \(stop.reason)\n".utf8))
        throw ExitCode(1)
    }

    /// `--verbose`: how the layout was chosen, and each statement as it is sent.
    func showStatements(of applier: Applier, _ context: CommandContext) {
        context.reportDetection()
        applier.statementWillRun = { entry, step in
            print("  \(entry.id):\(step.line): \(step.sql.split(separator: "\n").first ?? "")")
        }
    }

    /// Lint errors found once migrations had run in the one transaction: all rolled back.
    static func refuseRolledBack(_ reasons: [String]) throws -> Never {
        RunLog.record(ApplyEvent(.refused, details: .init(reasons: reasons.joined(separator: "\n"))))
        FileHandle.standardError.write(Data(("strata: up refused, rolled back, nothing applied:\n"
            + reasons.map { "- \($0)" }.joined(separator: "\n") + "\n").utf8))
        throw ExitCode(1)
    }

    /// A migration this run reached failed, or was interrupted, in another run (its claim
    /// found once the run that made it was gone): a refusal, as when `up` finds it before it
    /// starts, with what this run applied before it.
    static func refuseMidway(_ reason: String, applied: Int) throws -> Never {
        RunLog.record(ApplyEvent(.refused, details: .init(reasons: reason)))
        let head = applied == 0 ? "strata: up refused, nothing applied:"
            : "strata: up refused after applying \(applied) migration\(applied == 1 ? "" : "s"):"
        FileHandle.standardError.write(Data("\(head)\n- \(reason)\n".utf8))
        throw ExitCode(1)
    }

    /// `applied N migrations in T ms`, and how many another run applied first.
    static func printSummary(_ report: UpReport, since started: ContinuousClock.Instant) {
        var line = "applied \(report.applied.count) migration\(report.applied.count == 1 ? "" : "s") in \(milliseconds(since: started)) ms"
        if !report.alreadyApplied.isEmpty { line += "; \(report.alreadyApplied.count) already applied by another run" }
        print(line)
    }
}

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Resolve a migration that failed midway outside a transaction.",
        discussion: """
            After fixing the database by hand: --applied records it as applied; --retry removes the failed row so \
            `strata up` runs it again. Refuses (exit 1, nothing changed) while the run that started the migration \
            is alive, or when its file changed since it failed (unless --allow-changed).

            Examples:
              strata repair 0004_backfill_emails --retry
              strata repair 0004_backfill_emails --applied
            """)

    @Argument(help: "The migration id.")
    var id: String

    @Flag(name: .long, help: "Record it as applied (you finished it by hand).")
    var applied = false

    @Flag(name: .long, help: "Remove the failed row so `strata up` runs it again.")
    var retry = false

    @Flag(name: .long, help: "Repair even though the file changed since it failed, or is gone (--applied records the file's checksum as it is now).")
    var allowChanged = false

    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard applied != retry else { throw ValidationError("say what to do: --applied or --retry") }
    }

    func run() throws {
        let apply = try ApplyContext("repair", project, database)
        let report = try CommandContext.run { () throws(ApplyError) -> RepairReport in
            do throws(ApplyError) {
                return try apply.applier.repair(id, markApplied: applied, allowChanged: allowChanged)
            } catch where error.kind == .refused {
                CommandContext.fail(error.message, code: 1)
            }
        }
        print(report.lines.joined(separator: "\n"))
    }
}
