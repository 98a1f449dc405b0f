import StrataCore
import Foundation

/// One relation as the trace last saw it in `pg_class`: enough to name it once it is dropped,
/// to tell a rewrite (its relfilenode), and to tell what a statement changed in it.
struct TracedRelation: Sendable, Equatable {
    struct Column: Sendable, Equatable {
        var name: String
        var type: String
        var notNull: Bool
        var defaultValue: String?
    }

    struct Constraint: Sendable, Equatable {
        var type: String
        var definition: String
    }

    var oid: Int64
    var schema: String
    var name: String
    var relkind: String
    /// 0 for a mapped relation (its file is found through the relation map).
    var relfilenode: Int64
    /// For an index, its table.
    var table: Int64?
    /// Whether the rest was read (tables, views, indexes always are, unless only weakly locked).
    var described: Bool
    /// By attribute number, so a rename reads as one column altered.
    var columns: [Int: Column] = [:]
    /// By name (PostgreSQL rebuilds some with new oids, under the same names).
    var constraints: [String: Constraint] = [:]
    var indexes: [String: String] = [:]
    /// A digest of a view's definition.
    var viewDefinition: String?

    var qualifiedName: String { "\(schema).\(name)" }
    var kind: String { Self.kind(of: relkind) }
    var isIndex: Bool { relkind == "i" || relkind == "I" }

    static func kind(of relkind: String) -> String {
        switch relkind {
        case "r": "table"
        case "p": "partitioned table"
        case "i": "index"
        case "I": "partitioned index"
        case "S": "sequence"
        case "v": "view"
        case "m": "materialized view"
        case "f": "foreign table"
        case "t": "TOAST table"
        case "c": "composite type"
        default: "relation"
        }
    }
}

/// The catalog queries of the trace. Each reads only the relations it is given (or, once, all
/// of them), so a step costs the same in a database of ten tables or of ten thousand.
enum TraceCatalogQuery {
    /// The relation kinds the trace follows.
    static let relkinds = "('r', 'p', 'f', 'i', 'I', 'S', 'v', 'm')"
    /// Schemas the trace leaves out (`n` is pg_namespace).
    static let userSchemas = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'"
    /// Lock modes that change no schema (reads and writes of rows): a relation locked only in
    /// these is not described again.
    static let rowLockModes = "('AccessShareLock', 'RowShareLock', 'RowExclusiveLock')"

    /// The columns after oid, schema, name, relkind, relfilenode that describe relation `c`,
    /// each a JSON array of string arrays (NULL when `described` is false or it has none).
    static func description(major: Int, described: String) -> String {
        let generated = major >= 12 ? "a.attgenerated::text" : "''"
        return """
            (SELECT x.indrelid::int8 FROM pg_index x WHERE x.indexrelid = c.oid),
            CASE WHEN \(described) AND c.relkind IN ('r', 'p', 'f') THEN (
              SELECT json_agg(json_build_array(a.attnum::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
                                               a.attnotnull::text, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, \(generated)) ORDER BY a.attnum)
              FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) END,
            CASE WHEN \(described) AND c.relkind IN ('r', 'p', 'f') THEN (
              SELECT json_agg(json_build_array(k.conname::text, k.contype::text, pg_get_constraintdef(k.oid)))
              FROM pg_constraint k WHERE k.conrelid = c.oid) END,
            CASE WHEN \(described) AND c.relkind IN ('r', 'p', 'm') THEN (
              SELECT json_agg(json_build_array(i.relname::text, pg_get_indexdef(x.indexrelid)))
              FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid) END,
            CASE WHEN \(described) AND c.relkind IN ('v', 'm') THEN md5(pg_get_viewdef(c.oid)) END
            """
    }

    /// Every relation the trace follows.
    static func all(major: Int) -> String {
        """
        SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text, c.relfilenode::int8, \(description(major: major, described: "true"))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN \(relkinds) AND \(userSchemas)
        """
    }

    /// The relation locks this session holds (granted), each relation once with its modes;
    /// with what describes it when it is locked in a mode that may change its schema, and for
    /// such an index, its table too (renaming an index locks the index only). A relation the
    /// transaction dropped has no pg_class row: its name columns are NULL.
    static func held(major: Int) -> String {
        """
        WITH held AS (
          SELECT l.relation, string_agg(l.mode, ',') AS modes, bool_or(l.mode NOT IN \(rowLockModes)) AS strong
          FROM pg_locks l
          WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
            AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
          GROUP BY l.relation
        ), targets AS (
          SELECT relation, modes, strong FROM held
          UNION ALL
          SELECT DISTINCT x.indrelid, '', true FROM held h JOIN pg_index x ON x.indexrelid = h.relation
          WHERE h.strong AND x.indrelid NOT IN (SELECT relation FROM held)
        )
        SELECT t.relation::int8, n.nspname::text, c.relname::text, c.relkind::text, c.relfilenode::int8,
               \(description(major: major, described: "t.strong")), t.modes, t.strong::text
        FROM targets t LEFT JOIN pg_class c ON c.oid = t.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid IS NULL OR (c.relkind IN \(relkinds) AND \(userSchemas))
        """
    }

    /// A relation from a row of `all` or `held` (nil when it has no pg_class row).
    static func relation(_ row: [DatabaseValue]) -> TracedRelation? {
        guard row.count >= 10, let oid = row[0].integer, let schema = row[1].text, let name = row[2].text,
              let relkind = row[3].text else { return nil }
        let described = row.count > 11 ? row[11].text == "true" : true
        var relation = TracedRelation(oid: oid, schema: schema, name: name, relkind: relkind, relfilenode: row[4].integer ?? 0,
                                      table: row[5].integer, described: described)
        guard described else { return relation }
        for column in strings(row[6]) where column.count >= 7 {
            guard let number = column[0].flatMap({ Int($0) }), let name = column[1], let type = column[2] else { continue }
            var value = column[4]
            if column[5] == "a" { value = "generated always as identity" } else if column[5] == "d" { value = "generated by default as identity" }
            if column[6] == "s", let expression = value { value = "generated always as (\(expression)) stored" }
            relation.columns[number] = .init(name: name, type: type, notNull: column[3] == "true", defaultValue: value)
        }
        for constraint in strings(row[7]) where constraint.count >= 3 {
            guard let name = constraint[0] else { continue }
            relation.constraints[name] = .init(type: constraint[1] ?? "", definition: constraint[2] ?? "")
        }
        for index in strings(row[8]) where index.count >= 2 {
            guard let name = index[0] else { continue }
            relation.indexes[name] = index[1] ?? ""
        }
        relation.viewDefinition = row[9].text
        return relation
    }

    /// A JSON array of arrays of strings (or nulls).
    static func strings(_ value: DatabaseValue) -> [[String?]] {
        guard let text = value.text else { return [] }
        return (try? JSONDecoder().decode([[String?]].self, from: Data(text.utf8))) ?? []
    }
}
