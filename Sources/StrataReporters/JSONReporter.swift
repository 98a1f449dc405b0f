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
        var out = ""
        out.reserveCapacity(result.diagnostics.count * 300 + 100)
        write(result, rules: rules, to: &out)
        return out
    }

    /// Written a diagnostic at a time: a tree of values for tens of thousands of findings cost
    /// more memory than the findings themselves.
    public func write<Output: TextOutputStream>(_ result: LintResult, rules: [RuleDescription], to output: inout Output) {
        output.write("{\"version\":\(Self.formatVersion),\"summary\":{\"files\":\(result.fileCount),"
            + "\"errors\":\(result.errorCount),\"warnings\":\(result.warningCount)},\"diagnostics\":[")
        for (n, diagnostic) in result.diagnostics.enumerated() {
            var out = n > 0 ? ",{\"file\":" : "{\"file\":"
            out += JSONValue.quote(diagnostic.file)
            out += ",\"line\":\(diagnostic.line),\"column\":\(diagnostic.column),\"severity\":\"\(diagnostic.severity.rawValue)\",\"rule\":"
            out += JSONValue.quote(diagnostic.rule)
            out += ",\"message\":"
            out += JSONValue.quote(diagnostic.message)
            out += ",\"help\":"
            out += diagnostic.help.map(JSONValue.quote) ?? "null"
            out += "}"
            output.write(out)
        }
        output.write("]}\n")
    }
}
