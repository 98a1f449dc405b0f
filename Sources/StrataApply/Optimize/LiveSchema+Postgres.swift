import Foundation

/// Reading a PostgreSQL database for `strata optimize`, from `pg_catalog` and the statistics
/// views: ordinary and partitioned tables (partitions are left out: their indexes and keys
/// come from the parent), columns, indexes with their elements, foreign keys, and each
/// table's and index's activity counters.
extension LiveSchema {
    /// `schemas`: the schemas to read; empty for every schema that is not the system's.
    static func postgres(_ database: any Database, schemas: [String]) throws(ApplyError) -> LiveSchema {
        var live = LiveSchema(dialect: .postgresql)
        let current = try database.query("SELECT current_schema()").first?.first?.text ?? "public"
        live.currentSchema = current
        let filter = schemaFilter(schemas, database)
        let key = { (namespace: String, name: String) in namespace == current ? name : "\(namespace).\(name)" }

        for row in try database.query("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE \(filter.sql)
            """, filter.parameters) {
            live.relationNames.insert("\(row[0].text ?? "").\(row[1].text ?? "")")
        }

        var tableKeys: [Int64: String] = [:]
        for row in try database.query("""
            SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text,
                   EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'),
                   s.seq_scan, s.idx_scan, s.n_live_tup, s.n_mod_since_analyze,
                   s.last_analyze::text, s.last_autoanalyze::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND \(filter.sql)
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY n.nspname, c.relname
            """, filter.parameters) {
            guard let oid = row[0].integer, let namespace = row[1].text, let name = row[2].text, !isStrataTable(name) else { continue }
            var table = Table(key: key(namespace, name), schema: namespace, name: name, columns: [],
                              hasPrimaryKey: row[4].integer == 1, rowidAlias: nil, partitioned: row[3].text == "p")
            if let scans = row[5].integer {
                table.activity = TableActivity(sequentialScans: scans, indexScans: row[6].integer, liveRows: row[7].integer ?? 0,
                                               modifiedSinceAnalyze: row[8].integer ?? 0, lastAnalyze: row[9].text,
                                               lastAutoanalyze: row[10].text)
            }
            tableKeys[oid] = table.key
            live.tables.append(table)
        }
        guard !tableKeys.isEmpty else { return live }
        let oids = "ARRAY[" + tableKeys.keys.sorted().map(String.init).joined(separator: ",") + "]::oid[]"

        var columns: [String: [Column]] = [:]
        for row in try database.query("""
            SELECT a.attrelid::int8, a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_collation co ON co.oid = a.attcollation
            WHERE a.attrelid = ANY(\(oids)) AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum
            """) {
            guard let oid = row[0].integer, let table = tableKeys[oid], let name = row[1].text else { continue }
            columns[table, default: []].append(Column(name: name, type: row[2].text ?? "", collation: row[3].text))
        }
        for i in live.tables.indices { live.tables[i].columns = columns[live.tables[i].key] ?? [] }

        live.indexes = try indexes(database, oids: oids, tableKeys: tableKeys)

        for row in try database.query("""
            SELECT k.conrelid::int8, k.conname, k.confrelid::int8,
                   (SELECT array_to_string(array_agg(a.attname ORDER BY u.ord), chr(31)) FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum),
                   (SELECT array_to_string(array_agg(a.attname ORDER BY u.ord), chr(31)) FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum),
                   pn.nspname, p.relname
            FROM pg_constraint k JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
            WHERE k.contype = 'f' AND k.conrelid = ANY(\(oids)) AND k.conparentid = 0
            ORDER BY k.conrelid, k.conname
            """) {
            guard let child = row[0].integer, let table = tableKeys[child] else { continue }
            let parent = row[2].integer.flatMap { tableKeys[$0] } ?? key(row[5].text ?? "", row[6].text ?? "")
            live.foreignKeys.append(ForeignKey(table: table, name: row[1].text, columns: split(row[3].text), referencedTable: parent,
                                               referencedColumns: split(row[4].text)))
        }
        return live
    }

    private static func indexes(_ database: any Database, oids: String, tableKeys: [Int64: String]) throws(ApplyError) -> [Index] {
        // One row per key element: the column (or the expression's text), and what else
        // decides its order: a collation other than the column's, an operator class other
        // than the type's default, DESC and NULLS FIRST/LAST (indoption bits 1 and 2).
        var elements: [Int64: [Index.Element]] = [:]
        var included: [Int64: [String]] = [:]
        for row in try database.query("""
            SELECT x.indexrelid::int8, u.ord, u.ord <= x.indnkeyatts, a.attname, pg_get_indexdef(x.indexrelid, u.ord::int, false),
                   CASE WHEN u.ord <= x.indnkeyatts AND x.indcollation[u.ord::int - 1] <> 0
                             AND x.indcollation[u.ord::int - 1] <> coalesce(a.attcollation, 0) THEN co.collname END,
                   CASE WHEN u.ord <= x.indnkeyatts AND NOT opc.opcdefault THEN opc.opcname END,
                   CASE WHEN u.ord <= x.indnkeyatts THEN x.indoption[u.ord::int - 1] ELSE 0 END
            FROM pg_index x CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY u(attnum, ord)
            LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.attnum AND u.attnum > 0
            LEFT JOIN pg_collation co ON u.ord <= x.indnkeyatts AND co.oid = x.indcollation[u.ord::int - 1]
            LEFT JOIN pg_opclass opc ON u.ord <= x.indnkeyatts AND opc.oid = x.indclass[u.ord::int - 1]
            WHERE x.indrelid = ANY(\(oids))
            ORDER BY x.indexrelid, u.ord
            """) {
            guard let oid = row[0].integer else { continue }
            let column = row[3].text
            guard row[2].integer == 1 else {
                included[oid, default: []].append(column ?? "?")
                continue
            }
            var identity = column.map { "\"\($0)\"" } ?? "(\(row[4].text ?? "?"))"
            if let collation = row[5].text { identity += " COLLATE \(collation)" }
            if let opclass = row[6].text { identity += " \(opclass)" }
            let option = row[7].integer ?? 0
            if option & 1 != 0 { identity += " DESC" }
            if option & 2 != 0 { identity += " NULLS FIRST" }
            elements[oid, default: []].append(Index.Element(column: column, collation: row[5].text, identity: identity))
        }
        var found: [Index] = []
        for row in try database.query("""
            SELECT x.indexrelid::int8, x.indrelid::int8, n.nspname, i.relname, x.indisunique, x.indisprimary, x.indisvalid,
                   am.amname, pg_get_expr(x.indpred, x.indrelid), pg_get_indexdef(x.indexrelid),
                   EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid),
                   s.idx_scan, pg_relation_size(x.indexrelid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
            JOIN pg_am am ON am.oid = i.relam
            LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = x.indexrelid
            WHERE x.indrelid = ANY(\(oids))
            ORDER BY x.indexrelid
            """) {
            guard let oid = row[0].integer, let table = row[1].integer.flatMap({ tableKeys[$0] }), let name = row[3].text else { continue }
            found.append(Index(name: name, table: table, schema: row[2].text, elements: elements[oid] ?? [],
                               included: included[oid] ?? [], unique: row[4].integer == 1, primary: row[5].integer == 1,
                               valid: row[6].integer == 1, predicate: row[8].text, method: row[7].text ?? "btree",
                               backsConstraint: row[10].integer == 1, definition: row[9].text, scans: row[11].integer,
                               sizeBytes: row[12].integer, order: oid))
        }
        return found
    }

    /// The WHERE condition on `n.nspname` choosing the schemas to read.
    private static func schemaFilter(_ schemas: [String], _ database: any Database) -> (sql: String, parameters: [DatabaseValue]) {
        guard !schemas.isEmpty else {
            return ("n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'", [])
        }
        let markers = schemas.indices.map { database.placeholder($0 + 1) }.joined(separator: ", ")
        return ("n.nspname IN (\(markers))", schemas.map(DatabaseValue.text))
    }

    /// Names joined with the unit separator (which no identifier holds) by the queries above.
    private static func split(_ joined: String?) -> [String] {
        (joined ?? "").split(separator: "\u{1F}", omittingEmptySubsequences: true).map(String.init)
    }
}
