import StrataSyntax

public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    /// Information only, shown with `--verbose` (a rule skipped for a table new on this branch);
    /// never fails a run.
    case note
    case warning
    case error

    var rank: Int {
        switch self {
        case .note: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A finding as reporters see it: a plain value with everything they print. Reporters only
/// format these; they decide nothing.
public struct Diagnostic: Sendable, Hashable {
    public var rule: String
    public var severity: Severity
    /// The path to show: the path given on the command line joined with the file's path below it.
    public var file: String
    public var range: SourceRange
    public var message: String
    public var help: String?
    public var notes: [String]
    /// The SQL `help` suggests, as statements, where the rule has a concrete one.
    public var suggestion: SuggestedSQL?

    public init(rule: String, severity: Severity, file: String, range: SourceRange, message: String,
                help: String? = nil, notes: [String] = [], suggestion: SuggestedSQL? = nil) {
        self.rule = rule
        self.severity = severity
        self.file = file
        self.range = range
        self.message = message
        self.help = help
        self.notes = notes
        self.suggestion = suggestion
    }

    public var line: Int { range.start.line }
    public var column: Int { range.start.column }

    /// Report order: by file (its path's bytes), then position, then rule id.
    public static func reportOrder(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        if a.file != b.file { return a.file.utf8.lexicographicallyPrecedes(b.file.utf8) }
        if a.range.start.offset != b.range.start.offset { return a.range.start.offset < b.range.start.offset }
        return a.rule < b.rule
    }
}

/// What a rule returns: where, what, and what to do instead. The engine turns it into a
/// `Diagnostic` (rule id, severity from configuration, file path) and applies suppressions.
public struct Violation: Sendable, Hashable {
    public var range: SourceRange
    public var message: String
    public var help: String?
    /// A lower severity than the rule's for this finding (an unknown metadata key is a warning
    /// under `invalid-metadata`); configuration can lower it further, never raise it.
    public var severity: Severity?
    /// The statements `help` suggests, when it suggests concrete SQL: the same text, as values
    /// (a test runs each on a real database).
    public var suggestion: SuggestedSQL?

    public init(range: SourceRange, message: String, help: String? = nil, severity: Severity? = nil,
                suggestion: SuggestedSQL? = nil) {
        self.range = range
        self.message = message
        self.help = help
        self.severity = severity
        self.suggestion = suggestion
    }

    public init(at position: SourcePosition, message: String, help: String? = nil, severity: Severity? = nil) {
        self.init(range: SourceRange(at: position), message: message, help: help, severity: severity)
    }
}

/// Concrete SQL a finding's help suggests: statements written for the file's dialect, names
/// quoted as that dialect needs them, and where they go.
public struct SuggestedSQL: Sendable, Hashable {
    public enum Placement: String, Sendable, Hashable {
        /// Just before the reported statement (`SET lock_timeout`).
        case before
        /// In place of the reported statement (`CREATE INDEX CONCURRENTLY ...`).
        case instead
        /// Right after the reported statement (the index a new foreign-key column lacks).
        case after
        /// After the UP section's last statement (what a table rebuild must create again).
        case atEnd
    }

    /// Each statement without its `;`.
    public var statements: [String]
    public var placement: Placement
    /// Whether the statements may run inside a transaction block (CONCURRENTLY may not).
    public var transactional: Bool

    public init(_ statements: [String], placement: Placement, transactional: Bool = true) {
        self.statements = statements
        self.placement = placement
        self.transactional = transactional
    }

    /// The statements as one line of SQL: `A; B;`.
    public var text: String {
        var out = ""
        out.reserveCapacity(statements.reduce(0) { $0 + $1.utf8.count + 2 })
        for (index, statement) in statements.enumerated() {
            if index > 0 { out += " " }
            out += statement
            out += ";"
        }
        return out
    }
}

/// The outcome of linting: every diagnostic, and how many files were read.
public struct LintResult: Sendable {
    public var diagnostics: [Diagnostic]
    public var fileCount: Int
    /// What the suppressions file covered, when the linter had one.
    public var bulk: BulkSuppressions.Tally?

    public init(diagnostics: [Diagnostic], fileCount: Int) {
        self.diagnostics = diagnostics
        self.fileCount = fileCount
    }

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}
