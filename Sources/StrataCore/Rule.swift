import StrataSyntax

/// What a layout offers; a rule that needs a capability runs only on layouts that have it.
public struct LayoutCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `-- @key: value` metadata headers.
    public static let metadata = LayoutCapabilities(rawValue: 1)
    /// DOWN sections (rollback SQL).
    public static let downSections = LayoutCapabilities(rawValue: 2)
    /// File names with a numeric prefix that orders them (`0001_...`).
    public static let numberedFiles = LayoutCapabilities(rawValue: 4)
    /// `-- UP MIGRATION` / `-- DOWN MIGRATION` comment markers in one file.
    public static let sectionMarkers = LayoutCapabilities(rawValue: 8)
}

/// A SQL example a rule's test runs. In a triggering example each `↓` marks where a finding must
/// start; the marks are removed before the SQL is read. `earlier` files are linted first, in
/// order, so an example can show a schema built before it or a set of files.
public struct Example: Sendable {
    public var sql: String
    public var fileName: String
    public var earlier: [(fileName: String, sql: String)]
    public var layout: LayoutKind
    public var dialects: [Dialect]
    /// The git history the example assumes (`strata check`), or nil for plain linting.
    public var history: ExampleHistory?
    /// Files other than the example's own where a finding is expected at 1:1 (a deleted file).
    public var expectedElsewhere: [String]
    /// The database releases the example targets (version-gated rules); the defaults otherwise.
    public var versions: DialectVersions
    /// Where the example is written, so a failing example points at itself.
    public var sourceFile: String
    public var sourceLine: Int

    public init(_ sql: String, fileName: String = "0002_example.sql",
                earlier: [(fileName: String, sql: String)] = [], layout: LayoutKind = .strata,
                dialects: [Dialect] = Dialect.allCases, history: ExampleHistory? = nil,
                expectedElsewhere: [String] = [], versions: DialectVersions = DialectVersions(),
                file: StaticString = #filePath, line: UInt = #line) {
        self.versions = versions
        self.history = history
        self.expectedElsewhere = expectedElsewhere
        self.sql = sql
        self.fileName = fileName
        self.earlier = earlier
        self.layout = layout
        self.dialects = dialects
        self.sourceFile = "\(file)"
        self.sourceLine = Int(line)
    }
}

/// The history an example assumes: files at the merge base (applied) and extra files on the
/// base branch's tip. An applied file missing from the example's files is deleted, or renamed
/// when a new file holds its SQL (`MigrationRenames`, as `strata check` finds them).
public struct ExampleHistory: Sendable {
    public var applied: [(fileName: String, sql: String)]
    public var baseTip: [String]

    public init(applied: [(fileName: String, sql: String)] = [], baseTip: [String] = []) {
        self.applied = applied
        self.baseTip = baseTip
    }
}

public struct RuleDescription: Sendable {
    /// The public id, used in configuration, suppressions and reports: `missing-down`.
    public var id: String
    public var summary: String
    public var rationale: String
    /// The safe alternative, printed under each finding.
    public var help: String?
    public var defaultSeverity: Severity
    /// The default on layouts whose tool runs a migration without DOWN SQL
    /// (`LayoutKind.downIsOptional`), when it differs from `defaultSeverity`.
    public var defaultSeverityWhereDownIsOptional: Severity?
    /// Off unless enabled in `strata.yml`.
    public var optIn: Bool
    /// Layout capabilities the rule needs (metadata rules need `.metadata`).
    public var requires: LayoutCapabilities
    /// Dialects the rule applies to.
    public var dialects: Set<Dialect>
    /// Whether `-- strata:ignore` can silence it (a file that is not text cannot carry a comment).
    public var suppressible: Bool
    /// Whether a suppressions file (`strata-suppressions.json`) can cover its findings: never
    /// when `-- strata:ignore` cannot, nor for findings about an applied migration that
    /// changed (those are never legacy: they are the change under review).
    public var bulkSuppressible: Bool
    /// Runs only with git history (`strata check`), not in `strata lint`.
    public var needsHistory: Bool
    /// Runs on migrations that are not SQL (a goose Go migration: `MigrationFile.nonSQL`) as on
    /// SQL ones: the rules about names, order and history. Others skip them.
    public var readsNonSQLFiles: Bool
    /// What PostgreSQL does with a statement the rule reports, as `strata trace` can see it
    /// (lock and rewrite rules); nil for rules whose findings a trace cannot confirm.
    public var traceExpectation: TraceExpectation?
    /// Built when first asked for (tests, `strata explain`): every command reads the
    /// descriptions, and writing out hundreds of example files costs more than the rest.
    public var triggeringExamples: [Example] { examples().triggering }
    public var nonTriggeringExamples: [Example] { examples().nonTriggering }
    private let examples: @Sendable () -> (triggering: [Example], nonTriggering: [Example])

    /// The severity the rule runs at on `layout` when `strata.yml` does not set one.
    public func defaultSeverity(on layout: LayoutKind) -> Severity {
        layout.downIsOptional ? defaultSeverityWhereDownIsOptional ?? defaultSeverity : defaultSeverity
    }

    public init(id: String, summary: String, rationale: String, help: String? = nil,
                defaultSeverity: Severity, defaultSeverityWhereDownIsOptional: Severity? = nil,
                optIn: Bool = false, requires: LayoutCapabilities = [],
                dialects: Set<Dialect> = Set(Dialect.allCases), suppressible: Bool = true,
                bulkSuppressible: Bool = true, needsHistory: Bool = false, readsNonSQLFiles: Bool = false,
                traceExpectation: TraceExpectation? = nil,
                triggeringExamples: @autoclosure @escaping @Sendable () -> [Example],
                nonTriggeringExamples: @autoclosure @escaping @Sendable () -> [Example]) {
        self.needsHistory = needsHistory
        self.readsNonSQLFiles = readsNonSQLFiles
        self.traceExpectation = traceExpectation
        self.id = id
        self.summary = summary
        self.rationale = rationale
        self.help = help
        self.defaultSeverity = defaultSeverity
        self.defaultSeverityWhereDownIsOptional = defaultSeverityWhereDownIsOptional
        self.optIn = optIn
        self.requires = requires
        self.dialects = dialects
        self.suppressible = suppressible
        self.bulkSuppressible = suppressible && bulkSuppressible
        self.examples = { (triggeringExamples(), nonTriggeringExamples()) }
    }
}

/// A lint rule: pure, given a `RuleContext`, it returns violations. It reads no file,
/// environment, repository or database.
public protocol Rule: Sendable {
    static var description: RuleDescription { get }
    init()
    func check(_ context: RuleContext) -> [Violation]
}

extension Rule {
    public var description: RuleDescription { Self.description }
}
