import StrataCore
import StrataSyntax

public struct PreferBigintRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "prefer-bigint",
        summary: "A new column of a 32- or 16-bit integer type (opt-in)",
        rationale: """
            `integer` stops at 2,147,483,647 and `smallint` at 32,767. Ids and counters on busy \
            tables reach that sooner than planned, and then every insert fails (`integer out of \
            range`, `nextval: reached maximum value of sequence`). Widening later with ALTER \
            COLUMN ... TYPE bigint rewrites the table and its indexes under an ACCESS EXCLUSIVE \
            lock, and every foreign key pointing at the column has to follow. `bigint` costs 4 \
            more bytes per row, usually absorbed by alignment padding. Columns of type integer, \
            int, int4, smallint, int2, serial, serial4, smallserial and serial2 in CREATE TABLE \
            and ADD COLUMN are reported; arrays and ALTER COLUMN ... TYPE are not (the style \
            choice there is less clear). Small enumerations that can never grow may keep a \
            narrow type: this rule is opt-in.
            """,
        help: "use `bigint` (or `bigint GENERATED ALWAYS AS IDENTITY` / `bigserial` for keys)",
        defaultSeverity: .warning,
        optIn: true,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE posts (↓id serial PRIMARY KEY, ↓author_id integer NOT NULL, ↓rank SMALLINT, title text);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN ↓login_count int4 NOT NULL DEFAULT 0, ADD ↓team_id INT;"),
                    dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE posts (id bigserial PRIMARY KEY, author_id bigint NOT NULL, score numeric(10, 2), tags integer[]);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ALTER COLUMN login_count TYPE integer;\nSELECT 1::integer;"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE TABLE points (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, interval_seconds interval, big_count int8);"),
                    dialects: [.postgresql]),
        ])

    static let narrow: Set<String> = ["integer", "int", "int4", "smallint", "int2", "serial", "serial4", "smallserial", "serial2"]

    public func check(_ context: RuleContext) -> [Violation] {
        PostgresChangeSupport.definedColumns(context).compactMap { table, column, _ in
            guard var type = column.type else { return nil }
            if type.hasPrefix("pg_catalog.") { type.removeFirst("pg_catalog.".count) }
            guard Self.narrow.contains(type) else { return nil }
            return Violation(range: column.name.range, message: "column \(column.name) of \(table) is \(type); bigint does not run out")
        }
    }
}
