import StrataCore
import Foundation

/// `strata trace --rows N`: N generated rows in every table before the traced migrations run,
/// so that what they do to data (a rewrite, a NOT NULL check, an index build) has data to do it
/// to. Each value comes from the row's number in `generate_series`, so values are distinct
/// where a type allows (unique columns stay unique); columns with a default (identity, serial,
/// generated) get it; nullable columns of a type it cannot make stay NULL.
///
/// Tables are filled parents first and a single-column foreign key takes values its parent
/// has, so the data stays consistent for later migrations (a constraint added, or validated,
/// over it). A superuser also fills with `session_replication_role = replica`, which lets a
/// table through that references itself or a table later in a cycle. A table that refuses its
/// rows (a CHECK, a NOT NULL column of a type it cannot make) is skipped with a progress line;
/// the trace goes on.
struct TraceRows {
    let database: any Database
    let progress: (String) -> Void

    struct Column {
        var name: String
        var type: String
        /// The base type (a domain's), as pg_type names it.
        var baseType: String
        var category: String
        var notNull: Bool
        var defaulted: Bool
        var firstLabel: String?
    }

    struct Table {
        var oid: Int64
        var schema: String
        var name: String
        var columns: [Column]
        var qualified: String { "\(traceIdentifier(schema)).\(traceIdentifier(name))" }
    }

    struct ForeignKey {
        var column: String
        var parent: Int64
        var parentColumn: String
    }

    /// Fills every table; returns those that took their rows, as `schema.table`.
    @discardableResult
    func fill(rows: Int) throws(ApplyError) -> [String] {
        let tables = try readTables()
        let keys = try readForeignKeys()
        let superuser = try database.query("SELECT current_setting('is_superuser')").first?.first?.text == "on"
        let byOID = Dictionary(tables.map { ($0.oid, $0) }, uniquingKeysWith: { a, _ in a })
        var filled: [String] = []
        for table in Self.parentsFirst(tables, keys) {
            let name = "\(table.schema).\(table.name)"
            guard let insert = insert(into: table, rows: rows, keys: keys[table.oid] ?? [], tables: byOID, replica: superuser) else { continue }
            do {
                try database.execute("BEGIN")
                if superuser { try database.execute("SET LOCAL session_replication_role = replica") }
                try database.execute(insert)
                try database.execute("COMMIT")
                filled.append(name)
            } catch where error.kind == .statement {
                try database.execute("ROLLBACK")
                progress("--rows: \(name) skipped: \(error.message)")
            }
        }
        progress("--rows: \(rows) rows in each of \(filled.count) of \(tables.count) tables")
        return filled
    }

    /// The INSERT of `rows` rows into `table`, or nil (with a progress line) when a NOT NULL
    /// column without a default has a type it cannot make.
    func insert(into table: Table, rows: Int, keys: [ForeignKey], tables: [Int64: Table], replica: Bool) -> String? {
        var names: [String] = [], values: [String] = [], joins: [String] = []
        for column in table.columns where !column.defaulted {
            let generated = Self.value(for: column)
            if let key = keys.first(where: { $0.column == column.name }), let parent = tables[key.parent] {
                let alias = "p\(joins.count)"
                joins.append("""
                    LEFT JOIN (SELECT \(traceIdentifier(key.parentColumn)) AS v, row_number() OVER (ORDER BY \(traceIdentifier(key.parentColumn))) AS n, count(*) OVER () AS total
                               FROM \(parent.qualified) WHERE \(traceIdentifier(key.parentColumn)) IS NOT NULL) \(alias)
                      ON \(alias).n = (g - 1) % \(alias).total + 1
                    """)
                names.append(traceIdentifier(column.name))
                // Under replica a missing parent row is not checked: the generated value then.
                values.append(replica && generated != nil ? "coalesce(\(alias).v, \(generated!)::\(column.type))" : "\(alias).v")
                continue
            }
            guard let generated else {
                guard !column.notNull else {
                    progress("--rows: \(table.schema).\(table.name) skipped: column \(column.name) is NOT NULL of type \(column.type), which --rows cannot fill")
                    return nil
                }
                continue
            }
            names.append(traceIdentifier(column.name))
            values.append("(\(generated))::\(column.type)")
        }
        let series = "generate_series(1, \(rows)) AS s(g)"
        if names.isEmpty {
            // Every column has a default: each row as DEFAULT VALUES.
            return "DO $$ BEGIN FOR i IN 1..\(rows) LOOP INSERT INTO \(table.qualified) DEFAULT VALUES; END LOOP; END $$"
        }
        return "INSERT INTO \(table.qualified) (\(names.joined(separator: ", "))) SELECT \(values.joined(separator: ", ")) FROM \(series)"
            + (joins.isEmpty ? "" : "\n" + joins.joined(separator: "\n"))
    }

    /// A value of the column's base type from the row number `g`, distinct across rows where
    /// the type allows; nil for a type it cannot make.
    static func value(for column: Column) -> String? {
        if let label = column.firstLabel { return literal(label) }
        switch column.baseType {
        case "int2": return "g % 32767"
        case "int4", "int8", "oid", "numeric", "float4", "float8", "money": return "g"
        case "bool": return "g % 2 = 0"
        case "date": return "date '2000-01-01' + g"
        case "timestamp", "timestamptz": return "timestamp '2000-01-01' + g * interval '1 second'"
        case "time", "timetz": return "time '00:00' + g * interval '1 second'"
        case "interval": return "g * interval '1 second'"
        case "uuid": return "md5(g::text)::uuid"
        case "json", "jsonb": return "'{}'"
        case "bytea": return "convert_to(g::text, 'UTF8')"
        case "inet", "cidr": return "'10.0.0.0'::inet + g"
        default: break
        }
        switch column.category {
        case "S": return "g::text"    // text, varchar(n) and char(n) (cut to length by the cast), citext...
        case "A": return "'{}'"       // an empty array
        default: return nil
        }
    }

    // MARK: - Catalog

    func readTables() throws(ApplyError) -> [Table] {
        let generated = (database.postgresMajor ?? 0) >= 12 ? "OR a.attgenerated <> ''" : ""
        var tables: [Table] = []
        for row in try database.query("""
            SELECT c.oid::int8, n.nspname::text, c.relname::text,
                   json_agg(json_build_array(a.attname::text, format_type(a.atttypid, a.atttypmod), b.typname::text, b.typcategory::text,
                                             a.attnotnull::text, (a.atthasdef OR a.attidentity <> '' \(generated))::text,
                                             (SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = b.oid ORDER BY e.enumsortorder LIMIT 1))
                            ORDER BY a.attnum)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type t ON t.oid = a.atttypid
            JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND \(TraceCatalogQuery.userSchemas)
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            GROUP BY c.oid, n.nspname, c.relname
            ORDER BY c.oid
            """) {
            guard let oid = row[0].integer, let schema = row[1].text, let name = row[2].text else { continue }
            let columns = TraceCatalogQuery.strings(row[3]).compactMap { c -> Column? in
                guard c.count >= 7, let name = c[0], let type = c[1] else { return nil }
                return Column(name: name, type: type, baseType: c[2] ?? "", category: c[3] ?? "", notNull: c[4] == "true",
                              defaulted: c[5] == "true", firstLabel: c[6])
            }
            tables.append(Table(oid: oid, schema: schema, name: name, columns: columns))
        }
        return tables
    }

    /// Single-column foreign keys, by the table that holds them.
    func readForeignKeys() throws(ApplyError) -> [Int64: [ForeignKey]] {
        var keys: [Int64: [ForeignKey]] = [:]
        for row in try database.query("""
            SELECT k.conrelid::int8, k.confrelid::int8, a.attname::text, r.attname::text
            FROM pg_constraint k
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
            JOIN pg_attribute r ON r.attrelid = k.confrelid AND r.attnum = k.confkey[1]
            JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE k.contype = 'f' AND cardinality(k.conkey) = 1 AND \(TraceCatalogQuery.userSchemas)
            ORDER BY k.oid
            """) {
            guard let table = row[0].integer, let parent = row[1].integer, let column = row[2].text, let parentColumn = row[3].text else { continue }
            keys[table, default: []].append(ForeignKey(column: column, parent: parent, parentColumn: parentColumn))
        }
        return keys
    }

    /// Each table after the tables its foreign keys reference (a cycle, or a table referencing
    /// itself, in catalog order).
    static func parentsFirst(_ tables: [Table], _ keys: [Int64: [ForeignKey]]) -> [Table] {
        var ordered: [Table] = [], placed: Set<Int64> = [], visiting: Set<Int64> = []
        let byOID = Dictionary(tables.map { ($0.oid, $0) }, uniquingKeysWith: { a, _ in a })
        func place(_ table: Table) {
            guard !placed.contains(table.oid), !visiting.contains(table.oid) else { return }
            visiting.insert(table.oid)
            for key in keys[table.oid] ?? [] where key.parent != table.oid {
                if let parent = byOID[key.parent] { place(parent) }
            }
            visiting.remove(table.oid)
            placed.insert(table.oid)
            ordered.append(table)
        }
        tables.forEach(place)
        return ordered
    }

    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}

/// An identifier as SQL text: in double quotes, its own doubled.
private func traceIdentifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
