import Foundation

/// Prometheus' text exposition format (version 0.0.4), as node_exporter's textfile collector
/// and a Pushgateway read it: for each metric family a `# HELP` line, a `# TYPE` line, then
/// its samples, `name{label="value",...} number`.
///
/// ```swift
/// var text = PrometheusText()
/// text.family("strata_rollbacks_total", .counter, help: "Rollbacks recorded.")
/// text.sample("strata_rollbacks_total", ["database": "sqlite:app.db"], 2)
/// text.output   // "# HELP strata_rollbacks_total Rollbacks recorded.\n# TYPE ...\nstrata_rollbacks_total{database=\"sqlite:app.db\"} 2\n"
/// ```
public struct PrometheusText: Sendable {
    public enum MetricType: String, Sendable { case counter, gauge }

    public private(set) var output = ""
    private var declared: Set<String> = []

    public init() {}

    /// Starts a family. Each name is declared once; its samples follow before the next family.
    public mutating func family(_ name: String, _ type: MetricType, help: String) {
        precondition(Self.isValidName(name) && !declared.contains(name), "metric family \(name) declared twice or misnamed")
        declared.insert(name)
        output += "# HELP \(name) \(Self.escapedHelp(help))\n# TYPE \(name) \(type.rawValue)\n"
    }

    /// A sample of the family declared last; labels are written sorted by name.
    public mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        precondition(declared.contains(name), "sample of undeclared family \(name)")
        let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escapedLabelValue($0.value))\"" }
        output += name + (pairs.isEmpty ? "" : "{" + pairs.joined(separator: ",") + "}") + " " + Self.number(value) + "\n"
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, Character(first).isLetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && (Character($0).isLetter || Character($0).isNumber || $0 == "_" || $0 == ":") }
    }

    /// A label value: backslash, double quote and line feed escaped.
    public static func escapedLabelValue(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// HELP text: backslash and line feed escaped.
    static func escapedHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Whole numbers without a fraction; others with millisecond precision, trailing zeros cut.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text.hasSuffix(".") ? String(text.dropLast()) : text
    }
}
