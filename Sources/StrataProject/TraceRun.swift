import Foundation
import StrataApply
import StrataCore
import StrataGit
import StrataRules

/// `strata trace` and `check --trace` from the project to the findings: which migrations run
/// and which are reported, the trace on a scratch PostgreSQL (`Tracer` on a `TraceTarget`), and
/// lint's lock and rewrite findings held against it (`TraceCrossCheck`).
public struct TraceRun {
    /// What to trace.
    public struct Request {
        /// The migrations folder, as paths are shown (relative to the working directory when
        /// below it), and absolute, to read.
        public var folder: String
        public var folderPath: String
        /// Files named: only they are reported (everything before them runs to build the
        /// schema). Paths as given.
        public var namedFiles: [String] = []
        /// `--git-diff REF`: only migrations new or changed since REF are reported.
        public var gitDiff: String?
        /// `check --trace`: only migrations new or changed since the base `check` compares with
        /// are reported (`gitDiff`, else history.base or the default branch); all of them when
        /// there is no repository or base.
        public var sinceBase = false
        /// `--rows N`.
        public var rows = 0
        /// The applier sets lock_timeout (`postgres.statement_lock_timeout`), so no lock waits
        /// without bound: `trace-exclusive-lock` stays quiet.
        public var applierSetsLockTimeout = false

        public init(folder: String, folderPath: String) {
            self.folder = folder
            self.folderPath = folderPath
        }
    }

    public let report: TraceReport
    public let findings: [TraceCrossCheck.Finding]

    /// The findings as lint's reporters take them (`--format github|sarif|gitlab|json` of
    /// `check --trace`).
    public var diagnostics: [Diagnostic] { findings.map(\.diagnostic) }

    /// Whether an error-level finding came out (a migration failed, or a lock rule set to error).
    public var hasErrors: Bool { findings.contains { $0.diagnostic.severity == .error } }

    /// The rules' descriptions with the trace's own checks, for SARIF's rule list.
    public static var ruleDescriptions: [RuleDescription] { AllRules.descriptions + TraceCrossCheck.descriptions }

    /// Refuses a project whose dialect is set to SQLite: the trace reads PostgreSQL's locks.
    public static func requirePostgres(_ project: Project) throws {
        guard project.dialect == .sqlite, !project.dialectSource.hasPrefix("the default") else { return }
        throw CommandFailure("strata trace runs on PostgreSQL only: it reads the locks PostgreSQL takes, and this project's dialect is sqlite (\(project.dialectSource))")
    }

    /// The migrations of `request` in order, which of them are reported, and their lint.
    public struct Plan {
        public var inputs: [MigrationInput]
        public var files: [MigrationFile]
        public var reported: Set<String>

        /// What runs, in order: every migration up to the last reported one. `postgresMajor`:
        /// the server's, which decides what may run in a transaction.
        public func entries(postgresMajor: Int?) -> [CatalogEntry] {
            let catalog = MigrationCatalog(parsed: files, inputs: inputs, postgresMajor: postgresMajor).entries
            let last = catalog.lastIndex { reported.contains($0.id) } ?? -1
            return Array(catalog.prefix(last + 1))
        }
    }

    /// Reads the folder (from git's working tree when `gitDiff` is set, which also says what is
    /// new), and decides what runs: everything up to the last reported migration.
    public static func plan(_ request: Request, project: Project) throws -> Plan {
        let layout = project.layout
        var inputs: [MigrationInput]
        var newSince: Set<String>?
        if request.gitDiff != nil || request.sinceBase {
            let history = try HistoryLoader.load(project.historyRequest(folder: request.folderPath, display: request.folder, dialect: .postgresql,
                                                                        base: request.gitDiff, source: .workingTree))
            if let facts = history.facts {
                newSince = Set(history.inputs.filter { facts.isNewOrChanged($0) }.map(\.id))
            } else if let ref = request.gitDiff, !request.sinceBase {
                throw CommandFailure("--git-diff \(ref): \(history.missingHistory ?? "no git history here")")
            }
            inputs = history.inputs
        } else {
            guard FileManager.default.fileExists(atPath: request.folderPath) else {
                throw CommandFailure("\(request.folder): no such folder; set `migrations:` in strata.yml or name the folder")
            }
            let discovered = try FileDiscovery.discover([request.folder], layout: layout.layout)
            try FileDiscovery.requireApplicable(discovered)
            inputs = try discovered.map { file throws(InputError) in try FileDiscovery.input(file) }
        }
        let files = MigrationCatalog.parse(inputs, layout: layout, dialect: .postgresql)
        var reported = Set(files.map(\.id))
        if let newSince { reported.formIntersection(newSince) }
        if !request.namedFiles.isEmpty {
            let absolute = { (path: String) in PathText.absolute(path, from: project.workingDirectory) }
            let idsByPath = Dictionary(files.map { (absolute($0.path), $0.id) }, uniquingKeysWith: { first, _ in first })
            if let unknown = request.namedFiles.first(where: { idsByPath[absolute($0)] == nil }) {
                throw CommandFailure("\(unknown): not a migration of \(request.folder)")
            }
            reported.formIntersection(request.namedFiles.compactMap { idsByPath[absolute($0)] })
        }
        return Plan(inputs: inputs, files: files, reported: reported)
    }

    /// Traces `plan` with `tracer` and checks lint's findings against it.
    public init(_ plan: Plan, tracer: Tracer, project: Project, rows: Int, applierSetsLockTimeout: Bool) throws {
        report = try tracer.trace(plan.entries(postgresMajor: tracer.database.postgresMajor), reported: plan.reported, rows: rows)
        // Every file is linted, for what the earlier ones create; only the reported ones' findings
        // are kept.
        var linter = try project.linter(dialect: .postgresql)
        linter.focus = Set(plan.files.filter { plan.reported.contains($0.id) }.map(\.path))
        let lint = linter.lint(parsed: plan.files).diagnostics
        var expectations: [String: TraceExpectation] = [:]
        for description in AllRules.descriptions {
            if let expectation = description.traceExpectation { expectations[description.id] = expectation }
        }
        // A file the trace could not read as SQL (not text, an unterminated string) ran as
        // nothing: lint's error says so, or the trace would pass over it in silence.
        let unreadable = lint.filter { $0.rule == ParseErrorRule.description.id && $0.severity == .error }
            .map { TraceCrossCheck.Finding(diagnostic: $0) }
        findings = (TraceCrossCheck.findings(report, lint: lint, expectations: expectations,
                                             applierSetsLockTimeout: applierSetsLockTimeout) + unreadable)
            .sorted { Diagnostic.reportOrder($0.diagnostic, $1.diagnostic) }
    }
}
