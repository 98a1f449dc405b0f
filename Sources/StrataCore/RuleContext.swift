import StrataSyntax

/// What the rules know about the set of migrations being linted: enough for the set-level
/// checks (numbers, dependencies, cycles) without holding every file.
public struct MigrationSetInfo: Sendable {
    /// Every migration id in the set.
    public var ids: Set<String>
    /// Ids by numeric prefix, in order.
    public var idsByNumber: [String: [String]]
    /// For each migration in a dependency cycle, the cycle through it (`a → b → a`).
    public var cycles: [String: DependencyCycle]

    public init(ids: Set<String> = [], idsByNumber: [String: [String]] = [:], cycles: [String: DependencyCycle] = [:]) {
        self.ids = ids
        self.idsByNumber = idsByNumber
        self.cycles = cycles
    }
}

/// Everything a rule may look at for one file. Rules are pure functions of this.
public struct RuleContext: Sendable {
    public let file: MigrationFile
    public let migrations: MigrationSetInfo
    /// The schema after replaying every earlier migration and this file's UP section; objects
    /// record the migration that created them, so "new in this file" is answerable.
    public let schema: SchemaModel
    public let dialect: Dialect
    public let capabilities: LayoutCapabilities
    /// Every rule id Strata knows, enabled or not (suppressions naming others are findings).
    public let knownRules: Set<String>
    /// What git says of the migrations (`strata check`); nil for `strata lint`.
    public let history: HistoryFacts?
    /// The database releases the migrations target (`postgres.version`, `sqlite.version`).
    public let versions: DialectVersions
    /// The tables this file's UP section changes, as they were before it (nil: not there).
    public let tablesBefore: [String: SchemaModel.Table?]
    /// Facts of the UP section many rules ask per statement, computed once per file.
    let upFacts: UpSectionFacts
    /// Whether the `note` findings rules leave (skipped for a table new in this change) are
    /// shown; when they are not, `skipped` does not word them.
    public var notesWanted = true
    /// The lock_timeout the applier sets for each migration's statements
    /// (`postgres.statement_lock_timeout` in strata.yml); nil when it sets none.
    public var applierLockTimeout: Duration?
    /// What rules of one family work out from the file and share (every ALTER TABLE action,
    /// say), computed by the first rule that asks.
    public let memo = RuleMemo()

    public init(file: MigrationFile, migrations: MigrationSetInfo, schema: SchemaModel, dialect: Dialect,
                capabilities: LayoutCapabilities, knownRules: Set<String>, history: HistoryFacts? = nil,
                versions: DialectVersions = DialectVersions(), tablesBefore: [String: SchemaModel.Table?] = [:]) {
        self.versions = versions
        self.tablesBefore = tablesBefore
        self.upFacts = UpSectionFacts(file.up?.statements ?? [])
        self.knownRules = knownRules
        self.history = history
        self.file = file
        self.migrations = migrations
        self.schema = schema
        self.dialect = dialect
        self.capabilities = capabilities
    }

    /// The file's text; rules only run on files that are text.
    public var source: SourceText { file.source! }

    /// The UP section's statements (empty when there is none).
    public var upStatements: [Statement] { file.up?.statements ?? [] }
}

/// Values worked out once per file and shared by the rules that need them, keyed by a type
/// the asking rule family owns:
///
/// ```swift
/// enum AlterActionsKey {}
/// let actions = context.memo.value(AlterActionsKey.self) { computeActions(context) }
/// ```
///
/// A context, and so its memo, is used by one thread: each file is checked by one lane.
public final class RuleMemo: @unchecked Sendable {
    /// Values boxed by type: an `Any` would need a dynamic cast on every read, and rules read
    /// these per statement.
    private var boxes: [ObjectIdentifier: AnyObject] = [:]

    private final class Box<Value> {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    public init() {}

    public func value<Key, Value>(_ key: Key.Type, _ make: () -> Value) -> Value {
        let id = ObjectIdentifier(key)
        if let box = boxes[id], type(of: box) == Box<Value>.self {
            return unsafeDowncast(box, to: Box<Value>.self).value
        }
        let value = make()
        boxes[id] = Box(value)
        return value
    }
}
