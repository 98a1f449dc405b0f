import Foundation

/// Reading an SQLite schema: `sqlite_schema` for the objects, and the table-valued pragmas
/// (`table_info`, `index_list`, `index_xinfo`, `foreign_key_list`) for what is in a table.
extension SchemaSnapshot {
    static func sqlite(_ database: any Database) throws(ApplyError) -> SchemaSnapshot {
        var snapshot = SchemaSnapshot()
        let rows = try database.query("""
            SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema
            WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name
            """)
        for row in rows {
            guard let type = row[0].text, let name = row[1].text else { continue }
            let table = row[2].text ?? "", sql = row[3].text ?? ""
            switch type {
            case "table": snapshot.tables[name] = try sqliteTable(name, database)
            case "view": snapshot.objects["view", default: [:]][name] = folded(sql)
            case "trigger": snapshot.objects["trigger", default: [:]]["\(name) on \(table)"] = folded(sql)
            default: break   // indexes are read with their table
            }
        }
        return snapshot
    }

    private static func sqliteTable(_ name: String, _ database: any Database) throws(ApplyError) -> Table {
        var table = Table(name: name)
        var primaryKey: [(position: Int64, column: String)] = []
        for row in try database.query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)", [.text(name)]) {
            guard let column = row[0].text else { continue }
            table.columns[column] = Column(name: column, type: row[1].text ?? "", notNull: row[2].integer == 1,
                                           defaultValue: row[3].text)
            if let position = row[4].integer, position > 0 { primaryKey.append((position, column)) }
        }
        if !primaryKey.isEmpty {
            let columns = primaryKey.sorted { $0.position < $1.position }.map(\.column).joined(separator: ", ")
            table.constraints["PRIMARY KEY (\(columns))"] = "PRIMARY KEY (\(columns))"
        }
        let indexSQL = Dictionary(try database.query("SELECT name, coalesce(sql, '') FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1",
                                                     [.text(name)]).compactMap { row in row[0].text.map { ($0, row[1].text ?? "") } },
                                  uniquingKeysWith: { a, _ in a })
        for row in try database.query("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)", [.text(name)]) {
            guard let index = row[0].text else { continue }
            let origin = row[2].text ?? "c"
            // The index of a PRIMARY KEY is the key itself (read from table_info above).
            if origin == "pk" { continue }
            var columns: [String] = []
            for element in try database.query("SELECT name, \"desc\", coll FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno", [.text(index)]) {
                var part = element[0].text ?? "(expression)"
                if element[1].integer == 1 { part += " DESC" }
                if let collation = element[2].text, collation != "BINARY" { part += " COLLATE \(collation)" }
                columns.append(part)
            }
            let unique = row[1].integer == 1
            if origin == "u" {
                // SQLite names UNIQUE constraints' indexes by position (sqlite_autoindex_t_2),
                // which a rebuilt table renumbers: they are known by their columns.
                let definition = "UNIQUE (\(columns.joined(separator: ", ")))"
                table.constraints[definition] = definition
                continue
            }
            let partial = row[3].integer == 1
            let written = indexSQL[index] ?? ""
            // An expression or a WHERE clause only shows in the index's SQL.
            table.indexes[index] = columns.contains { $0.hasPrefix("(expression)") } || partial
                ? folded(written) : "\(unique ? "UNIQUE " : "")(\(columns.joined(separator: ", ")))"
        }
        var foreignKeys: [Int64: [(from: String, to: String, table: String, onUpdate: String, onDelete: String)]] = [:]
        for row in try database.query("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
                                      [.text(name)]) {
            guard let id = row[0].integer else { continue }
            foreignKeys[id, default: []].append((row[2].text ?? "", row[3].text ?? "", row[1].text ?? "", row[4].text ?? "", row[5].text ?? ""))
        }
        for parts in foreignKeys.values {
            guard let first = parts.first else { continue }
            let definition = "FOREIGN KEY (\(parts.map(\.from).joined(separator: ", "))) REFERENCES \(first.table) "
                + "(\(parts.map(\.to).joined(separator: ", "))) ON UPDATE \(first.onUpdate) ON DELETE \(first.onDelete)"
            table.constraints[definition] = definition
        }
        return table
    }
}
