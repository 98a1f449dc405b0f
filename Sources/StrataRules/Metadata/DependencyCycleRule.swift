import StrataCore

public struct DependencyCycleRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "dependency-cycle",
        summary: "Migrations depend on each other in a cycle",
        rationale: """
            Migrations run in dependency order; a cycle (a needs b, b needs a, or a needs itself) \
            has no order. Every migration in the cycle is reported, with the cycle spelt out.
            """,
        help: "remove the dependency that points back; the later migration depends on the earlier one, never both ways",
        defaultSeverity: .error,
        requires: .metadata,
        triggeringExamples: [
            Example(ExampleFile.migration("SELECT 1;", dependencies: "↓[\"0002_example\"]")),
            Example(ExampleFile.migration("SELECT 1;", dependencies: "↓[\"0001_a\"]"),
                    earlier: [("0001_a.sql", ExampleFile.migration("SELECT 1;", dependencies: "[\"0002_example\"]"))]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("SELECT 1;", dependencies: "[\"0001_a\"]"),
                    earlier: [("0001_a.sql", ExampleFile.migration("SELECT 1;"))]),
            // A diamond: two paths to the same migration are not a cycle.
            Example(ExampleFile.migration("SELECT 1;", dependencies: "[\"0002_b\", \"0003_c\"]"), fileName: "0004_example.sql",
                    earlier: [("0001_a.sql", ExampleFile.migration("SELECT 1;")),
                              ("0002_b.sql", ExampleFile.migration("SELECT 1;", dependencies: "[\"0001_a\"]")),
                              ("0003_c.sql", ExampleFile.migration("SELECT 1;", dependencies: "[\"0001_a\"]"))]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard let cycle = context.migrations.cycles[context.file.id],
              let entry = context.file.entries(MetadataKey.dependencies.rawValue).first else { return [] }
        return [Violation(range: entry.valueRange, message: "dependency cycle: \(cycle)")]
    }
}
