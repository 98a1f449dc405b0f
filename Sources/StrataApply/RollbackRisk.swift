import Foundation
import StrataSyntax

/// What rolling back one migration would do to the data, assessed before anything runs: read
/// from its DOWN statements and measured on the live database (row counts with the same WHERE).
public struct RollbackRisk: Sendable, Equatable {
    /// `low`: no data touched; `medium`: data changed, or statements Strata cannot assess;
    /// `high`: data would be lost; `blocked`: the rollback must not run as it stands.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case low, medium, high, blocked

        public var description: String {
            switch self {
            case .low: "low"
            case .medium: "medium"
            case .high: "high"
            case .blocked: "blocked"
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public struct Item: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case rollbackUnsafe = "rollback-unsafe"
            case missingDown = "missing-down"
            case dependents
            case changedSinceApplied = "changed-since-applied"
            case tableDropped = "table-dropped"
            case columnDropped = "column-dropped"
            case rowsDeleted = "rows-deleted"
            case rowsUpdated = "rows-updated"
            case schemaDropped = "schema-dropped"
            case notAssessed = "not-assessed"
        }

        public var kind: Kind
        public var level: Level
        /// What it is about, in words: "drops table orders (1,204 rows)".
        public var detail: String
        /// The DOWN statement's line in the file, when the item comes from one.
        public var line: Int?
        public var table: String?
        public var column: String?
        /// Rows (or non-NULL values) measured on the database; nil when not measurable.
        public var rows: Int64?

        public init(kind: Kind, level: Level, detail: String, line: Int? = nil, table: String? = nil,
                    column: String? = nil, rows: Int64? = nil) {
            self.kind = kind
            self.level = level
            self.detail = detail
            self.line = line
            self.table = table
            self.column = column
            self.rows = rows
        }
    }

    public var items: [Item]

    public init(items: [Item] = []) { self.items = items }

    public var level: Level { items.map(\.level).max() ?? .low }
}

/// Reads DOWN statements and measures what they would destroy.
public enum RollbackRiskAssessor {
    /// The data items of a DOWN section: tables and columns dropped with their rows and
    /// non-NULL values, DELETE / TRUNCATE / UPDATE with the rows they hit, statements that
    /// cannot be assessed. A table rebuilt in the same DOWN (its rows copied by
    /// `INSERT ... SELECT` before it is dropped) does not count as lost.
    public static func dataItems(_ statements: [Statement], source: SourceText, database: any Database) -> [RollbackRisk.Item] {
        var items: [RollbackRisk.Item] = []
        // Tables read by an INSERT ... SELECT earlier in the section: a rebuild copies them.
        var copiedFrom = Set<String>()
        for statement in statements {
            let line = statement.range.start.line
            switch statement.kind {
            case .insert(let insert) where insert.fromSelect:
                for table in selectedTables(statement, source) { copiedFrom.insert(table) }
            case .drop(let drop):
                switch drop.objectKind {
                case .table:
                    for name in drop.names where !copiedFrom.contains(name.key) {
                        items.append(measure(database, table: name, line: line, kind: .tableDropped) { rows in
                            "drops table \(name)" + rowsText(rows, "row")
                        })
                    }
                case .schema, .database:
                    let what = drop.objectKind == .schema ? "schema" : "database"
                    for name in drop.names {
                        items.append(.init(kind: .schemaDropped, level: .high, detail: "drops \(what) \(name) and everything in it",
                                           line: line, table: name.description))
                    }
                default:
                    break  // indexes, views, functions, types, sequences: no rows of their own
                }
            case .alterTable(let alter):
                for (action, _) in alter.actions {
                    switch action {
                    case .dropColumn(let column, _, _):
                        let sql = "SELECT count(*) FROM \(quoted(alter.name, database)) WHERE \(quoted(column.name)) IS NOT NULL"
                        items.append(measure(database, sql: sql, table: alter.name, column: column.name, line: line, kind: .columnDropped) { rows in
                            "drops column \(alter.name).\(column.name)" + rowsText(rows, "non-NULL value")
                        })
                    case .alterColumnType(let column, let type, _):
                        items.append(.init(kind: .rowsUpdated, level: .medium,
                                           detail: "changes \(alter.name).\(column.name) to \(type); values that do not fit fail or are converted",
                                           line: line, table: alter.name.description, column: column.name))
                    default:
                        break
                    }
                }
            case .truncate(let truncate):
                for name in truncate.tables {
                    items.append(measure(database, table: name, line: line, kind: .rowsDeleted) { rows in
                        "truncates \(name)" + rowsText(rows, "row") + (truncate.cascade ? ", and the tables referencing it (CASCADE)" : "")
                    })
                }
            case .delete(let change):
                let filter = change.whereClause.map { " WHERE \($0)" } ?? ""
                let sql = "SELECT count(*) FROM \(quoted(change.table, database))\(filter)"
                items.append(measure(database, sql: sql, table: change.table, line: line, kind: .rowsDeleted) { rows in
                    "deletes from \(change.table)" + rowsText(rows, "row")
                })
            case .update(let change):
                let filter = change.whereClause.map { " WHERE \($0)" } ?? ""
                let sql = "SELECT count(*) FROM \(quoted(change.table, database))\(filter)"
                var item = measure(database, sql: sql, table: change.table, line: line, kind: .rowsUpdated) { rows in
                    "updates \(change.table)" + rowsText(rows, "row")
                }
                // Rewritten values may be lost, but the rows stay.
                item.level = min(item.level, .medium)
                items.append(item)
            case .other(let words):
                if !harmless(words) {
                    items.append(.init(kind: .notAssessed, level: .medium,
                                       detail: "\(words.uppercased()) … cannot be assessed; read it before rolling back", line: line))
                }
            case .createTable, .createIndex, .insert, .transaction, .set, .pragma:
                break
            }
        }
        return items
    }

    /// Statements that touch no rows: creating objects, comments, grants, dropping objects
    /// without data, SELECT.
    static func harmless(_ words: String) -> Bool {
        let first = words.split(separator: " ").first.map(String.init) ?? ""
        if ["create", "comment", "grant", "revoke", "select", "analyze", "reindex", "vacuum", "refresh", "notify",
            "lock", "explain", "savepoint", "release"].contains(first) { return true }
        if first == "alter" { return !words.hasPrefix("alter table") }
        if first == "drop" {
            // DROP TABLE / SCHEMA / DATABASE are read above; DROP OWNED drops tables too.
            return !words.hasPrefix("drop owned")
        }
        return false
    }

    /// The tables named after FROM / JOIN in an `INSERT ... SELECT`, keyed as the schema
    /// model keys them (`public.` and `main.` dropped).
    static func selectedTables(_ statement: Statement, _ source: SourceText) -> [String] {
        let tokens = statement.tokens.filter { !source.tokens[$0].kind.isTrivia }.map { source.tokens[$0] }
        func name(_ token: Token) -> String? {
            switch token.kind {
            case .word: return source.text(of: token).lowercased()
            case .quotedIdentifier: return String(source.text(of: token).dropFirst().dropLast())
            default: return nil
            }
        }
        var tables: [String] = []
        var i = 0
        while i < tokens.count {
            defer { i += 1 }
            guard tokens[i].kind == .word, ["from", "join"].contains(source.text(of: tokens[i]).lowercased()),
                  i + 1 < tokens.count, var table = name(tokens[i + 1]) else { continue }
            if i + 3 < tokens.count, source.text(of: tokens[i + 2]) == ".", let qualified = name(tokens[i + 3]) {
                table = ["public", "main"].contains(table) ? qualified : table + "." + qualified
            }
            tables.append(table)
        }
        return tables
    }

    static func rowsText(_ rows: Int64?, _ unit: String) -> String {
        guard let rows else { return " (not measured)" }
        return " (\(rows.formatted()) \(unit)\(rows == 1 ? "" : "s"))"
    }

    /// `SELECT count(*)` of a whole table.
    static func measure(_ database: any Database, table: ObjectName, line: Int, kind: RollbackRisk.Item.Kind,
                        _ detail: (Int64?) -> String) -> RollbackRisk.Item {
        measure(database, sql: "SELECT count(*) FROM \(quoted(table, database))", table: table, line: line, kind: kind, detail)
    }

    /// Runs a count. A table that is not there counts as no rows (`DROP TABLE IF EXISTS` of
    /// something long gone); a count that fails otherwise is reported as not measured.
    static func measure(_ database: any Database, sql: String, table: ObjectName, column: String? = nil, line: Int,
                        kind: RollbackRisk.Item.Kind, _ detail: (Int64?) -> String) -> RollbackRisk.Item {
        var rows: Int64? = nil
        if tableExists(database, table) {
            rows = try? database.query(sql).first?.first?.integer
        } else {
            rows = 0
        }
        let level: RollbackRisk.Level = rows.map { $0 > 0 ? .high : .low } ?? .medium
        return .init(kind: kind, level: level, detail: detail(rows), line: line, table: table.description, column: column, rows: rows)
    }

    static func tableExists(_ database: any Database, _ table: ObjectName) -> Bool {
        let sql: String
        var parameters: [DatabaseValue] = [.text(table.name)]
        if database.dialect == .sqlite {
            sql = "SELECT count(*) FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?1"
        } else if let schema = table.schema {
            sql = "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND n.nspname = $2"
            parameters.append(.text(schema))
        } else {
            sql = "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = $1 AND pg_catalog.pg_table_is_visible(oid)"
        }
        return ((try? database.query(sql, parameters).first?.first?.integer) ?? 0) > 0
    }

    /// An identifier quoted for SQL text (names from a parsed migration, never user input
    /// typed at the prompt; quoting keeps an odd name from changing the statement).
    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static func quoted(_ name: ObjectName, _ database: any Database) -> String {
        if let schema = name.schema { return quoted(schema) + "." + quoted(name.name) }
        return quoted(name.name)
    }
}
