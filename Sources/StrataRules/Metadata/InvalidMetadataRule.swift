import StrataCore

public struct InvalidMetadataRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "invalid-metadata",
        summary: "A metadata value is malformed, a key is given twice, or a key is unknown",
        rationale: """
            Metadata drives behaviour: the applier orders by @dependencies, refuses rollbacks by \
            @rollbackSafe, and runs without a transaction on `@transaction: false`. A value that \
            does not parse would be read as absent, and a key given twice leaves it unclear which \
            one counts. Unknown keys are usually typos (`@rollbacksafe`) and are reported as \
            warnings under this id.
            """,
        help: "give each key once, spelled as documented, with a value in its documented form (`@rollbackSafe: true`, `@dependencies: [\"0001_init\"]`)",
        defaultSeverity: .error,
        requires: .metadata,
        triggeringExamples: [
            Example(ExampleFile.migration("SELECT 1;", rollbackSafe: "↓yes")),
            Example(ExampleFile.migration("SELECT 1;", dependencies: "↓0001_init")),
            Example(ExampleFile.migration("SELECT 1;", dependencies: "↓[\"0001_init\", 2]")),
            Example(ExampleFile.migration("SELECT 1;").replacingOccurrences(of: "2024-01-01T00:00:00Z", with: "↓2024-13-01")),
            Example(ExampleFile.migration("SELECT 1;").replacingOccurrences(of: "@performanceImpact: low", with: "@performanceImpact: ↓extreme")),
            Example("-- ↓@rollbacksafe: true\n" + ExampleFile.migration("SELECT 1;")),
            Example(ExampleFile.migration("SELECT 1;").replacingOccurrences(of: "-- UP MIGRATION", with: "-- ↓@name: Again\n-- UP MIGRATION")),
            Example(ExampleFile.migration("SELECT 1;").replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: ↓no\n-- UP MIGRATION")),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("SELECT 1;", rollbackSafe: "false", dependencies: "[\"0001_init\"]"),
                    earlier: [("0001_init.sql", ExampleFile.migration("SELECT 1;"))]),
            Example(ExampleFile.migration("SELECT 1;").replacingOccurrences(of: "2024-01-01T00:00:00Z", with: "2024-02-29T23:59:59.250+05:30")),
            Example(ExampleFile.migration("SELECT 1;").replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: false\n-- UP MIGRATION")),
            Example("-- @anything: goes in a plain file\nSELECT 1;\n", layout: .plain),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        var violations: [Violation] = []
        // A header has a handful of keys: a list is cheaper to search than a set is to build.
        var seen: [String] = []
        seen.reserveCapacity(context.file.metadata.count)
        for entry in context.file.metadata {
            guard !seen.contains(entry.key) else {
                violations.append(Violation(range: entry.keyRange, message: "@\(entry.key) is given twice",
                                            help: "keep one @\(entry.key) line"))
                continue
            }
            seen.append(entry.key)
            guard let key = MetadataKey(rawValue: entry.key) else {
                let known = MetadataKey.allCases.map(\.rawValue)
                let hint = Suggestion.hint(for: entry.key, in: known)
                violations.append(Violation(range: entry.keyRange, message: "unknown metadata key @\(entry.key)\(hint)",
                                            help: "known keys: \(known.map { "@\($0)" }.joined(separator: ", "))",
                                            severity: .warning))
                continue
            }
            if let problem = Self.problem(with: entry.value, for: key) {
                let range = entry.value.isEmpty ? entry.keyRange : entry.valueRange
                violations.append(Violation(range: range, message: "@\(key.rawValue) \(problem.message)", help: problem.help))
            }
        }
        return violations
    }

    static func problem(with value: String, for key: MetadataKey) -> (message: String, help: String)? {
        if value.isEmpty { return ("has no value", "write `-- @\(key.rawValue): VALUE`") }
        switch key {
        case .name, .description:
            return nil
        case .timestamp:
            return MetadataValue.isISO8601Timestamp(value) ? nil
                : ("is not an ISO-8601 date and time: '\(value)'", "write it as 2024-01-01T12:00:00Z (a zone is required)")
        case .rollbackSafe, .transaction:
            return MetadataValue.parseBool(value) != nil ? nil
                : ("must be true or false, not '\(value)'", "write `true` or `false` in lower case")
        case .performanceImpact:
            return PerformanceImpact(rawValue: value) != nil ? nil
                : ("must be low, medium or high, not '\(value)'", "write `low`, `medium` or `high`")
        case .dependencies:
            do {
                let ids = try MetadataValue.parseDependencies(value)
                var seen = Set<String>()
                if let repeated = ids.first(where: { !seen.insert($0).inserted }) {
                    return ("lists '\(repeated)' twice", "list each migration id once")
                }
                return nil
            } catch .notString(let index) {
                return ("element \(index + 1) is not a string", "quote every id: [\"0001_init\"]")
            } catch {
                return ("is not a JSON array of migration ids: '\(value)'", "write [] or [\"0001_init\", \"0002_users\"]")
            }
        }
    }
}
