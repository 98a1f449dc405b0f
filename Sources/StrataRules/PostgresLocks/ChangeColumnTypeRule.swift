import Foundation
import StrataCore
import StrataSyntax

public struct ChangeColumnTypeRule: Rule {
    public init() {}

    static let id = "change-column-type"

    public static let description = RuleDescription(
        id: id,
        summary: "ALTER COLUMN ... TYPE that rewrites a table, or rebuilds its indexes, when it may hold data",
        rationale: """
            Changing a column's type makes PostgreSQL rewrite the whole table and rebuild its \
            indexes while holding an ACCESS EXCLUSIVE lock, which blocks every read and write of \
            the table until the rewrite ends. Only binary-compatible changes skip the rewrite \
            (PostgreSQL 9.2 and later): varchar(n) to varchar(m) with m >= n, varchar(n) to varchar \
            or text, text to varchar, numeric(p,s) to numeric(p2,s) with p2 >= p, numeric(p,s) to \
            numeric, varbit(n) to a wider varbit, cidr to inet. Two more skip the rewrite but build \
            the column's indexes again under the same lock (the operator class changes), so they \
            are reported when the column has an index, primary key or unique key: text and varchar \
            to citext, and timestamp to timestamptz (or back) from PostgreSQL 12 when the session \
            TimeZone has a zero offset, that is after this file sets `timezone` to UTC (or GMT) \
            and with a USING, if any, that only reads the column. Checked on PostgreSQL 15.18: \
            under `SET timezone = 'UTC'` a 2,000,000-row table kept its file while its two \
            indexes on the column got new ones (4.5 s under ACCESS EXCLUSIVE; 0.2 ms with no \
            index on the column); in another zone the table and all its indexes were rewritten \
            (11 s). Without `SET timezone` the change is a rewrite. The old type is read from the \
            schema as the statement finds it: this file's own definitions, else the earlier \
            migrations, through any RENAME COLUMN or RENAME TO earlier in the file (a column \
            renamed and then changed is still changed). An enum swap (`ALTER TYPE e RENAME TO \
            e_old; CREATE TYPE e ...; ALTER TABLE t ALTER c TYPE e USING c::text::e`) is a real \
            change even though the names match: the column is of type e_old by then, and the \
            conversion rewrites the table and every index (checked, also with identical labels). \
            When the old type is unknown (a table made outside the migrations), Strata reports \
            only what must be a real change: not a change to varchar, \
            text, numeric, varbit, inet or citext (nearly always a widening); not a change without \
            USING to a type no other type converts to implicitly (uuid, boolean, bytea, an enum or \
            domain), which succeeds only when the type stays the same; and not a change without \
            USING bundled with SET/DROP NOT NULL of the same column, the way schema tools \
            re-declare an unchanged column. Those are the known gaps, accepted to stay precise. A \
            table created earlier in the same file, or new on the branch, is exempt.
            """,
        help: "add a new column of the new type, write both from the application, backfill it in batches, then switch reads and drop the old column; a widening of varchar, numeric or varbit is free, and timestamp to timestamptz after `SET timezone = 'UTC';` (PostgreSQL 12+) rebuilds only the column's indexes (drop them first and build them again CONCURRENTLY after)",
        defaultSeverity: .warning,
        dialects: [.postgresql],
        traceExpectation: .rewriteOrLock(.accessExclusive),
        triggeringExamples: [
            Example(ExampleFile.migration("ALTER TABLE events ↓ALTER COLUMN id TYPE BIGINT;"),
                    earlier: PGLockExample.base("CREATE TABLE events (id INTEGER PRIMARY KEY);"),
                    dialects: [.postgresql]),
            Example("alter table users ↓alter column created_at set data type timestamptz, ↓alter column meta type jsonb using meta::jsonb;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE users ADD COLUMN code VARCHAR(20);\nALTER TABLE users ↓ALTER COLUMN code TYPE VARCHAR(10);\nALTER TABLE users ↓ALTER COLUMN state TYPE user_state USING state::user_state;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("SET timezone = 'UTC';\nALTER TABLE posts ↓ALTER COLUMN published TYPE timestamptz USING published AT TIME ZONE 'Europe/Paris';\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("SET timezone = 'UTC';\nALTER TABLE posts ↓ALTER COLUMN published TYPE timestamptz;\n",
                    layout: .plain, dialects: [.postgresql], versions: DialectVersions(postgres: 11)),
            Example(ExampleFile.migration("SET timezone = 'UTC';\nALTER TABLE posts ↓ALTER COLUMN published TYPE timestamptz, ALTER COLUMN edited TYPE timestamptz;"),
                    earlier: PGLockExample.base("CREATE TABLE posts (id BIGINT PRIMARY KEY, published TIMESTAMP NOT NULL, edited TIMESTAMP);\nCREATE INDEX idx_posts_published ON posts (published);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users ↓ALTER COLUMN email TYPE citext;"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT UNIQUE);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TABLE users RENAME COLUMN icon TO avatar;\nALTER TABLE users ↓ALTER COLUMN avatar TYPE text;"),
                    earlier: PGLockExample.base("CREATE TABLE users (id BIGINT PRIMARY KEY, icon BYTEA);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("""
                ALTER TYPE mood RENAME TO mood_old;
                CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
                ALTER TABLE people ALTER COLUMN mood DROP DEFAULT, ↓ALTER COLUMN mood TYPE mood USING mood::text::mood;
                DROP TYPE mood_old;
                """), earlier: PGLockExample.base("CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TABLE people (id BIGINT PRIMARY KEY, mood mood NOT NULL DEFAULT 'ok');"),
                    dialects: [.postgresql]),
            Example("ALTER TYPE public.visibility RENAME TO visibility__;\nCREATE TYPE visibility AS ENUM ('public', 'hidden');\nALTER TABLE community ↓ALTER COLUMN visibility TYPE visibility USING visibility::text::visibility;\n",
                    layout: .plain, dialects: [.postgresql]),
        ],
        nonTriggeringExamples: [
            Example("ALTER TABLE users ALTER COLUMN name TYPE varchar(500);\nALTER TABLE users ALTER COLUMN bio TYPE text;\nALTER TABLE prices ALTER COLUMN amount TYPE numeric(14,2);\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("ALTER TABLE users ADD COLUMN code VARCHAR(20);\nALTER TABLE users ALTER COLUMN code TYPE CHARACTER VARYING(40);\nALTER TABLE users ALTER COLUMN code TYPE TEXT;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example("SET timezone = 'UTC';\nALTER TABLE posts ALTER COLUMN published TYPE timestamptz USING published;\nALTER TABLE posts ALTER updated TYPE timestamp with time zone;\n",
                    layout: .plain, dialects: [.postgresql]),
            Example(ExampleFile.migration("SET timezone = 'UTC';\nALTER TABLE posts ALTER COLUMN edited TYPE timestamptz;\nALTER TABLE posts ALTER COLUMN title TYPE text;"),
                    earlier: PGLockExample.base("CREATE TABLE posts (id BIGINT PRIMARY KEY, title VARCHAR(200), published TIMESTAMP, edited TIMESTAMP);\nCREATE INDEX idx_posts_published ON posts (published);\nCREATE INDEX idx_posts_title ON posts (title);"),
                    dialects: [.postgresql]),
            Example(ExampleFile.migration("ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';\nALTER TABLE people ALTER COLUMN mood TYPE mood;\nALTER TYPE mood RENAME TO feeling;\nALTER TABLE people ALTER COLUMN mood TYPE feeling;"),
                    earlier: PGLockExample.base("CREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE TABLE people (id BIGINT PRIMARY KEY, mood mood NOT NULL);"),
                    dialects: [.postgresql]),
            Example("ALTER TABLE \"sessions\" ALTER COLUMN \"nid\" TYPE UUID, ALTER COLUMN \"nid\" DROP NOT NULL;\nALTER TABLE flows ALTER COLUMN ui TYPE jsonb, ALTER COLUMN ui SET NOT NULL;\n",
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
            // Bytes, not characters: the type as the reader wrote it is ASCII in practice, and
            // anything else is kept as it is.
            var text = Array(written.utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            array = text.last == UInt8(ascii: "]")
            if let bracket = text.firstIndex(of: UInt8(ascii: "[")) { text.removeSubrange(bracket...) }
            modifiers = []
            if let open = text.firstIndex(of: UInt8(ascii: "(")), let close = text[open...].firstIndex(of: UInt8(ascii: ")")) {
                modifiers = text[(open + 1)..<close].split(separator: UInt8(ascii: ",")).compactMap { part in
                    Int(String(decoding: part.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }, as: UTF8.self))
                }
                text.removeSubrange(open...close)
            }
            var words = text.split(separator: UInt8(ascii: " ")).joined(separator: [UInt8(ascii: " ")]).map { $0 }
            let catalog = Array("pg_catalog.".utf8)
            if words.starts(with: catalog) { words.removeFirst(catalog.count) }
            let name = String(decoding: words, as: UTF8.self)
            base = Self.aliases[name] ?? name
            if base == "numeric", modifiers.count == 1 { modifiers.append(0) }  // numeric(p) is numeric(p,0)
        }

        /// PostgreSQL's spellings of one type, by the name it keeps in its catalog.
        static let aliases: [String: String] = [
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

    /// Built-in target types some other type converts to without a USING clause (PostgreSQL
    /// needs an implicit or assignment cast). To any other type (uuid, boolean, bytea, an enum, a
    /// domain) a change without USING succeeds only when the type does not really change.
    static let reachableWithoutUsing: Set<String> = [
        "int8", "int4", "int2", "float4", "float8", "money", "timestamptz", "timestamp", "date", "time",
        "timetz", "interval", "json", "jsonb", "bpchar", "bit", "name", "cidr", "macaddr", "macaddr8",
    ]

    /// Session time zones with a zero offset at all times (PostgreSQL then converts between
    /// timestamp and timestamptz without a rewrite, from release 12).
    static let utcZones: Set<String> = [
        "utc", "etc/utc", "uct", "etc/uct", "gmt", "etc/gmt", "gmt0", "etc/gmt0", "gmt+0", "gmt-0", "etc/gmt+0",
        "etc/gmt-0", "zulu", "etc/zulu", "universal", "etc/universal", "greenwich", "etc/greenwich", "0",
    ]

    static let timestamps: Set<String> = ["timestamp", "timestamptz"]

    /// Whether a USING expression only reads the column (perhaps with a cast), which keeps a
    /// timestamp/timestamptz change binary when the zone is UTC.
    static func onlyReads(_ using: String?, column: String) -> Bool {
        guard let using else { return true }
        var squeezed = using.lowercased().filter { $0 != "\"" && $0 != " " && $0 != "(" && $0 != ")" }
        if let cast = squeezed.range(of: "::") { squeezed = String(squeezed[..<cast.lowerBound]) }
        return squeezed == column.lowercased().filter { $0 != " " }
    }

    public func check(_ context: RuleContext) -> [Violation] {
        guard context.upFeatures.contains(.alterColumnType) else { return [] }
        let checksZone = context.versions.postgres >= 12
        // The column types this file defines, by "table.column", as of each action.
        var known: [String: String] = [:]
        // The schema as each statement finds it: the earlier migrations, then this file's
        // statements before it (a column or table renamed earlier in the file keeps its type).
        var schema = SchemaAsTheFileGoes(context)
        // Types this file renamed (`ALTER TYPE a RENAME TO b`), old name to new: a column of
        // type a from before the rename is of type b, and a later `TYPE a` is another type.
        var renamedTypes: [String: String] = [:]
        var utc = false
        var violations: [Violation] = []
        for (index, statement) in context.upStatements.enumerated() {
            switch statement.kind {
            case .set(let set) where set.name.lowercased() == "timezone":
                let zone = set.value.lowercased().filter { $0 != "'" && $0 != "\"" && $0 != " " }
                utc = Self.utcZones.contains(zone)
            case .other("alter type"):
                guard let rename = Self.typeRename(statement, context.source) else { break }
                for (from, to) in renamedTypes where to == rename.from { renamedTypes[from] = rename.to }
                renamedTypes[rename.from] = rename.to
                for (key, type) in known { if let moved = Self.renamed(type, [rename.from: rename.to]) { known[key] = moved } }
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
                    case .alterColumnType(let column, let type, let using):
                        let key = "\(table).\(column.name)"
                        // This file's own definition first, else the schema as this statement
                        // finds it, with the file's type renames applied.
                        let oldWritten = known[key] ?? schema.table(alter.name, before: index)?.column(column.name)?.type.map {
                            Self.renamed($0, renamedTypes) ?? $0
                        }
                        let old = oldWritten.map(ColumnType.init)
                        known[key] = type
                        guard !type.isEmpty else { continue }
                        let new = ColumnType(type)
                        if let old, Self.rebuildsIndexesOnly(from: old, to: new, utcSession: checksZone && utc, using: using, column: column.name) {
                            // No rewrite, but the indexes on the column are built again.
                            let indexes = Self.indexes(on: column.name, of: schema.table(alter.name, before: index))
                            guard !indexes.isEmpty else { continue }
                            if let note = PGLock.skip(Self.id, context, table: alter.name, statement: index, at: range) {
                                violations.append(note)
                                continue
                            }
                            let list = indexes.joined(separator: ", ")
                            violations.append(Violation(
                                range: range,
                                message: "changing \(column) of \(alter.name) from \(oldWritten ?? "") to \(type) does not rewrite the table but rebuilds \(indexes.count == 1 ? "its index" : "its \(indexes.count) indexes") on \(column) (\(list)) under an ACCESS EXCLUSIVE lock, blocking its reads and writes"))
                            continue
                        }
                        if checksZone, utc, Self.timestamps.contains(new.base), old.map({ Self.timestamps.contains($0.base) && $0.array == new.array }) ?? true,
                           Self.onlyReads(using, column: column.name) {
                            continue
                        }
                        if let old {
                            if Self.keepsTable(from: old, to: new) { continue }
                        } else if renamedTypes[new.unqualifiedBase] == nil {
                            // (A target named like a type this file renamed away is a new type:
                            // an enum swap, a real change whatever the old type was.)
                            if Self.wideningTargets.contains(new.base) { continue }
                            if using == nil {
                                if !Self.reachableWithoutUsing.contains(new.base) { continue }
                                // `TYPE t, ALTER c SET|DROP NOT NULL` on one column is how schema
                                // tools (fizz's change_column) re-declare a column, mostly unchanged.
                                let redeclares = alter.actions.contains {
                                    switch $0.action {
                                    case .setNotNull(let c), .dropNotNull(let c): return c.name == column.name
                                    default: return false
                                    }
                                }
                                if redeclares { continue }
                            }
                        }
                        if let note = PGLock.skip(Self.id, context, table: alter.name, statement: index, at: range) {
                            violations.append(note)
                            continue
                        }
                        let described = oldWritten.map { "from \($0) to \(type)" } ?? "to \(type)"
                        violations.append(Violation(
                            range: range,
                            message: "changing \(column) of \(alter.name) \(described) rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, blocking its reads and writes"))
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
