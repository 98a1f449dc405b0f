import Foundation
import StrataCore
import StrataSyntax

public struct ChangeColumnTypeRule: Rule {
    public init() {}

    static let id = "change-column-type"

    public static let description = RuleDescription(
        id: id,
        summary: "ALTER COLUMN ... TYPE that rewrites a table that may hold data",
        rationale: """
            Changing a column's type makes PostgreSQL rewrite the whole table and rebuild its \
            indexes while holding an ACCESS EXCLUSIVE lock, which blocks every read and write of \
            the table until the rewrite ends. Only binary-compatible changes skip the rewrite \
            (PostgreSQL 9.2 and later): varchar(n) to varchar(m) with m >= n, varchar(n) to varchar \
            or text, text to varchar, numeric(p,s) to numeric(p2,s) with p2 >= p, numeric(p,s) to \
            numeric, varbit(n) to a wider varbit, cidr to inet; text and varchar to citext skips it \
            too, though the column's indexes are rebuilt. timestamp to timestamptz skips it only \
            when the session TimeZone is UTC (PostgreSQL 12 and later), which a migration cannot \
            promise, so it is reported. The old type is read from this file when it defines the \
            column; otherwise it is not known here (the schema model holds the type after this \
            file), and then a change to varchar, text, numeric, varbit, inet or citext is taken \
            as a widening and not reported, since that is what such changes nearly always are. \
            A table created earlier in the same file, or new on the branch, is exempt.
            """,
        help: "add a new column of the new type, write both from the application, backfill it in batches, then switch reads and drop the old column; a widening of varchar, numeric or varbit is free",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE events ↓ALTER COLUMN id TYPE BIGINT;"),
                    earlier: PGLockExample.base("CREATE TABLE events (id INTEGER PRIMARY KEY);"),
                    dialects: [.postgresql]),
            Example("alter table users ↓alter column created_at set data type timestamptz, ↓alter column meta type jsonb using meta::jsonb;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE users ADD COLUMN code VARCHAR(20);\nALTER TABLE users ↓ALTER COLUMN code TYPE VARCHAR(10);\n",
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example("ALTER TABLE users ALTER COLUMN name TYPE varchar(500);\nALTER TABLE users ALTER COLUMN bio TYPE text;\nALTER TABLE prices ALTER COLUMN amount TYPE numeric(14,2);\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE users ADD COLUMN code VARCHAR(20);\nALTER TABLE users ALTER COLUMN code TYPE CHARACTER VARYING(40);\nALTER TABLE users ALTER COLUMN code TYPE TEXT;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                CREATE TABLE readings (id INTEGER PRIMARY KEY, value REAL);
                ALTER TABLE readings ALTER COLUMN value TYPE DOUBLE PRECISION;
                """), dialects: [.postgresql]),
        ])

    /// A column type as PostgreSQL compares it: canonical base name, modifiers, array or not.
    struct ColumnType: Equatable {
        var base: String
        var modifiers: [Int]
        var array: Bool

        init(_ written: String) {
            var text = written.lowercased()
            array = text.hasSuffix("]")
            if let bracket = text.firstIndex(of: "[") { text = String(text[..<bracket]) }
            modifiers = []
            if let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") {
                modifiers = text[text.index(after: open)..<close].split(separator: ",")
                    .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                text = String(text[..<open]) + String(text[text.index(after: close)...])
            }
            var words = text.split(separator: " ").map(String.init).joined(separator: " ")
            if words.hasPrefix("pg_catalog.") { words = String(words.dropFirst("pg_catalog.".count)) }
            let aliases: [String: String] = [
                "character varying": "varchar", "char varying": "varchar", "varchar": "varchar",
                "character": "bpchar", "char": "bpchar", "bpchar": "bpchar",
                "decimal": "numeric", "numeric": "numeric",
                "bit varying": "varbit", "varbit": "varbit",
                "int": "int4", "integer": "int4", "int4": "int4", "bigint": "int8", "int8": "int8",
                "smallint": "int2", "int2": "int2", "real": "float4", "float4": "float4",
                "double precision": "float8", "float8": "float8", "float": "float8",
                "boolean": "bool", "bool": "bool",
                "timestamp": "timestamp", "timestamp without time zone": "timestamp",
                "timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
                "time": "time", "time without time zone": "time", "timetz": "timetz", "time with time zone": "timetz",
            ]
            base = aliases[words] ?? words
            if base == "numeric", modifiers.count == 1 { modifiers.append(0) }  // numeric(p) is numeric(p,0)
        }
    }

    /// Whether changing a column from `old` to `new` keeps the table as it is (no rewrite).
    static func keepsTable(from old: ColumnType, to new: ColumnType) -> Bool {
        if old == new { return true }
        guard old.array == new.array else { return false }
        func wider(_ a: [Int], _ b: [Int]) -> Bool {
            b.isEmpty || (!a.isEmpty && !b.isEmpty && b[0] >= a[0] && Array(a.dropFirst()) == Array(b.dropFirst()))
        }
        switch (old.base, new.base) {
        case ("varchar", "varchar"), ("varbit", "varbit"), ("numeric", "numeric"): return wider(old.modifiers, new.modifiers)
        case ("varchar", "text"), ("cidr", "inet"), ("text", "citext"), ("varchar", "citext"): return true
        case ("text", "varchar"): return new.modifiers.isEmpty
        default: return false
        }
    }

    /// Target types a change to is nearly always a widening when the old type is unknown.
    static let wideningTargets: Set<String> = ["varchar", "text", "numeric", "varbit", "inet", "citext"]

    public func check(_ context: RuleContext) -> [Violation] {
        // The column types this file defines, by "table.column", as of each action.
        var known: [String: String] = [:]
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            switch statement.kind {
            case .createTable(let create):
                for column in create.columns { if let type = column.type { known["\(create.name.key).\(column.name.name)"] = type } }
            case .alterTable(let alter):
                for (action, range) in alter.actions {
                    let table = alter.name.key
                    switch action {
                    case .addColumn(let column, _):
                        if let type = column.type { known["\(table).\(column.name.name)"] = type }
                    case .renameColumn(let from, let to):
                        known["\(table).\(to.name)"] = known.removeValue(forKey: "\(table).\(from.name)")
                    case .dropColumn(let column, _, _):
                        known["\(table).\(column.name)"] = nil
                    case .alterColumnType(let column, let type, _):
                        let key = "\(table).\(column.name)"
                        let old = known[key]
                        known[key] = type
                        guard !type.isEmpty else { continue }
                        let new = ColumnType(type)
                        if let old {
                            if Self.keepsTable(from: ColumnType(old), to: new) { continue }
                        } else if Self.wideningTargets.contains(new.base) {
                            continue
                        }
                        if let note = PGLock.skip(Self.id, context, table: alter.name, statement: index, at: range) {
                            violations.append(note)
                            continue
                        }
                        let change = old.map { "from \($0) to \(type)" } ?? "to \(type)"
                        violations.append(Violation(
                            range: range,
                            message: "changing \(column) of \(alter.name) \(change) rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, blocking its reads and writes"))
                    default:
                        break
                    }
                }
                if case .renameTable(let to)? = alter.actions.last?.action {
                    for (key, type) in known where key.hasPrefix("\(alter.name.key).") {
                        known["\(to.key).\(key.dropFirst(alter.name.key.count + 1))"] = type
                    }
                }
            default:
                break
            }
        }
        return violations
    }
}
