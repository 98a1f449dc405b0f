import StrataCore

/// SARIF 2.1.0, for GitHub code scanning and other tools that read static-analysis results.
///
/// One run: the `strata` driver with every known rule (`name` is the id in UpperCamelCase,
/// `fullDescription` its rationale, `defaultConfiguration.level` its default severity, `helpUri`
/// its page as `ruleDocs` places it), then one result per diagnostic pointing at its rule by
/// `ruleId` and `ruleIndex`. Paths are written as relative URI references, percent-encoded:
/// inside a git repository (`repository`), from its
/// root, with `uriBaseId` `%SRCROOT%`, which the run's `originalUriBaseIds` maps to the root's
/// `file://` URI (GitHub code scanning reads a relative path from the repository's root); a file
/// outside it as an absolute `file://` URI. Without a repository, paths as the findings name
/// them. Columns count Unicode scalars, as the run's `columnKind` says. Pretty-printed with
/// two-space indentation, one trailing newline.
public struct SARIFReporter: Reporter {
    public static let identifier = "sarif"
    public static let description = "SARIF 2.1.0 for GitHub code scanning and other SARIF viewers"

    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    public static let sarifVersion = "2.1.0"
    public static let toolName = "strata"
    /// The base id of paths from the repository's root.
    public static let sourceRootID = "%SRCROOT%"

    /// Strata's version, `tool.driver.version`.
    public var version: String
    /// Strata's home page, `tool.driver.informationUri`; left out when nil.
    public var informationURI: String?
    /// Where each rule's page is, its `helpUri`; left out when nil.
    public var ruleDocs: RuleDocsURL?
    /// The git repository paths start from; nil: paths as the findings name them.
    public var repository: RepositoryPaths?

    public init(version: String, informationURI: String? = nil, ruleDocs: RuleDocsURL? = nil,
                repository: RepositoryPaths? = nil) {
        self.version = version
        self.informationURI = informationURI
        self.ruleDocs = ruleDocs
        self.repository = repository
    }

    public func writer(rules: [RuleDescription], to output: ReportOutput) -> any ReportWriter {
        var ruleIndex: [String: Int] = [:]
        for (index, rule) in rules.enumerated() where ruleIndex[rule.id] == nil {
            ruleIndex[rule.id] = index
        }
        var driver: [(key: String, value: JSONValue)] = [("name", .string(Self.toolName))]
        if let informationURI { driver.append(("informationUri", .string(informationURI))) }
        driver.append(("version", .string(version)))
        driver.append(("rules", .array(rules.map(reportingDescriptor))))
        let tool = JSONValue.object([("driver", .object(driver))])
        // The log as `JSONValue.pretty` lays it out, written around the results as they come.
        output.write("{\n  \"$schema\": ")
        output.writeJSONString(Self.schemaURI)
        output.write(",\n  \"version\": ")
        output.writeJSONString(Self.sarifVersion)
        output.write(",\n  \"runs\": [\n    {\n      \"tool\": ")
        output.write(tool.pretty(indent: 2, depth: 3))
        if let repository {
            let bases = JSONValue.object([(Self.sourceRootID, .object([("uri", .string(Self.directoryURI(repository.root)))]))])
            output.write(",\n      \"originalUriBaseIds\": ")
            output.write(bases.pretty(indent: 2, depth: 3))
        }
        output.write(",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [")
        return Writer(output: output, ruleIndex: ruleIndex, repository: repository)
    }

    private final class Writer: ReportWriter {
        let output: ReportOutput
        let ruleIndex: [String: Int]
        let repository: RepositoryPaths?
        var results = 0

        init(output: ReportOutput, ruleIndex: [String: Int], repository: RepositoryPaths?) {
            self.output = output
            self.ruleIndex = ruleIndex
            self.repository = repository
        }

        func add(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics {
                output.write(results == 0 ? "\n        " : ",\n        ")
                let location = SARIFReporter.artifactLocation(diagnostic.file, repository: repository)
                output.write(SARIFReporter.result(diagnostic, ruleIndex: ruleIndex[diagnostic.rule], location: location)
                    .pretty(indent: 2, depth: 4))
                results += 1
            }
        }

        func end(_ summary: LintSummary) {
            output.write(results == 0 ? "]" : "\n      ]")
            output.write("\n    }\n  ]\n}\n")
        }
    }

    // MARK: - Pieces

    private func reportingDescriptor(_ rule: RuleDescription) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(rule.id)),
            ("name", .string(Self.upperCamelCase(rule.id))),
            ("shortDescription", .object([("text", .string(rule.summary))])),
            ("fullDescription", .object([("text", .string(rule.rationale))])),
        ]
        if let help = rule.help {
            members.append(("help", .object([("text", .string(help))])))
        }
        if let helpURI = helpURI(rule) {
            members.append(("helpUri", .string(helpURI)))
        }
        members.append(("defaultConfiguration", .object([("level", .string(Self.level(rule.defaultSeverity)))])))
        return .object(members)
    }

    /// A rule's documentation page (`helpUri`), as `ruleDocs` places it.
    func helpURI(_ rule: RuleDescription) -> String? {
        ruleDocs?.url(rule: rule.id, version: version)
    }

    /// Where a finding's file is: from the repository's root when inside it, an absolute
    /// `file://` URI when outside; without a repository, the path as the finding names it.
    static func artifactLocation(_ file: String, repository: RepositoryPaths?) -> JSONValue {
        guard let repository else { return .object([("uri", .string(uriReference(file)))]) }
        guard let path = repository.relative(file) else {
            return .object([("uri", .string("file://" + uriReference(repository.absolute(file))))])
        }
        return .object([("uri", .string(uriReference(path))), ("uriBaseId", .string(sourceRootID))])
    }

    /// A folder as a `file://` URI ending in `/` (SARIF's `originalUriBaseIds` entries must).
    static func directoryURI(_ path: String) -> String {
        "file://" + uriReference(path.hasSuffix("/") ? path : path + "/")
    }

    /// A result. `ruleIndex` is left out for a rule missing from the rules given (the result
    /// still names it by `ruleId`).
    private static func result(_ diagnostic: Diagnostic, ruleIndex: Int?, location: JSONValue) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("ruleId", .string(diagnostic.rule))]
        if let ruleIndex { members.append(("ruleIndex", .int(ruleIndex))) }
        members += [
            ("level", .string(level(diagnostic.severity))),
            ("message", .object([("text", .string(diagnostic.message))])),
            ("locations", .array([
                .object([
                    ("physicalLocation", .object([
                        ("artifactLocation", location),
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
