import Foundation
import StrataCore
import StrataSyntax

public struct PreferTextRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "prefer-text",
        summary: "A varchar(n) or char(n) column where text with a CHECK is more flexible (opt-in)",
        rationale: """
            In PostgreSQL `varchar(n)` is stored exactly like `text`; the length is only a \
            check. Raising it later is cheap, but lowering it, or changing it on a column that \
            indexes or views depend on, rewrites or rebuilds them under an ACCESS EXCLUSIVE lock, \
            and an over-long value fails the whole statement with a type error rather than a \
            named constraint. `char(n)` pads with spaces that comparisons and lengths then have \
            to ignore, and is never faster. `text` with a named CHECK (length(col) <= n) keeps the \
            rule, can be changed with NOT VALID plus VALIDATE without a rewrite, and says which \
            rule failed. Only types with an explicit length are reported (plain `varchar` is \
            already text); ALTER COLUMN ... TYPE is checked too.
            """,
        help: "use `text` and, if the limit matters, `CONSTRAINT <table>_<col>_length CHECK (char_length(col) <= n)`",
        defaultSeverity: .warning,
        optIn: true,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE users (id bigint PRIMARY KEY, ↓email varchar(255) NOT NULL, ↓country CHAR(2));"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ADD COLUMN ↓nickname character varying(40);\nALTER TABLE users ALTER COLUMN ↓email TYPE varchar(320);"),
                    dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example(ExampleFile.migration("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL CHECK (char_length(email) <= 320), nickname varchar);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("CREATE TABLE flags (id bigint PRIMARY KEY, kind \"char\", code character varying);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("SELECT CAST(name AS varchar(10)) FROM users;"), dialects: [.postgresql]),
        ])

    static func isBounded(_ type: String?) -> Bool {
        guard let base = PostgresChangeSupport.baseType(type), let open = base.firstIndex(of: "(") else { return false }
        let name = base[..<open].trimmingCharacters(in: .whitespaces)
        return ["varchar", "character varying", "char", "character", "bpchar", "nchar", "national character",
                "national character varying", "nvarchar"].contains(name)
    }

    public func check(_ context: RuleContext) -> [Violation] {
        var violations: [Violation] = []
        for (table, column, _) in PostgresChangeSupport.definedColumns(context) where Self.isBounded(column.type) {
            violations.append(Violation(range: column.name.range, message: "column \(column.name) of \(table) is \(column.type ?? ""); text with a CHECK is easier to change"))
        }
        for (table, column, type, _) in PostgresChangeSupport.typeChanges(context) where Self.isBounded(type) {
            violations.append(Violation(range: column.range, message: "column \(column) of \(table) is changed to \(type); text with a CHECK is easier to change"))
        }
        return violations.sorted { $0.range.start < $1.range.start }
    }
}
