import StrataCore

/// The document of the `json` format as a value: what `JSONReporter` streams, key by key, in
/// the order it documents, is this value's `StrataJSON` encoding (StreamedModelTests pins the
/// two to the same JSON). `strata verify --format json` lists its findings in the same shape.
public struct JSONReport: Encodable, Sendable, Equatable {
    public struct Summary: Encodable, Sendable, Equatable {
        public var files: Int
        public var errors: Int
        public var warnings: Int
        /// Only with a suppressions file: the findings it kept out of the report.
        public var suppressed: Int?
    }

    /// A finding: where, how severe, which rule, what, and what to do instead (`null` when
    /// the rule has nothing to say).
    public struct Finding: Encodable, Sendable, Equatable {
        public var file: String
        public var line: Int
        public var column: Int
        public var severity: String
        public var rule: String
        public var message: String
        @ExplicitNull public var help: String?

        public init(file: String, line: Int, column: Int, severity: String, rule: String, message: String, help: String?) {
            self.file = file
            self.line = line
            self.column = column
            self.severity = severity
            self.rule = rule
            self.message = message
            self.help = help
        }

        public init(_ diagnostic: Diagnostic) {
            self.init(file: diagnostic.file, line: diagnostic.line, column: diagnostic.column, severity: diagnostic.severity.rawValue,
                      rule: diagnostic.rule, message: diagnostic.message, help: diagnostic.help)
        }
    }

    public var version = JSONReporter.formatVersion
    public var summary: Summary
    public var diagnostics: [Finding]

    public init(_ diagnostics: [Diagnostic], summary: LintSummary) {
        self.summary = Summary(files: summary.fileCount, errors: summary.errorCount, warnings: summary.warningCount,
                               suppressed: summary.bulk?.suppressed)
        self.diagnostics = diagnostics.map(Finding.init)
    }
}
