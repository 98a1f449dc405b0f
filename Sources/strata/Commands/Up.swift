import ArgumentParser
import Foundation
import StrataApply
import StrataCore
import StrataSyntax
import StrataProject

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
        // In one transaction the files are read while the first migrations run.
        let apply = try ApplyContext("up", project, database, readOnly: options.dryRun, lint: true,
                                     streaming: options.singleTransaction && !options.dryRun, logJSON: options.log.logJSON)
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

    @Option(name: .long, help: ArgumentHelp("PostgreSQL's lock_timeout for each migration's statements (5s, 500ms, 2min; a bare number is milliseconds): a statement that waits longer for a table's lock is cancelled, so queries queued behind it go on, and the migration is tried again. Overrides postgres.statement_lock_timeout. Not --lock-timeout, which waits for Strata's own migration lock.", valueName: "DURATION"))
    var statementLockTimeout: String?

    @Option(name: .long, help: ArgumentHelp("How many times a migration that failed on a lock timeout is tried again (0 to 1000; default 3 with a statement lock timeout, else 0). Overrides postgres.lock_retries.", valueName: "N"))
    var lockRetries: Int?

    @Option(name: .long, help: ArgumentHelp("The wait before the first retry, doubled for each later one up to 30 s (default 1s). Overrides postgres.lock_retry_backoff.", valueName: "DURATION"))
    var lockRetryBackoff: String?

    @OptionGroup var log: LogOptions

    func validate() throws { _ = try lockSafetyFlags() }

    /// `--statement-lock-timeout`, `--lock-retries` and `--lock-retry-backoff`, as given.
    func lockSafetyFlags() throws(ValidationError) -> LockSafety {
        func duration(_ text: String?, _ option: String, minimum: Duration, maximum: Duration) throws(ValidationError) -> Duration? {
            guard let text else { return nil }
            guard let value = LockSafety.parseDuration(text), value >= minimum, value <= maximum else {
                throw ValidationError("\(option) must be a duration such as 5s, 500ms or 2min (a bare number is milliseconds), from \(LockSafety.describe(minimum)) to \(LockSafety.describe(maximum)), not '\(text)'")
            }
            return value
        }
        if let lockRetries, !(0...LockSafety.maximumRetries).contains(lockRetries) {
            throw ValidationError("--lock-retries must be a whole number from 0 to \(LockSafety.maximumRetries)")
        }
        return LockSafety(statementLockTimeout: try duration(statementLockTimeout, "--statement-lock-timeout", minimum: .milliseconds(1), maximum: LockSafety.maximumTimeout),
                          retries: lockRetries,
                          backoff: try duration(lockRetryBackoff, "--lock-retry-backoff", minimum: .zero, maximum: LockSafety.maximumBackoff))
    }

    /// What `up` asks the applier for.
    var request: UpRequest { UpRequest(target: target, allowChanged: allowChanged, singleTransaction: singleTransaction) }

    /// Plans (`--dry-run`) or runs `up` through the applier, and maps what it returns to the
    /// output and the exit code: 0 applied or nothing to apply, 1 refused or stopped at a
    /// migration Strata cannot run, 2 an error (thrown: `Strata.end`).
    func perform(_ apply: ApplyContext) throws {
        let applier = apply.applier
        applier.lockSafety = applier.lockSafety.overridden(by: try lockSafetyFlags())
        // The database line comes before anything the run says, once it has a plan.
        var announced = false
        let announce = {
            if !announced { print("database: \(apply.url.redacted)") }
            announced = true
        }
        if dryRun {
            let plan = try applier.plan(request, lint: apply.lint)
            switch plan {
            case .failure(let refusal): try Self.refuse(refusal)
            case .success(let pending):
                announce()
                try showPlan(pending)
            }
            return
        }
        applier.onStart = announce
        applier.progress = { line in
            announce()
            print(line)
        }
        applier.stillRunning = { print($0) }
        if verbose {
            showStatements(of: applier, apply.context)
            if let note = Self.lockSafetyNote(applier.lockSafety, apply.url.dialect) { print(note) }
        }
        let started = ContinuousClock.now
        let outcome = try applier.up(request, lint: apply.lint)
        switch outcome {
        case .failure(let refusal):
            try Self.refuse(refusal)
        case .success(let report):
            announce()
            if report.applied.isEmpty && report.alreadyApplied.isEmpty && report.stoppedAt == nil {
                print("nothing to apply: the database is up to date")
                return
            }
            try Self.finish(report, since: started)
        }
    }

    /// `--dry-run`: the plan and the SQL that would run, and where it would stop.
    func showPlan(_ pending: [CatalogEntry]) throws {
        if pending.isEmpty {
            print("nothing to apply: the database is up to date")
            return
        }
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

    /// `--verbose`: what the applier does about PostgreSQL's table locks, or that SQLite
    /// ignores it; nil when nothing is set.
    static func lockSafetyNote(_ safety: LockSafety, _ dialect: Dialect) -> String? {
        guard safety.isActive else { return nil }
        guard dialect == .postgresql else {
            return "note: the statement lock timeout and lock retries (postgres: in strata.yml, or the flags) apply to PostgreSQL only; ignored on SQLite"
        }
        let retries = safety.retryLimit == 0 ? "not retried" : "tried again up to \(safety.retryLimit) time\(safety.retryLimit == 1 ? "" : "s"), first after \(LockSafety.describe(safety.firstWait))"
        let timeout = safety.statementLockTimeout.map { "lock_timeout \(LockSafety.describe($0)) for each migration's statements; " } ?? ""
        return "note: \(timeout)a migration that fails on a lock timeout is \(retries)"
    }

    /// `--verbose`: how the layout was chosen, and each statement as it is sent.
    func showStatements(of applier: Applier, _ context: Project) {
        context.reportDetection()
        applier.statementWillRun = { entry, step in
            print("  \(entry.id):\(step.line): \(step.sql.split(separator: "\n").first ?? "")")
        }
    }

    /// `up` refused (exit 1): nothing applied, rolled back in one transaction, or what this run
    /// applied before it reached another run's failed migration.
    static func refuse(_ refusal: Refusal) throws -> Never {
        RunLog.record(ApplyEvent(.refused, details: .init(reasons: refusal.reasons.joined(separator: "\n"))))
        let head = refusal.rolledBack ? "strata: up refused, rolled back, nothing applied:"
            : refusal.appliedBefore == 0 ? "strata: up refused, nothing applied:"
            : "strata: up refused after applying \(refusal.appliedBefore) migration\(refusal.appliedBefore == 1 ? "" : "s"):"
        FileHandle.standardError.write(Data((head + "\n" + refusal.reasons.map { "- \($0)" }.joined(separator: "\n") + "\n").utf8))
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
        let report = try apply.applier.repair(id, markApplied: applied, allowChanged: allowChanged)
        print(report.lines.joined(separator: "\n"))
    }
}
