import StrataCore

/// SARIF 2.1.0, for GitHub code scanning and other tools that read static-analysis results.
///
/// One run: the `strata` driver with every known rule (`name` is the id in UpperCamelCase,
/// `fullDescription` its rationale, `defaultConfiguration.level` its default severity), then one
/// result per diagnostic pointing at its rule by `ruleId` and `ruleIndex`. Paths are written as
/// relative URI references, percent-encoded. Columns count Unicode scalars, as the run's
/// `columnKind` says. Pretty-printed with two-space indentation, one trailing newline.
public struct SARIFReporter: Reporter {
    public static let identifier = "sarif"
    public static let description = "SARIF 2.1.0 for GitHub code scanning and other SARIF viewers"

    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    public static let sarifVersion = "2.1.0"
    public static let toolName = "strata"

    /// Strata's version, `tool.driver.version`.
    public var version: String
    /// Strata's home page, `tool.driver.informationUri`; left out when nil.
    public var informationURI: String?

    public init(version: String, informationURI: String? = nil) {
        self.version = version
        self.informationURI = informationURI
    }

    public func writer(rules: [RuleDescription], to output: ReportOutput) -> any ReportWriter {
        var ruleIndex: [String: Int] = [:]
        for (index, rule) in rules.enumerated() where ruleIndex[rule.id] == nil {
            ruleIndex[rule.id] = index
        }
        var driver: [(key: String, value: JSONValue)] = [("name", .string(Self.toolName))]
        if let informationURI { driver.append(("informationUri", .string(informationURI))) }
        driver.append(("version", .string(version)))
        driver.append(("rules", .array(rules.map(Self.reportingDescriptor))))
        let tool = JSONValue.object([("driver", .object(driver))])
        // The log as `JSONValue.pretty` lays it out, written around the results as they come.
        output.write("{\n  \"$schema\": ")
        output.writeJSONString(Self.schemaURI)
        output.write(",\n  \"version\": ")
        output.writeJSONString(Self.sarifVersion)
        output.write(",\n  \"runs\": [\n    {\n      \"tool\": ")
        output.write(tool.pretty(indent: 2, depth: 3))
        output.write(",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [")
        return Writer(output: output, ruleIndex: ruleIndex)
    }

    private final class Writer: ReportWriter {
        let output: ReportOutput
        let ruleIndex: [String: Int]
        var results = 0

        init(output: ReportOutput, ruleIndex: [String: Int]) {
            self.output = output
            self.ruleIndex = ruleIndex
        }

        func add(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics {
                output.write(results == 0 ? "\n        " : ",\n        ")
                output.write(SARIFReporter.result(diagnostic, ruleIndex: ruleIndex[diagnostic.rule]).pretty(indent: 2, depth: 4))
                results += 1
            }
        }

        func end(_ summary: LintSummary) {
            output.write(results == 0 ? "]" : "\n      ]")
            output.write("\n    }\n  ]\n}\n")
        }
    }

    // MARK: - Pieces

    private static func reportingDescriptor(_ rule: RuleDescription) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(rule.id)),
            ("name", .string(upperCamelCase(rule.id))),
            ("shortDescription", .object([("text", .string(rule.summary))])),
            ("fullDescription", .object([("text", .string(rule.rationale))])),
        ]
        if let help = rule.help {
            members.append(("help", .object([("text", .string(help))])))
        }
        members.append(("defaultConfiguration", .object([("level", .string(level(rule.defaultSeverity)))])))
        return .object(members)
    }

    /// A result. `ruleIndex` is left out for a rule missing from the rules given (the result
    /// still names it by `ruleId`).
    private static func result(_ diagnostic: Diagnostic, ruleIndex: Int?) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("ruleId", .string(diagnostic.rule))]
        if let ruleIndex { members.append(("ruleIndex", .int(ruleIndex))) }
        members += [
            ("level", .string(level(diagnostic.severity))),
            ("message", .object([("text", .string(diagnostic.message))])),
            ("locations", .array([
                .object([
                    ("physicalLocation", .object([
                        ("artifactLocation", .object([("uri", .string(uriReference(diagnostic.file)))])),
                        ("region", .object([
                            ("startLine", .int(diagnostic.line)),
                            ("startColumn", .int(diagnostic.column)),
                        ])),
                    ])),
                ]),
            ])),
        ]
        return .object(members)
    }

    private static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .note: "note"
        }
    }

    /// `ban-drop-column` → `BanDropColumn`.
    static func upperCamelCase(_ id: String) -> String {
        id.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined()
    }

    /// A file path as a relative URI reference: unreserved characters and `/` kept, every other
    /// byte of its UTF-8 percent-encoded (`0002_add café.sql` → `0002_add%20caf%C3%A9.sql`).
    static func uriReference(_ path: String) -> String {
        let hexDigits = Array("0123456789ABCDEF")
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(hexDigits[Int(byte >> 4)]) + String(hexDigits[Int(byte & 0xF)])
            }
        }
        return out
    }
}
