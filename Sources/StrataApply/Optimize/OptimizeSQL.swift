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
    static let postgresNameLimit = 63

    // MARK: - Identifiers

    /// Words either dialect reserves, or gives a meaning that makes a bare name risky.
    private static let reserved: Set<String> = [
        "abort", "add", "all", "alter", "analyse", "analyze", "and", "any", "array", "as", "asc", "attach", "autoincrement",
        "between", "both", "by", "case", "cast", "check", "collate", "column", "commit", "constraint", "create", "cross",
        "current_date", "current_time", "current_timestamp", "current_user", "database", "default", "deferrable", "delete",
        "desc", "detach", "distinct", "do", "drop", "else", "end", "escape", "except", "exists", "explain", "false", "fetch",
        "for", "foreign", "from", "full", "glob", "grant", "group", "having", "if", "in", "index", "indexed", "initially",
        "inner", "insert", "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit",
        "localtime", "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer",
        "placing", "pragma", "primary", "raise", "references", "regexp", "reindex", "rename", "replace", "returning",
        "right", "rollback", "select", "session_user", "set", "some", "symmetric", "table", "then", "to", "trailing",
        "transaction", "trigger", "true", "union", "unique", "update", "user", "using", "vacuum", "values", "variadic",
        "view", "virtual", "when", "where", "window", "with",
    ]

    /// `name` as SQL: bare when it is a plain lower-case word (on SQLite, where names ignore
    /// case, any ASCII word) that no dialect reserves, else double-quoted.
    func identifier(_ name: String) -> String {
        let plain = name.utf8.first.map { $0 == UInt8(ascii: "_") || (dialect == .sqlite ? isASCIILetter($0) : isLowerLetter($0)) } == true
            && name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isDigit($0) || (dialect == .sqlite ? isASCIILetter($0) : isLowerLetter($0)) }
        if plain, !Self.reserved.contains(name.lowercased()) { return name }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func isLowerLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    private func isASCIILetter(_ byte: UInt8) -> Bool { isLowerLetter(byte | 0x20) }
    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

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
            var name = base + ending
            if dialect == .postgresql, name.utf8.count > Self.postgresNameLimit {
                let hash = "_" + Self.fnv1a(base)
                name = String(base.utf8.prefix(Self.postgresNameLimit - hash.utf8.count - ending.utf8.count))! + hash + ending
            }
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

    /// FNV-1a, 32 bits, as 8 hex digits: stable across runs and platforms (Swift's own hashes
    /// are seeded per process).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return String(format: "%08x", hash)
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
