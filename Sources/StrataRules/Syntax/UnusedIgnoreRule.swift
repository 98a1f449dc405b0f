import StrataCore

/// Suppression comments that name no rule Strata knows, sit where they cannot apply, or (checked
/// by the engine after the other rules ran) silence nothing.
public struct UnusedIgnoreRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "unused-ignore",
        summary: "A strata:ignore comment names an unknown rule, is misplaced, or silences nothing",
        rationale: """
            A suppression that silently does nothing is worse than none: a typo in the rule id, or \
            an ignore comment left behind after the statement changed, makes readers believe a \
            hazard was reviewed when the check is in fact still running, or never was. Every \
            suppression must name known rules and cover a finding.
            """,
        help: "fix the rule id (`strata rules` lists them), or remove the comment",
        defaultSeverity: .warning,
        triggeringExamples: [
            Example("-- strata:ignore ↓drop-tabel\nDROP TABLE users;\n", layout: .plain),
            Example("CREATE TABLE a (id INT PRIMARY KEY);\n-- strata:ignore unindexed-column, ↓no-such-rule reviewed by the DBA\nCREATE TABLE b (a_id INT REFERENCES a (id));\n",
                    layout: .plain),
            Example("-- strata:ignore ↓parse-error\nSELECT 'open;\n", layout: .plain),
            Example(ExampleFile.migration("CREATE TABLE a (id INT PRIMARY KEY);\n-- strata:ignore ↓missing-down\nCREATE TABLE b (id INT PRIMARY KEY);")),
            Example("SELECT 1;\n↓-- strata:ignore-file unindexed-column\n", layout: .plain),
            Example("↓-- strata:ignore\nSELECT 1;\n", layout: .plain),
        ],
        nonTriggeringExamples: [
            Example("-- strata:ignore-file unindexed-column\nCREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (a_id INT REFERENCES a (id));\n",
                    layout: .plain),
            Example(ExampleFile.migration("""
                CREATE TABLE a (id INT PRIMARY KEY);
                -- strata:ignore unindexed-column small lookup table, never joined
                CREATE TABLE b (id INT PRIMARY KEY, a_id INT REFERENCES a (id));
                """, down: "DROP TABLE b;\nDROP TABLE a;")),
            Example("-- a comment that mentions strata:ignore only in passing\nSELECT 1;\n", layout: .plain),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        var violations: [Violation] = []
        for suppression in context.file.suppressions {
            if suppression.rules.isEmpty {
                violations.append(Violation(range: suppression.range,
                                            message: "suppression names no rule",
                                            help: "name the rules to silence: `-- strata:ignore RULE[,RULE] reason`"))
            }
            if suppression.misplaced {
                violations.append(Violation(range: suppression.range,
                                            message: "strata:ignore-file is only read in the file's header",
                                            help: "move it above the first statement\(context.capabilities.contains(.sectionMarkers) ? " (above `\(context.file.layout.upMarker)`)" : "")"))
                continue
            }
            for (id, range) in suppression.rules where !context.knownRules.contains(id) {
                let hint = Suggestion.hint(for: id, in: context.knownRules)
                violations.append(Violation(range: range, message: "unknown rule '\(id)' in suppression\(hint)"))
            }
        }
        return violations
    }
}
