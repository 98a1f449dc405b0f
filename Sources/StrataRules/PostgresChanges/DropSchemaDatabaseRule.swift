import StrataCore
import StrataSyntax

public struct DropSchemaDatabaseRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "drop-schema-database",
        summary: "DROP SCHEMA or DROP DATABASE in a migration",
        rationale: """
            DROP SCHEMA ... CASCADE removes every table, view, function and type in the schema \
            together with their data, and DROP DATABASE removes everything at once (it cannot \
            even run inside a transaction, so the applier cannot roll it back). Without CASCADE \
            DROP SCHEMA fails unless the schema is empty, which makes the statement either a \
            no-op or a trap that springs once objects exist. Neither belongs in an ordinary \
            migration. A schema created earlier in the same file is skipped.
            """,
        help: "drop the objects you mean one by one (each reviewable), or do a deliberate teardown outside the migration history",
        defaultSeverity: .error,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("↓DROP SCHEMA reporting CASCADE;"), dialects: [.postgresql]),
            Example(ExampleFile.migration("↓DROP DATABASE IF EXISTS analytics;"), dialects: [.postgresql]),
            Example("↓drop schema if exists legacy, archive;\n", layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("""
                CREATE SCHEMA IF NOT EXISTS scratch;
                CREATE TABLE scratch.ids (id bigint);
                DROP SCHEMA scratch CASCADE;
                """), dialects: [.postgresql]),
            Example(ExampleFile.migration("DROP TABLE IF EXISTS reporting.daily_totals;\nDROP VIEW reporting.summary;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE SCHEMA reporting;\nCOMMENT ON SCHEMA reporting IS 'DROP SCHEMA reporting when unused';"),
                    dialects: [.postgresql]),
        ])

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.drop) else { return [] }
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .drop(let drop) = statement.kind, drop.objectKind == .schema || drop.objectKind == .database else { continue }
            let what = drop.objectKind == .schema ? "schema" : "database"
            let names = drop.names.filter { name in
                !(drop.objectKind == .schema && PostgresChangeSupport.createdEarlier(context, kind: "schema", key: name.name, before: index))
            }
            if drop.objectKind == .schema, !drop.names.isEmpty, names.isEmpty {
                violations.append(context.skipped(Self.description.id, at: statement.range,
                                                  reason: "schema \(drop.names.map(\.description).joined(separator: ", ")) is created earlier in this file"))
                continue
            }
            let list = names.isEmpty ? "" : " " + names.map(\.description).joined(separator: ", ")
            violations.append(Violation(range: statement.range,
                                        message: "DROP \(what.uppercased())\(list) destroys every object and row in it"))
        }
        return violations
    }
}
