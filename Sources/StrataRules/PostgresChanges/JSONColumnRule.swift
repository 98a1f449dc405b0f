import StrataCore
import StrataSyntax

public struct JSONColumnRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "json-column",
        summary: "A column of type json where jsonb is almost always meant",
        rationale: """
            PostgreSQL's `json` stores the text as written and re-parses it on every access. It \
            has no equality operator, so `SELECT DISTINCT`, `GROUP BY`, `UNION` and unique \
            constraints on it fail (`could not identify an equality operator for type json`), \
            and it has no GIN operator class, so containment queries cannot use an index. `jsonb` \
            stores the parsed value, supports `=`, `@>` and GIN indexes, and is what nearly \
            every application wants. `json` is right only when the exact text (key order, \
            duplicate keys, whitespace) must be kept, as for a raw webhook payload.
            """,
        help: "use `jsonb` (if the exact text must be kept verbatim, keep `json` and suppress this finding with a reason)",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE events (id bigint PRIMARY KEY, ↓payload json NOT NULL, tags jsonb);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN ↓settings JSON DEFAULT '{}', ADD COLUMN ↓history json[];"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ALTER COLUMN ↓profile TYPE pg_catalog.json USING profile::json;"),
                    dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb NOT NULL, json_schema text);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ALTER COLUMN profile TYPE jsonb USING profile::jsonb;\nSELECT '{}'::json;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE FUNCTION to_doc(x json) RETURNS jsonb AS $$ SELECT x::jsonb $$ LANGUAGE sql;"),
                    dialects: [.postgresql]),
        ])

    static func isJSON(_ type: String?) -> Bool {
        // Only a type that starts with `json` or `pg_catalog.json` can be one.
        guard let type, type.utf8.first == UInt8(ascii: "j") || type.utf8.first == UInt8(ascii: "p") else { return false }
        return PostgresChangeSupport.baseType(type) == "json"
    }

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.isDisjoint(with: [.createTable, .addColumn, .alterColumnType]) == false else { return [] }
        var violations: [Violation] = []
        for statement in context.upStatements {
            switch statement.kind {
            case .createTable(let create):
                for column in create.columns where Self.isJSON(column.type) {
                    violations.append(Violation(range: column.name.range, message: "column \(column.name) of \(create.name) is json, not jsonb"))
                }
            case .alterTable(let alter):
                for (action, _) in alter.actions {
                    switch action {
                    case .addColumn(let column, _) where Self.isJSON(column.type):
                        violations.append(Violation(range: column.name.range, message: "column \(column.name) of \(alter.name) is json, not jsonb"))
                    case .alterColumnType(let column, let type, _) where Self.isJSON(type):
                        violations.append(Violation(range: column.range, message: "column \(column) of \(alter.name) is changed to json, not jsonb"))
                    default:
                        break
                    }
                }
            default:
                break
            }
        }
        return violations
    }
}
