import StrataCore

public struct MissingMetadataRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "missing-metadata",
        summary: "A required metadata key is absent from the header",
        rationale: """
            The header is what reviewers, `strata status` and the applier rely on: @name and \
            @description say what the change is, @timestamp when it was written, @rollbackSafe \
            whether DOWN can undo it without loss, @performanceImpact how carefully to deploy it, \
            and @dependencies what must run first. A missing key leaves each of those to guesswork.
            """,
        help: "add the key to the header, e.g. `-- @rollbackSafe: true` (`strata new` writes a complete header)",
        defaultSeverity: .error,
        requires: .metadata,
        triggeringExamples: [
            Example("""
                -- @name: Add users
                -- @description: Adds the users table
                -- @timestamp: 2024-01-01T00:00:00Z
                -- @performanceImpact: low
                -- @dependencies: []
                ↓-- UP MIGRATION
                CREATE TABLE users (id INT PRIMARY KEY);
                -- DOWN MIGRATION
                DROP TABLE users;
                """),
            Example("""
                -- @name: Add users
                ↓↓↓↓↓-- UP MIGRATION
                CREATE TABLE users (id INT PRIMARY KEY);
                -- DOWN MIGRATION
                DROP TABLE users;
                """),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE users (id INT PRIMARY KEY);", down: "DROP TABLE users;")),
            Example("CREATE TABLE users (id INT PRIMARY KEY);\n", layout: .plain),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let file = context.file
        let present = file.metadata.map(\.key)   // a handful: searched, not hashed
        return MetadataKey.required.filter { !present.contains($0.rawValue) }.map { key in
            Violation(at: file.anchor, message: "missing @\(key.rawValue) in the header",
                      help: "add `-- @\(key.rawValue): \(Self.placeholder(key))` above `-- UP MIGRATION`")
        }
    }

    static func placeholder(_ key: MetadataKey) -> String {
        switch key {
        case .name: "Short title"
        case .description: "What the change does and why"
        case .timestamp: "2024-01-01T00:00:00Z"
        case .rollbackSafe: "true"
        case .performanceImpact: "low"
        case .dependencies: "[]"
        case .transaction: "true"
        }
    }
}
