import StrataCore
import StrataSyntax

public struct PreferTimestamptzRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "prefer-timestamptz",
        summary: "A timestamp (without time zone) column where timestamptz is meant (opt-in)",
        rationale: """
            `timestamp without time zone` stores a wall-clock reading with no zone: the same \
            column then holds values written by servers and sessions in different zones, \
            comparisons across a daylight-saving change go wrong, and `now()` is silently cast \
            using the session's TimeZone. `timestamptz` stores an absolute instant (as UTC) and \
            converts on output, at the same 8 bytes. Plain `timestamp` and `timestamp(p)` mean \
            without time zone in PostgreSQL. Columns in CREATE TABLE, ADD COLUMN and ALTER \
            COLUMN ... TYPE are reported; a column that really holds local times (an opening \
            hour) may keep the type with a suppression.
            """,
        help: "use `timestamptz` (`timestamp with time zone`); when converting, say which zone the old values were in: `USING col AT TIME ZONE 'UTC'`",
        defaultSeverity: .warning,
        optIn: true,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE events (id bigint PRIMARY KEY, ↓created_at timestamp NOT NULL DEFAULT now(), ↓seen_at TIMESTAMP(3) WITHOUT TIME ZONE);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN ↓deleted_at timestamp without time zone;\nALTER TABLE users ALTER COLUMN ↓seen_at TYPE timestamp;"),
                    dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), seen_at timestamp(3) with time zone);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ALTER COLUMN seen_at TYPE timestamptz USING seen_at AT TIME ZONE 'UTC';\nSELECT now()::timestamp;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE TABLE shifts (id bigint PRIMARY KEY, starts time, day date, timestamp_source text);"),
                    dialects: [.postgresql]),
        ])

    static func isWithoutZone(_ type: String?) -> Bool {
        guard var base = PostgresChangeSupport.baseType(type), base.hasPrefix("timestamp") else { return false }
        base.removeFirst("timestamp".count)
        if base.hasPrefix("("), let close = base.firstIndex(of: ")") {
            let digits = base[base.index(after: base.startIndex)..<close]
            guard !digits.isEmpty, digits.allSatisfy(\.isNumber) else { return false }
            base = String(base[base.index(after: close)...])
        }
        return base.isEmpty || base == " without time zone"
    }

    public func check(_ context: RuleContext) -> [Violation] {
        var violations: [Violation] = []
        for (table, column, _) in PostgresChangeSupport.definedColumns(context) where Self.isWithoutZone(column.type) {
            violations.append(Violation(range: column.name.range, message: "column \(column.name) of \(table) is timestamp without time zone"))
        }
        for (table, column, type, _) in PostgresChangeSupport.typeChanges(context) where Self.isWithoutZone(type) {
            violations.append(Violation(range: column.range, message: "column \(column) of \(table) is changed to timestamp without time zone"))
        }
        return violations.sorted { $0.range.start < $1.range.start }
    }
}
