import StrataCore

/// Machine-readable JSON, compact, keys in a fixed order, one trailing newline:
///
/// ```json
/// {"version":1,"summary":{"files":2,"errors":1,"warnings":0},"diagnostics":[{"file":"db/0002.sql",
/// "line":3,"column":1,"severity":"error","rule":"ban-drop-column","message":"...","help":null}]}
/// ```
///
/// `version` is the format's version, raised only when a key changes meaning or goes away.
public struct JSONReporter: Reporter {
    public static let identifier = "json"
    public static let description = "JSON: a summary and every diagnostic, keys in a fixed order"

    /// The version of this JSON format.
    public static let formatVersion = 1

    public init() {}

    public func report(_ result: LintResult, rules: [RuleDescription]) -> String {
        let document: JSONValue = .object([
            ("version", .int(Self.formatVersion)),
            ("summary", .object([
                ("files", .int(result.fileCount)),
                ("errors", .int(result.errorCount)),
                ("warnings", .int(result.warningCount)),
            ])),
            ("diagnostics", .array(result.diagnostics.map { diagnostic in
                .object([
                    ("file", .string(diagnostic.file)),
                    ("line", .int(diagnostic.line)),
                    ("column", .int(diagnostic.column)),
                    ("severity", .string(diagnostic.severity.rawValue)),
                    ("rule", .string(diagnostic.rule)),
                    ("message", .string(diagnostic.message)),
                    ("help", .optional(diagnostic.help)),
                ])
            })),
        ])
        return document.compact() + "\n"
    }
}
