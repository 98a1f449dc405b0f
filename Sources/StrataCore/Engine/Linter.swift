import StrataSyntax

/// Runs the rules over a set of migration files.
///
/// ```swift
/// let linter = Linter(rules: AllRules.instances(), settings: [:], dialect: .postgresql, layout: .plain)
/// let summary = try linter.lint(paths: ["migrations"]) { findings in print(findings) }
/// ```
///
/// Memory stays flat however many files there are (see `LintPass`): at most `windowSize` files
/// are held at once, and findings leave file by file, in report order, as soon as every file
/// before them is done. Only the schema model outlives a file.
public struct Linter: Sendable {
    public private(set) var rules: [any Rule]
    public let settings: [String: RuleSetting]
    public let dialect: Dialect
    public let layout: any MigrationLayout
    /// Every rule id a suppression may name (more than `rules` when only some rules run).
    public var knownRules: Set<String>
    /// What git says of the migrations, for the history rules (`strata check`).
    public var history: HistoryFacts?
    /// Ids of files only replayed, not checked: `strata check` skips the rules on migrations
    /// unchanged since they were applied (their findings passed review on the base branch).
    public var replayOnly: Set<String> = []
    /// The files to check and report on, by their paths as the run shows them (a folder's path
    /// joined with the path below it); nil: every file. The other files are read only for what
    /// the named ones need of them (ids, numbers, dependencies, the schema they build): no rule
    /// runs on them, none of their findings is reported and they are not counted. A migration
    /// kept in two files (golang-migrate, diesel, Flyway undo) is checked, and its findings in
    /// both files reported, when either file is named.
    public var focus: Set<String>?
    /// The most files held (read, parsed, being checked) at once.
    package var windowSize = 256
    /// Threads that check files at once (each replays every file into its own schema model and
    /// runs the rules on the files it claims first); nil: one per core.
    package var lanes: Int?
    /// Threads that only read and parse ahead of the lanes; nil: the cores the lanes leave, or
    /// none when `lanes` is set.
    package var parserThreads: Int?
    /// Which rules run, and how, when `settings` does not name them.
    public var preset: Preset = .recommended
    /// The database releases the migrations target (version-gated rules).
    public var versions = DialectVersions()
    /// The lock_timeout `up` sets for each migration's statements (`postgres.statement_lock_timeout`):
    /// `missing-lock-timeout` then leaves a note instead of a warning.
    public var applierLockTimeout: Duration?
    /// Keep `note` findings (rules skipped for a table new on this branch); else dropped.
    public var verbose = false
    /// The suppressions file (`strata-suppressions.json`), applied to every file checked.
    public var bulkSuppressions: BulkSuppressions?

    public init(rules: [any Rule], settings: [String: RuleSetting], dialect: Dialect, layout: LayoutKind) {
        self.rules = rules
        self.settings = settings
        self.dialect = dialect
        self.layout = layout.layout
        self.knownRules = Set(rules.map { type(of: $0).description.id })
    }

    /// This linter with only the rules `isIncluded` keeps; every other setting (suppressions may
    /// still name any known rule) stays.
    public func keepingRules(where isIncluded: (any Rule) -> Bool) -> Linter {
        var copy = self
        copy.rules = rules.filter(isIncluded)
        return copy
    }

    /// The severity a rule runs at, or nil when it is off (opt-in rules are off unless set): as
    /// `strata.yml` sets it, else as the preset and the layout say.
    public func severity(of description: RuleDescription) -> Severity? {
        if let setting = settings[description.id] { return setting.severity }
        return preset.severity(of: description, on: layout.kind)
    }

    // MARK: - Entry points

    /// Lints files and folders on disk, handing each file's findings to `report` in report
    /// order (by path, then position) as soon as they are final. Nothing is held for the end.
    @discardableResult
    public func lint(paths: [String], report: ([Diagnostic]) -> Void) throws(InputError) -> LintSummary {
        let files = try FileDiscovery.discover(paths, layout: layout)
        return try LintPass(self).run(files.map { Item(id: $0.id, path: $0.path, content: .disk($0)) }, report: report)
    }

    /// Lints files and folders on disk, every finding collected.
    public func lint(paths: [String]) throws(InputError) -> LintResult {
        var diagnostics: [Diagnostic] = []
        let summary = try lint(paths: paths) { diagnostics += $0 }
        var result = LintResult(diagnostics: diagnostics, fileCount: summary.fileCount)
        result.bulk = summary.bulk
        return result
    }

    /// Lints files given in memory, in the order their layout dictates (tests, examples).
    public func lint(_ inputs: [MigrationInput]) -> LintResult {
        collect(inputs.map { Item(id: $0.id, path: $0.path, content: .memory($0)) })
    }

    /// Lints files parsed already at full depth, each once (in the order their layout dictates).
    public func lint(parsed files: [MigrationFile]) -> LintResult {
        collect(files.map { Item(id: $0.id, path: $0.path, content: .parsed($0)) })
    }

    private func collect(_ items: [Item]) -> LintResult {
        var diagnostics: [Diagnostic] = []
        do {
            let summary = try LintPass(self).run(items) { diagnostics += $0 }
            var result = LintResult(diagnostics: diagnostics, fileCount: summary.fileCount)
            result.bulk = summary.bulk
            return result
        } catch {
            preconditionFailure("input in memory cannot fail to read")
        }
    }

    // MARK: - Input

    enum Content: Sendable {
        case memory(MigrationInput)
        case disk(DiscoveredFile)
        /// Parsed already, at full depth (the applier parses once for lint and its catalog).
        /// Indirect: a file inline would make every item, of every lint, several times larger.
        indirect case parsed(MigrationFile)
    }

    struct Item: Sendable {
        var id: String
        var path: String
        var content: Content

        /// The separate DOWN file's path, for layouts that keep DOWN apart.
        var downPath: String? {
            switch content {
            case .memory(let input): input.down?.path
            case .disk(let file): file.down?.path
            case .parsed(let file): file.downFile?.path
            }
        }

        /// The migration read: its file and, for layouts that keep DOWN apart, its DOWN file.
        func input() throws(InputError) -> MigrationInput {
            switch content {
            case .memory(let input): return input
            case .disk(let file): return try FileDiscovery.input(file)
            case .parsed(let file): return MigrationInput(id: id, path: path, bytes: file.source?.bytes ?? [])
            }
        }
    }
}

/// How many files a lint read and how many findings of each severity it reported.
public struct LintSummary: Sendable, Equatable {
    public var fileCount = 0
    public var errorCount = 0
    public var warningCount = 0
    public var noteCount = 0
    /// What the suppressions file covered, when the linter had one.
    public var bulk: BulkSuppressions.Tally?

    public init(fileCount: Int = 0, errorCount: Int = 0, warningCount: Int = 0, noteCount: Int = 0) {
        self.fileCount = fileCount
        self.errorCount = errorCount
        self.warningCount = warningCount
        self.noteCount = noteCount
    }

    public mutating func count(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics {
            switch diagnostic.severity {
            case .error: errorCount += 1
            case .warning: warningCount += 1
            case .note: noteCount += 1
            }
        }
    }
}
