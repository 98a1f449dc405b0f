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
/// two-space indentation, keys in `SARIFLog`'s order, one trailing newline.
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
        let run = run(rules: rules, results: [])
        // The log as `SARIFLog` lays it out, written around the results as they come.
        var json = PrettyJSON(output)
        json.open("{")
        json.key("$schema")
        output.writeJSONString(Self.schemaURI)
        json.key("version")
        output.writeJSONString(Self.sarifVersion)
        json.key("runs")
        json.open("[")
        json.element()
        json.open("{")
        json.key("tool")
        json.open("{")
        json.key("driver")
        json.write(run.tool.driver)
        json.close("}")
        if let bases = run.originalUriBaseIds {
            json.key("originalUriBaseIds")
            json.open("{")
            for (id, location) in bases.sorted(by: { $0.key < $1.key }) {
                json.key(id)
                json.write(location)
            }
            json.close("}")
        }
        json.key("columnKind")
        output.writeJSONString(run.columnKind)
        json.key("results")
        json.open("[")
        return Writer(json: json, ruleIndex: ruleIndex, repository: repository)
    }

    private final class Writer: ReportWriter {
        var json: PrettyJSON
        let ruleIndex: [String: Int]
        let repository: RepositoryPaths?

        init(json: PrettyJSON, ruleIndex: [String: Int], repository: RepositoryPaths?) {
            self.json = json
            self.ruleIndex = ruleIndex
            self.repository = repository
        }

        func add(_ diagnostics: [Diagnostic]) {
            for diagnostic in diagnostics {
                json.element()
                json.write(SARIFReporter.result(diagnostic, ruleIndex: ruleIndex[diagnostic.rule], repository: repository))
            }
        }

        func end(_ summary: LintSummary) {
            json.close("]")
            json.close("}")
            json.close("]")
            json.close("}")
            json.output.write("\n")
        }
    }

    // MARK: - The log as a value

    /// The whole log of a finished run, as the writer streams it.
    public func log(_ result: LintResult, rules: [RuleDescription]) -> SARIFLog {
        var ruleIndex: [String: Int] = [:]
        for (index, rule) in rules.enumerated() where ruleIndex[rule.id] == nil {
            ruleIndex[rule.id] = index
        }
        let results = result.diagnostics.map { Self.result($0, ruleIndex: ruleIndex[$0.rule], repository: repository) }
        return SARIFLog(schema: Self.schemaURI, version: Self.sarifVersion, runs: [run(rules: rules, results: results)])
    }

    private func run(rules: [RuleDescription], results: [SARIFLog.Result]) -> SARIFLog.Run {
        let driver = SARIFLog.Driver(name: Self.toolName, informationUri: informationURI, version: version,
                                     rules: rules.map(reportingDescriptor))
        let bases = repository.map { [Self.sourceRootID: SARIFLog.ArtifactLocation(uri: Self.directoryURI($0.root))] }
        return SARIFLog.Run(tool: .init(driver: driver), originalUriBaseIds: bases, columnKind: "unicodeCodePoints", results: results)
    }

    private func reportingDescriptor(_ rule: RuleDescription) -> SARIFLog.ReportingDescriptor {
        SARIFLog.ReportingDescriptor(
            id: rule.id, name: Self.upperCamelCase(rule.id), shortDescription: .init(text: rule.summary),
            fullDescription: .init(text: rule.rationale), help: rule.help.map { .init(text: $0) }, helpUri: helpURI(rule),
            defaultConfiguration: .init(level: Self.level(rule.defaultSeverity)))
    }

    /// A rule's documentation page (`helpUri`), as `ruleDocs` places it.
    func helpURI(_ rule: RuleDescription) -> String? {
        ruleDocs?.url(rule: rule.id, version: version)
    }

    /// Where a finding's file is: from the repository's root when inside it, an absolute
    /// `file://` URI when outside; without a repository, the path as the finding names it.
    static func artifactLocation(_ file: String, repository: RepositoryPaths?) -> SARIFLog.ArtifactLocation {
        guard let repository else { return .init(uri: uriReference(file)) }
        guard let path = repository.relative(file) else {
            return .init(uri: "file://" + uriReference(repository.absolute(file)))
        }
        return .init(uri: uriReference(path), uriBaseId: sourceRootID)
    }

    /// A folder as a `file://` URI ending in `/` (SARIF's `originalUriBaseIds` entries must).
    static func directoryURI(_ path: String) -> String {
        "file://" + uriReference(path.hasSuffix("/") ? path : path + "/")
    }

    /// A result. `ruleIndex` is left out for a rule missing from the rules given (the result
    /// still names it by `ruleId`).
    static func result(_ diagnostic: Diagnostic, ruleIndex: Int?, repository: RepositoryPaths?) -> SARIFLog.Result {
        let region = SARIFLog.Region(startLine: diagnostic.line, startColumn: diagnostic.column)
        let location = SARIFLog.PhysicalLocation(artifactLocation: artifactLocation(diagnostic.file, repository: repository), region: region)
        return SARIFLog.Result(ruleId: diagnostic.rule, ruleIndex: ruleIndex, level: level(diagnostic.severity),
                               message: .init(text: diagnostic.message), locations: [.init(physicalLocation: location)])
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
