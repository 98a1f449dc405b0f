import StrataCore
import StrataSyntax

public struct PreferIdentityRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "prefer-identity",
        summary: "A serial column where an identity column is the standard form (opt-in)",
        rationale: """
            `serial`, `bigserial` and `smallserial` are shorthand for an integer column with a \
            DEFAULT nextval() on a sequence the column merely owns. The sequence's privileges are \
            granted separately, `CREATE TABLE ... (LIKE ...)` and dumps of single tables lose or \
            share it, explicit inserts of ids silently leave it behind (the next insert collides), \
            and changing the column's type does not change the sequence's. `GENERATED ... AS \
            IDENTITY` (PostgreSQL 10 and later, SQL standard) ties the sequence to the column, \
            and ALWAYS refuses hand-written ids unless OVERRIDING SYSTEM VALUE says so. Not \
            reported when the configured PostgreSQL version is below 10.
            """,
        help: "write `id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY` (BY DEFAULT if code inserts its own ids)",
        defaultSeverity: .warning,
        optIn: true,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE posts (↓id bigserial PRIMARY KEY, title text);"), dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE legacy ADD COLUMN ↓row_no SERIAL, ADD COLUMN ↓tiny_no smallserial;"), dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, serial_number text);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE TABLE posts (id bigserial PRIMARY KEY);"),
                    dialects: [.postgresql], versions: DialectVersions(postgres: 9)),
            Example(ExampleFile.migration("CREATE SEQUENCE invoice_numbers;\nCREATE TABLE invoices (id bigint PRIMARY KEY DEFAULT nextval('invoice_numbers'));"),
                    dialects: [.postgresql]),
        ])

    static let serials: Set<String> = ["serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"]

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.versions.postgres >= 10 else { return [] }
        return PostgresChangeSupport.definedColumns(context).compactMap { table, column, _ in
            guard var type = column.type else { return nil }
            if type.hasPrefix("pg_catalog.") { type.removeFirst("pg_catalog.".count) }
            guard Self.serials.contains(type) else { return nil }
            return Violation(range: column.name.range, message: "column \(column.name) of \(table) is \(type) rather than an identity column")
        }
    }
}
