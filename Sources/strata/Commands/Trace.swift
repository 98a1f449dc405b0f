import ArgumentParser
import Foundation
import StrataApply
import StrataCore
import StrataProject
import StrataReporters

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Run the migrations on a scratch PostgreSQL and report the locks and rewrites each statement causes.",
        discussion: """
            PostgreSQL only. Runs the migrations in order, one transaction each (a migration \
            marked non-transactional runs statement by statement), on a temporary cluster of its \
            own (the default, made with initdb and pg_ctl from the installed PostgreSQL and \
            removed afterwards) or on a scratch database you name with --database. For every \
            statement it reports the new locks it took on objects that existed before its \
            migration (as pg_locks names them), the tables and indexes it rewrote (their \
            relfilenode changed), what it created, altered or dropped, and how long it took.

            Lint's lock and rewrite findings on the traced statements are marked confirmed or \
            not observed; what the trace saw that no rule reported becomes a finding of its own \
            (trace-rewrite, trace-exclusive-lock), and a migration that fails is trace-failed \
            (an error). The configured database (DATABASE_URL, database.url) is never used.
            Exit 0 without error-level findings, 1 with some, 2 when the trace cannot run.

            Examples:
              strata trace
              strata trace --git-diff origin/main --rows 100000
              strata trace migrations/0042_widen_ids.sql --format markdown
              strata trace --database postgresql://localhost/scratch --format json
            """)

    @Argument(help: "The migrations folder, or files to report (everything before them runs to build the schema). Default: the configured folder.")
    var paths: [String] = []

    @Flag(name: .long, help: "Run on a temporary PostgreSQL cluster of its own (the default).")
    var temporary = false

    @Option(name: .long, help: "Run on this scratch PostgreSQL database instead; it must hold no tables (see --allow-nonempty).")
    var database: String?

    @Flag(name: .long, help: "With --database: run even when the database already holds tables.")
    var allowNonempty = false

    @Flag(name: .long, help: "With --database: keep what the migrations created (by default it is dropped again).")
    var keep = false

    @Option(name: .long, help: ArgumentHelp("Report only migrations new or changed since this git ref (the older ones only build the schema).", valueName: "REF"))
    var gitDiff: String?

    @Option(name: .long, help: ArgumentHelp("Fill every table with N generated rows before the reported migrations run, so durations mean something.", valueName: "N"))
    var rows: Int = 0

    @Option(name: .long, help: "Output format: text, json, markdown, or the findings alone as github, sarif or gitlab.")
    var format: ReporterFormat = .text

    @Flag(name: .long, help: "Say what was detected and each step of the trace on standard error.")
    var verbose = false

    @OptionGroup var project: ProjectOptions

    func validate() throws {
        if temporary, database != nil { throw ValidationError("--temporary and --database exclude each other") }
        if database == nil, allowNonempty { throw ValidationError("--allow-nonempty goes with --database") }
        if database == nil, keep { throw ValidationError("--keep goes with --database") }
        if rows < 0 { throw ValidationError("--rows must be 0 or more") }
    }

    func run() throws {
        let fm = FileManager.default
        var folderGiven: String?
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            if fm.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { folderGiven = path } else { files.append(path) }
        }
        let context = try Project(config: project.config, dialect: project.dialect, layout: project.layout,
                                  lintPaths: folderGiven.map { [$0] } ?? [], namedFiles: files,
                                  namedFilesFolder: folderGiven.map { PathText.absolute($0, from: fm.currentDirectoryPath) },
                                  warn: { FileHandle.standardError.write(Data("strata: warning: \($0)\n".utf8)) })
        if verbose { context.reportDetection() }
        try TraceRun.requirePostgres(context)
        let folderPath = folderGiven.map { PathText.absolute($0, from: context.workingDirectory) }
            ?? context.named.groups.first?.absoluteFolder ?? context.configuration.migrationsDirectory
        var request = TraceRun.Request(folder: folderGiven.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
                                           ?? context.named.groups.first?.folder ?? context.migrationsDirectoryForDisplay,
                                       folderPath: folderPath)
        request.namedFiles = files
        request.gitDiff = gitDiff
        request.rows = rows
        request.applierSetsLockTimeout = context.configuration.lockSafety.statementLockTimeout != nil
        let plan = try TraceRun.plan(request, project: context)

        let say: (String) -> Void = verbose ? { FileHandle.standardError.write(Data("strata: \($0)\n".utf8)) } : { _ in }
        let (run, target) = try Self.trace(plan, request: request, project: context,
                                           database: database, allowNonempty: allowNonempty, keep: keep, say: say)
        try print(run, target: target, ruleDocs: context.ruleDocs)
        if run.hasErrors { throw ExitCode(1) }
    }

    /// Traces `plan` on a temporary cluster, or on `database` (a scratch database), which is
    /// cleaned up (or the cluster removed) when the trace ends or a signal comes; returns the
    /// run and what it ran on.
    static func trace(_ plan: TraceRun.Plan, request: TraceRun.Request, project: Project, database: String?,
                      allowNonempty: Bool = false, keep: Bool = false, say: @escaping (String) -> Void) throws -> (TraceRun, String) {
        let target: TraceTarget
        if let database {
            target = try TraceTarget.database(try DatabaseURL(database), allowNonempty: allowNonempty, keep: keep)
        } else {
            say("starting a temporary PostgreSQL cluster")
            target = try TraceTarget.temporary(progress: say)
        }
        let handle = SignalSafe(target)
        let cleanup = InterruptCleanup(database == nil ? "temporary cluster removed" : "scratch database left as found") { handle.value.finish() }
        let run: TraceRun
        do {
            let tracer = try Tracer(database: target.database)
            tracer.progress = say
            run = try TraceRun(plan, tracer: tracer, project: project, rows: request.rows,
                               applierSetsLockTimeout: request.applierSetsLockTimeout)
        } catch {
            cleanup.exitIfInterrupted()
            cleanup.finish()
            throw error
        }
        cleanup.exitIfInterrupted()
        let notes = target.finish()
        cleanup.finish()
        for note in notes { FileHandle.standardError.write(Data("strata: note: \(note)\n".utf8)) }
        return (run, target.description)
    }

    private func print(_ run: TraceRun, target: String, ruleDocs: RuleDocsURL) throws {
        switch format {
        case .text:
            Swift.print(TraceOutput.text(run.report, findings: run.findings, target: target), terminator: "")
        case .markdown:
            Swift.print(TraceOutput.markdown(run.report, findings: run.findings, target: target), terminator: "")
        case .json:
            try JSONDocument.print(TraceOutput.document(run.report, findings: run.findings, target: target))
        case .github, .sarif, .gitlab:
            let reporter = format.makeReporter(color: false, version: Strata.version, ruleDocs: ruleDocs,
                                               repository: OutputOptions.repositoryPaths())
            let output = ReportOutput(fileDescriptor: 1)
            let writer = reporter.writer(rules: TraceRun.ruleDescriptions, to: output)
            writer.add(run.diagnostics)
            let diagnostics = run.diagnostics
            writer.end(LintSummary(fileCount: Set(run.report.migrations.filter(\.reported).map(\.file)).count,
                                   errorCount: diagnostics.count { $0.severity == .error },
                                   warningCount: diagnostics.count { $0.severity == .warning },
                                   noteCount: diagnostics.count { $0.severity == .note }))
            output.flush()
        }
    }
}
