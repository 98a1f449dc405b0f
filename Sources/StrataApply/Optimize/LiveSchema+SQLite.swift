import Foundation
import StrataSyntax

/// Reading an SQLite database for `strata optimize`: `sqlite_schema` and the table-valued
/// pragmas (`table_list`, `table_info`, `index_list`, `index_xinfo`, `foreign_key_list`).
/// What no pragma tells (a column's declared collation, an index's WHERE and expressions) is
/// read from the CREATE statement SQLite keeps, with Strata's own statement reader.
extension LiveSchema {
    static func sqlite(_ database: any Database) throws(ApplyError) -> LiveSchema {
        var schema = LiveSchema(dialect: .sqlite)
        let objects = try database.query("SELECT type, name, tbl_name, coalesce(sql, ''), rowid FROM sqlite_schema")
        var indexRows: [String: (sql: String, order: Int64)] = [:]
        var tableSQL: [String: String] = [:]
        for row in objects {
            guard let type = row[0].text, let name = row[1].text else { continue }
            schema.relationNames.insert(name.lowercased())
            if type == "index" { indexRows[name] = (row[3].text ?? "", row[4].integer ?? 0) }
            if type == "table" { tableSQL[name] = row[3].text ?? "" }
        }
        for (name, withoutRowid) in try ordinaryTables(database, tableSQL) {
            let create = parse(tableSQL[name] ?? "")
            var declared: [String: ColumnDefinition] = [:]
            if case .createTable(let table)? = create {
                for column in table.columns { declared[column.name.name.lowercased()] = column }
            }
            var columns: [Column] = []
            var primaryKey: [(Int64, String)] = []
            for row in try database.query("SELECT name, type, pk FROM pragma_table_info(?1)", [.text(name)]) {
                guard let column = row[0].text else { continue }
                columns.append(Column(name: column, type: row[1].text ?? "",
                                      collation: declared[column.lowercased()]?.collation?.uppercased()))
                if let position = row[2].integer, position > 0 { primaryKey.append((position, column)) }
            }
            let rowidAlias = !withoutRowid && primaryKey.count == 1
                && columns.first { $0.name == primaryKey[0].1 }?.type.uppercased() == "INTEGER" ? primaryKey[0].1 : nil
            schema.tables.append(Table(key: name, schema: nil, name: name, columns: columns,
                                       hasPrimaryKey: !primaryKey.isEmpty, rowidAlias: rowidAlias))
            schema.indexes += try indexes(of: name, columns: columns, database, indexRows)
            schema.foreignKeys += try foreignKeys(of: name, database)
        }
        // A foreign key names its parent as written; the table may be spelt otherwise.
        let keys: [String: String] = Dictionary(schema.tables.map { ($0.name.lowercased(), $0.key) }, uniquingKeysWith: { a, _ in a })
        for i in schema.foreignKeys.indices {
            schema.foreignKeys[i].referencedTable = keys[schema.foreignKeys[i].referencedTable.lowercased()] ?? schema.foreignKeys[i].referencedTable
        }
        return schema
    }

    /// The application's tables, with whether each is WITHOUT ROWID: no virtual tables or
    /// their shadow tables (`pragma_table_list`, SQLite 3.37+; before it, from the SQL), no
    /// `sqlite_` tables, no Strata tables.
    private static func ordinaryTables(_ database: any Database, _ tableSQL: [String: String]) throws(ApplyError) -> [(String, Bool)] {
        let listed: [(String, Bool)]
        if let rows = try? database.query("SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table' ORDER BY name") {
            listed = rows.compactMap { row in row[0].text.map { ($0, row[1].integer == 1) } }
        } else {
            listed = tableSQL.keys.sorted().compactMap { name in
                let sql = tableSQL[name]?.uppercased() ?? ""
                guard !sql.hasPrefix("CREATE VIRTUAL") else { return nil }
                return (name, sql.replacingOccurrences(of: " ", with: "").hasSuffix("WITHOUTROWID"))
            }
        }
        return listed.filter { !$0.0.hasPrefix("sqlite_") && !isStrataTable($0.0) }
    }

    private static func indexes(of table: String, columns: [Column], _ database: any Database,
                                _ rows: [String: (sql: String, order: Int64)]) throws(ApplyError) -> [Index] {
        var found: [Index] = []
        for row in try database.query("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)", [.text(table)]) {
            guard let name = row[0].text else { continue }
            let origin = row[2].text ?? "c"
            let sql = rows[name]?.sql ?? ""
            var create: CreateIndex? = nil
            if case .createIndex(let parsed)? = parse(sql) { create = parsed }
            var elements: [Index.Element] = []
            for (position, element) in try database.query(
                "SELECT name, \"desc\", coll, cid FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno", [.text(name)]).enumerated() {
                let collation = (element[2].text ?? "BINARY").uppercased()
                let descending = element[1].integer == 1
                // cid -2: an expression, whose text only the CREATE INDEX holds.
                let column = element[3].integer == -2 ? nil : element[0].text
                let text = column.map { $0.lowercased() }
                    ?? "(" + (create.flatMap { position < $0.elements.count ? $0.elements[position].text : nil } ?? "?") + ")"
                elements.append(Index.Element(column: column, collation: collation,
                                              identity: "\(text) COLLATE \(collation)\(descending ? " DESC" : "")"))
            }
            let partial = row[3].integer == 1
            found.append(Index(name: name, table: table, schema: nil, elements: elements, unique: row[1].integer == 1,
                               primary: origin == "pk", predicate: partial ? (create?.whereClause ?? "?") : nil,
                               backsConstraint: origin != "c", definition: sql.isEmpty ? nil : sql,
                               order: rows[name]?.order ?? 0))
        }
        return found
    }

    private static func foreignKeys(of table: String, _ database: any Database) throws(ApplyError) -> [ForeignKey] {
        var byID: [Int64: (parent: String, from: [String], to: [String?])] = [:]
        for row in try database.query("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq", [.text(table)]) {
            guard let id = row[0].integer else { continue }
            var key = byID[id] ?? (row[1].text ?? "", [], [])
            key.from.append(row[2].text ?? "")
            key.to.append(row[3].text)
            byID[id] = key
        }
        var found: [ForeignKey] = []
        for id in byID.keys.sorted() {
            guard let key = byID[id] else { continue }
            // `REFERENCES parent` without columns means the parent's primary key.
            let to = key.to.contains(nil) ? try primaryKeyColumns(key.parent, database) : key.to.compactMap { $0 }
            found.append(ForeignKey(table: table, name: nil, columns: key.from, referencedTable: key.parent, referencedColumns: to))
        }
        return found
    }

    private static func primaryKeyColumns(_ table: String, _ database: any Database) throws(ApplyError) -> [String] {
        try database.query("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk", [.text(table)]).compactMap { $0[0].text }
    }

    /// The first statement of `sql`, as Strata's reader understands it.
    static func parse(_ sql: String) -> StatementKind? {
        guard !sql.isEmpty else { return nil }
        let source = SourceText(sql, dialect: .sqlite)
        guard let range = StatementSplitter.split(source).first else { return nil }
        return StatementReader.read(source, tokens: range).kind
    }

    /// SQLite's type affinity of a declared type, by the rules of its documentation ("Datatypes
    /// In SQLite", 3.1), in their order: INT, then CHAR/CLOB/TEXT, then BLOB or no type, then
    /// REAL/FLOA/DOUB, else NUMERIC.
    static func sqliteAffinity(_ declaredType: String) -> String {
        let type = declaredType.uppercased()
        if type.contains("INT") { return "INTEGER" }
        if type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") { return "TEXT" }
        if type.contains("BLOB") || type.trimmingCharacters(in: .whitespaces).isEmpty { return "BLOB" }
        if type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB") { return "REAL" }
        return "NUMERIC"
    }
}
