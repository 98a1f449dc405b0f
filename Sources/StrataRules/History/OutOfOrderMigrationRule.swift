import StrataCore

public struct OutOfOrderMigrationRule: Rule {
    public init() {}

    static let file = ExampleFile.migration("SELECT 1;")

    public static let description = RuleDescription(
        id: "out-of-order-migration",
        summary: "A migration new on this branch sorts before one already on the protected branch",
        rationale: """
            When another branch lands a later-numbered migration first, this branch's migration \
            ends up earlier in the order than migrations production already ran. Databases that \
            ran the later one apply this one after it, new databases apply it before: the order \
            differs between environments, and golang-migrate-style tools silently skip it.
            """,
        help: "renumber the new migration after the latest one on the protected branch (`strata new` picks the number)",
        defaultSeverity: .error,
        needsHistory: true,
        readsNonSQLFiles: true,
        triggeringExamples: [
            Example("↓" + file, fileName: "0002_mine.sql", earlier: [("0001_base.sql", file)],
                    history: ExampleHistory(applied: [("0001_base.sql", file)], baseTip: ["0003_theirs.sql"])),
            Example("↓" + file, fileName: "0002_mine.sql", earlier: [("0001_base.sql", file), ("0003_theirs.sql", file)],
                    history: ExampleHistory(applied: [("0001_base.sql", file), ("0003_theirs.sql", file)])),
            // Renumbered and its SQL edited: a new migration, sorting before the applied 0003.
            Example("↓" + ExampleFile.migration("CREATE TABLE posts (id BIGINT PRIMARY KEY);"), fileName: "0002_posts.sql",
                    earlier: [("0001_base.sql", file)],
                    history: ExampleHistory(applied: [("0001_base.sql", file), ("0003_posts.sql", ExampleFile.migration("CREATE TABLE posts (id INT PRIMARY KEY);"))])),
        ],
        nonTriggeringExamples: [
            Example(file, fileName: "0004_mine.sql", earlier: [("0001_base.sql", file)],
                    history: ExampleHistory(applied: [("0001_base.sql", file)], baseTip: ["0003_theirs.sql"])),
            Example(file, fileName: "0002_mine.sql", earlier: [("0001_base.sql", file)],
                    history: ExampleHistory(applied: [("0001_base.sql", file), ("0002_mine.sql", file)], baseTip: ["0003_theirs.sql"])),
            // Renumbered with the same SQL: the applied migration renamed (renamed-applied-migration's), not a new one.
            Example(ExampleFile.migration("CREATE TABLE posts (id INT PRIMARY KEY);"), fileName: "0002_posts.sql",
                    earlier: [("0001_base.sql", file)],
                    history: ExampleHistory(applied: [("0001_base.sql", file), ("0003_posts.sql", ExampleFile.migration("CREATE TABLE posts (id INT PRIMARY KEY);"))])),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        let id = context.file.id
        guard let history = context.history, history.isNew(id) else { return [] }
        let landed = Set(history.applied.keys).union(history.baseTip)
        guard let latest = landed.max(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }),
              id.utf8.lexicographicallyPrecedes(latest.utf8) else { return [] }
        return [Violation(at: .start, message: "'\(id)' is new on this branch but sorts before '\(latest)', already on \(history.baseName)")]
    }
}
