import StrataCore
import StrataSyntax

public struct UnknownDependencyRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "unknown-dependency",
        summary: "@dependencies names a migration that is not in the set",
        rationale: """
            A dependency on a migration that does not exist (a typo, a renamed file, a migration \
            on another branch) cannot be honoured: the applier would order the file as if it had \
            no dependency and run it before what it needs.
            """,
        help: "use the id of an existing migration (its file name without .sql)",
        defaultSeverity: .error,
        requires: .metadata,
        triggeringExamples: [
            Example(ExampleFile.migration("SELECT 1;", dependencies: "[↓\"0001_intt\"]"),
                    earlier: [("0001_init.sql", ExampleFile.migration("SELECT 1;"))]),
            Example(ExampleFile.migration("SELECT 1;", dependencies: "[\"0001_init\", ↓\"0003_later\"]"),
                    earlier: [("0001_init.sql", ExampleFile.migration("SELECT 1;"))]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("SELECT 1;", dependencies: "[\"0001_init\"]"),
                    earlier: [("0001_init.sql", ExampleFile.migration("SELECT 1;"))]),
            Example(ExampleFile.migration("SELECT 1;", dependencies: "[]")),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard let entry = context.file.entries(MetadataKey.dependencies.rawValue).first,
              let ids = try? MetadataValue.parseDependencies(entry.value) else { return [] }
        return ids.filter { !context.migrations.ids.contains($0) }.map { id in
            let hint = Suggestion.hint(for: id, in: context.migrations.ids)
            return Violation(at: DependencyPosition.of(id, in: entry, source: context.source),
                             message: "unknown dependency '\(id)'\(hint)")
        }
    }
}

/// Where an id is written inside a `@dependencies` value, for findings that point at it.
enum DependencyPosition {
    static func of(_ id: String, in entry: MetadataEntry, source: SourceText) -> SourcePosition {
        guard let range = entry.value.range(of: "\"\(id)\"") else { return entry.valueRange.start }
        let offset = entry.valueRange.start.offset + entry.value.utf8.distance(from: entry.value.startIndex, to: range.lowerBound)
        return source.position(at: offset)
    }
}
