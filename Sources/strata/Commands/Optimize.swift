import ArgumentParser
import Foundation
import StrataApply
import StrataCore
import StrataProject

struct Optimize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Find what the live database's indexes and statistics lack or waste; plan, write or apply the fixes.",
        discussion: """
            --analyze reports, from the live database: foreign keys no index serves, redundant \
            indexes, tables without a primary key, columns the migrations index that are gone; \
            on PostgreSQL unused and invalid indexes, tables read by sequential scans, stale \
            statistics and the slowest statements (pg_stat_statements); on SQLite missing \
            statistics, what PRAGMA optimize would analyze, and collation or affinity \
            mismatches that keep an index from being used. It changes nothing and exits 0 \
            (1 with --fail-on-findings when it finds anything).

            Without --analyze, the fixes become a plan: create the missing foreign-key indexes \
            (CONCURRENTLY on PostgreSQL), drop redundant indexes, ANALYZE stale tables; unused \
            indexes only with --include-drops. --dry-run prints it; --write-migration writes it \
            as the next migration file, for review and `strata deploy`; otherwise it writes that \
            file and applies it as a migration (recorded in __migrations__), after a confirmation \
            on a terminal or with --yes. Exit 1 when refused (no confirmation, migrations not \
            applied, a file that would not lint clean), 2 on a database or file error.

            Examples:
              strata optimize --analyze
              strata optimize --dry-run --format json
              strata optimize --write-migration
            """)

    @Flag(name: .long, help: "Report findings only; change nothing.")
    var analyze = false

    @Flag(name: .long, help: "Print the plan and its SQL; change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Write the plan as the next migration file instead of applying it.")
    var writeMigration = false

    @Flag(name: .long, help: "Let the plan drop unused indexes (otherwise they are only reported).")
    var includeDrops = false

    @Flag(name: .long, help: "Apply without asking for confirmation.")
    var yes = false

    @OptionGroup var output: FormatOptions

    private var json: Bool { output.isJSON }

    @Flag(name: .long, help: "With --analyze: exit 1 when there is any finding.")
    var failOnFindings = false

    @Option(name: .long, help: ArgumentHelp("PostgreSQL schema to analyse (repeatable; default: every schema but the system's).", valueName: "NAME"))
    var schema: [String] = []

    @Option(name: .long, help: ArgumentHelp("Tables with fewer live rows are never reported for sequential scans.", valueName: "N"))
    var seqScanMinRows: Int = 10_000

    @Option(name: .long, help: ArgumentHelp("How many of the slowest statements to list.", valueName: "N"))
    var slowStatements: Int = 10

    @OptionGroup var project: ProjectOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if analyze, dryRun || writeMigration || includeDrops || yes {
            throw ValidationError("--analyze only reports: it takes no --dry-run, --write-migration, --include-drops or --yes")
        }
        if dryRun, writeMigration { throw ValidationError("--dry-run and --write-migration exclude each other") }
        if failOnFindings, !analyze { throw ValidationError("--fail-on-findings goes with --analyze") }
        if seqScanMinRows < 0 { throw ValidationError("--seq-scan-min-rows must be 0 or more") }
        if slowStatements < 0 { throw ValidationError("--slow-statements must be 0 or more") }
    }

    func run() throws {
        let changesDatabase = !(analyze || dryRun || writeMigration)
        try requireExistingSQLiteFile()
        let apply = try ApplyContext("optimize", project, database, readOnly: !changesDatabase)
        var options = OptimizeOptions()
        options.schemas = schema
        options.sequentialScanMinimumRows = Int64(seqScanMinRows)
        options.slowStatementLimit = slowStatements
        let report = try apply.applier.optimizeReport(files: apply.session.filesByID, options: options)
        if analyze {
            if json { try printJSON(report.document(database: apply.url.redacted)) } else {
                print("database: \(apply.url.redacted)")
                print(report.text(), terminator: "")
            }
            if failOnFindings, !report.findings.isEmpty { throw ExitCode(1) }
            return
        }
        let plan = OptimizePlan(report, includeDrops: includeDrops)
        let outcome = { (name: String, file: String?) in
            report.document(database: apply.url.redacted, plan: plan, outcome: name, file: file)
        }
        if !json {
            print("database: \(apply.url.redacted)")
            print(plan.text(), terminator: "")
        }
        if plan.isEmpty {
            if json { try printJSON(outcome("nothing-to-do", nil)) } else { print("nothing to optimise (\(report.summary))") }
            return
        }
        if dryRun {
            if json { try printJSON(outcome("dry-run", nil)) } else {
                print("-- the migration it would write:")
                print(OptimizeMigrationWriter.contents(plan, now: Date()), terminator: "")
                print("dry run: nothing changed")
            }
            return
        }
        if changesDatabase {
            switch try apply.applier.optimizeDecision(plan, on: apply.url.redacted, yes: yes, canAsk: !json && Terminal.interactive) {
            case .refuse(let message): throw CommandFailure.refused(message)
            case .apply(let question?):
                print(question, terminator: "")
                guard Confirmation.isYes(readLine()) else { throw CommandFailure.refused(OptimizeDecision.cancelled) }
            case .apply(nil): break
            }
        } else if let waiting = try? apply.applier.optimizeRefusal() {
            // The file is still right to write (deploy runs it after them), but the analysis
            // saw the database without them.
            FileHandle.standardError.write(Data("strata: note: \(waiting.prefix { $0 != ";" }); the analysis read the database as it is now, before them\n".utf8))
        }
        let writing = try OptimizeMigrationFile.write(plan, project: apply.context, dialect: apply.url.dialect, existing: apply.files)
        let findings: [Diagnostic]
        switch writing {
        case .written(_, let found), .notClean(let found): findings = found
        }
        for finding in findings {
            FileHandle.standardError.write(Data("\(finding.file):\(finding.line):\(finding.column): \(finding.severity): \(finding.message) [\(finding.rule)]\n".utf8))
        }
        guard case .written(let written, _) = writing else { throw CommandFailure.refused(OptimizeMigrationFile.notCleanMessage) }
        if writeMigration {
            if json { try printJSON(outcome("written", written.file.path)) } else {
                print("wrote \(written.file.path) (\(plan.summary)); review it, then `strata deploy` applies it")
            }
            return
        }
        if !json {
            apply.applier.progress = { print($0) }
            apply.applier.stillRunning = { print($0) }
        }
        let result = try apply.applier.applyWrittenOptimization(written.file, input: written.input, written: written.created)
        if json { try printJSON(outcome("applied", written.file.path)) } else {
            let ms = result.applied.first?.milliseconds ?? 0
            print("applied \(written.file.id) in \(ms) ms (\(plan.summary)); commit \(written.file.path) with the other migrations")
        }
    }

    /// An SQLite file that does not exist is a wrong path here, not an empty database to create.
    private func requireExistingSQLiteFile() throws {
        let url = try database.url(try Project(project))
        if case .sqlite(let path) = url.target, path != ":memory:", !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("no SQLite database at \(path)")
        }
    }

    private func printJSON(_ document: OptimizeDocument) throws { try JSONDocument.print(document) }
}
