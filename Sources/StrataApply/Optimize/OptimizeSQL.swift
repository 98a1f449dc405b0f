import Foundation
import StrataSyntax

/// The SQL `strata optimize` writes: identifiers quoted only when they must be, names for new
/// indexes that are stable from run to run and free in the database, and the CREATE, DROP and
/// ANALYZE statements of each dialect with the statement that undoes them.
struct OptimizeSQL {
    let dialect: Dialect
    /// PostgreSQL: the schema unqualified names resolve to; tables elsewhere are qualified.
    let currentSchema: String?
    /// Names in use (lower-cased; `schema.name` on PostgreSQL), names given out included.
    private(set) var taken: Set<String>

    init(_ live: LiveSchema) {
        dialect = live.dialect
        currentSchema = live.currentSchema
        taken = live.relationNames
    }

    /// PostgreSQL's limit on identifiers (NAMEDATALEN - 1 bytes); SQLite has none.
    static let postgresNameLimit = SQLIdentifier.postgresNameLimit

    // MARK: - Identifiers

    /// `name` as SQL: bare when the dialect reads it back as itself, else double-quoted
    /// (`"Post"` on PostgreSQL, `"order"` on both).
    func identifier(_ name: String) -> String { SQLIdentifier.quoted(name, for: dialect) }

    /// A table as SQL: qualified on PostgreSQL when it is not in the current schema.
    func reference(_ table: LiveSchema.Table) -> String {
        guard let schema = table.schema, schema != currentSchema else { return identifier(table.name) }
        return identifier(schema) + "." + identifier(table.name)
    }

    /// An index as SQL: in its table's schema.
    func reference(index: String, of table: LiveSchema.Table) -> String {
        guard let schema = table.schema, schema != currentSchema else { return identifier(index) }
        return identifier(schema) + "." + identifier(index)
    }

    // MARK: - Names

    /// A free name for an index on `columns` of `table`: `idx_<table>_<columns>`, lower-cased
    /// with anything but letters, digits and `_` turned into `_`; on PostgreSQL cut to 63
    /// bytes with a hash of the whole name kept, so that two long names stay apart; `_2`,
    /// `_3`... when the name is in use. Deterministic: the same database gives the same name.
    mutating func newIndexName(table: LiveSchema.Table, columns: [String]) -> String {
        let words = ([table.name] + columns).map { word in
            String(word.lowercased().unicodeScalars.map { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_") ? Character(scalar) : "_"
            })
        }
        let base = "idx_" + words.joined(separator: "_")
        var suffix = 1
        while true {
            let ending = suffix == 1 ? "" : "_\(suffix)"
            let name = dialect == .postgresql ? SQLIdentifier.fitted(base, ending: ending, limit: Self.postgresNameLimit) : base + ending
            let key = takenKey(name, schema: table.schema)
            if !taken.contains(key) {
                taken.insert(key)
                return name
            }
            suffix += 1
        }
    }

    private func takenKey(_ name: String, schema: String?) -> String {
        dialect == .postgresql ? "\(schema ?? "").\(name)" : name.lowercased()
    }

    // MARK: - Statements

    /// The fix creating index `name` on `columns` (each with the collation it must sort by,
    /// when not its column's own), and the DROP that undoes it.
    func createIndex(_ name: String, on table: LiveSchema.Table, columns: [(name: String, collation: String?)]) -> OptimizeFix {
        let elements = columns.map { column in identifier(column.name) + (column.collation.map { " COLLATE \($0)" } ?? "") }
            .joined(separator: ", ")
        let concurrent = dialect == .postgresql
        return OptimizeFix(kind: .createIndex, table: table.key, index: name,
                           up: "CREATE INDEX \(concurrent ? "CONCURRENTLY " : "")\(identifier(name)) ON \(reference(table)) (\(elements))",
                           down: dropStatement(name, of: table), needsIncludeDrops: false, transactional: !concurrent)
    }

    /// The fix dropping `index`, and the statement that builds it again from its definition
    /// (nil when the database gave none).
    func dropIndex(_ index: LiveSchema.Index, of table: LiveSchema.Table, needsIncludeDrops: Bool) -> OptimizeFix? {
        guard let definition = index.definition, let again = recreateStatement(definition) else { return nil }
        return OptimizeFix(kind: .dropIndex, table: table.key, index: index.name, up: dropStatement(index.name, of: table),
                           down: again, needsIncludeDrops: needsIncludeDrops, transactional: dialect == .sqlite)
    }

    func analyze(_ table: LiveSchema.Table) -> OptimizeFix {
        OptimizeFix(kind: .analyze, table: table.key, index: nil, up: "ANALYZE \(reference(table))", down: nil,
                    needsIncludeDrops: false, transactional: true)
    }

    func dropStatement(_ index: String, of table: LiveSchema.Table) -> String {
        dialect == .postgresql
            ? "DROP INDEX CONCURRENTLY IF EXISTS \(reference(index: index, of: table))"
            : "DROP INDEX IF EXISTS \(identifier(index))"
    }

    /// An index's definition as the statement that builds it again: SQLite's as it was
    /// written; PostgreSQL's (`pg_get_indexdef`) built CONCURRENTLY, so that no write waits.
    func recreateStatement(_ definition: String) -> String? {
        guard dialect == .postgresql else { return definition }
        for prefix in ["CREATE UNIQUE INDEX ", "CREATE INDEX "] where definition.hasPrefix(prefix) {
            return prefix + "CONCURRENTLY " + definition.dropFirst(prefix.count)
        }
        return nil
    }
}
