import Foundation
import StrataSyntax

/// The schema of a database as its catalogue describes it, at one moment: tables with their
/// columns, indexes and constraints, and the views, sequences, triggers, functions and types
/// around them. `strata verify` takes one before and after each step of a migration and
/// compares them (`SchemaSnapshot.changes`).
///
/// ```swift
/// let before = try SchemaSnapshot.take(of: database)
/// try database.execute("CREATE INDEX idx_tasks_due ON tasks (due_at)")
/// let after = try SchemaSnapshot.take(of: database)
/// after.changes(from: before)   // [index idx_tasks_due on tasks: added]
/// ```
public struct SchemaSnapshot: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        /// The type as the database spells it (`character varying(40)`, `INTEGER`).
        public var type: String
        public var notNull: Bool
        /// The default expression as the database prints it, nil when there is none.
        public var defaultValue: String?
    }

    public struct Table: Sendable, Equatable {
        public var name: String
        /// Columns by name (the order of columns is not compared: a DOWN that adds a dropped
        /// column back puts it last, and cannot do better).
        public var columns: [String: Column] = [:]
        /// Index definitions by name, indexes backing a constraint left out (the constraint
        /// stands for them).
        public var indexes: [String: String] = [:]
        /// Constraint definitions by name (`PRIMARY KEY (id)`, `FOREIGN KEY (a) REFERENCES
        /// t(id) ON DELETE CASCADE`). SQLite names its keys by their definition.
        public var constraints: [String: String] = [:]
    }

    /// Tables by name (schema-qualified outside the default schema).
    public var tables: [String: Table] = [:]
    /// Other objects by kind (`view`, `sequence`, `trigger`, `function`, `type`, `extension`),
    /// then name, with their definitions.
    public var objects: [String: [String: String]] = [:]

    public init() {}

    // MARK: - Comparing

    /// One difference between two snapshots, named: `index idx_tasks_due on tasks`.
    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case added, removed, changed }

        public var kind: Kind
        /// What it is: `table tasks`, `column tasks.due_at`, `index idx_tasks_due on tasks`.
        public var object: String
        /// The names it is known by (table, column, index...), to find the statement about it.
        public var names: [String]
        /// For a change: the definition now and before.
        public var now: String?
        public var before: String?

        public var description: String {
            switch kind {
            case .added: "\(object): added"
            case .removed: "\(object): removed"
            case .changed: "\(object): \(now ?? "") (was \(before ?? ""))"
            }
        }
    }

    /// What differs in this snapshot from `earlier`: a table added or removed counts once,
    /// not once per column.
    public func changes(from earlier: SchemaSnapshot) -> [Change] {
        var found: [Change] = []
        for name in Set(tables.keys).union(earlier.tables.keys).sorted() {
            switch (earlier.tables[name], tables[name]) {
            case (nil, _?): found.append(Change(kind: .added, object: "table \(name)", names: [name]))
            case (_?, nil): found.append(Change(kind: .removed, object: "table \(name)", names: [name]))
            case (let old?, let new?): found += Self.changes(in: name, from: old, to: new)
            case (nil, nil): break
            }
        }
        for kind in Set(objects.keys).union(earlier.objects.keys).sorted() {
            found += Self.compare(earlier.objects[kind] ?? [:], objects[kind] ?? [:]) { "\(kind) \($0)" }
        }
        return found
    }

    private static func changes(in table: String, from old: Table, to new: Table) -> [Change] {
        var found: [Change] = []
        for name in Set(old.columns.keys).union(new.columns.keys).sorted() {
            let object = "column \(table).\(name)"
            switch (old.columns[name], new.columns[name]) {
            case (nil, _?): found.append(Change(kind: .added, object: object, names: [table, name]))
            case (_?, nil): found.append(Change(kind: .removed, object: object, names: [table, name]))
            case (let a?, let b?) where a != b:
                found.append(Change(kind: .changed, object: object, names: [table, name], now: describe(b), before: describe(a)))
            default: break
            }
        }
        found += compare(old.indexes, new.indexes, names: { [$0, table] }) { "index \($0) on \(table)" }
        found += compare(old.constraints, new.constraints, names: { [$0, table] }) { "constraint \($0) on \(table)" }
        return found
    }

    /// Named definitions compared by name.
    private static func compare(_ old: [String: String], _ new: [String: String],
                                names: (String) -> [String] = { [$0] }, object: (String) -> String) -> [Change] {
        Set(old.keys).union(new.keys).sorted().compactMap { name in
            switch (old[name], new[name]) {
            case (nil, _?): Change(kind: .added, object: object(name), names: names(name))
            case (_?, nil): Change(kind: .removed, object: object(name), names: names(name))
            case (let a?, let b?) where a != b: Change(kind: .changed, object: object(name), names: names(name), now: b, before: a)
            default: nil
            }
        }
    }

    private static func describe(_ column: Column) -> String {
        var parts = [column.type, column.notNull ? "NOT NULL" : "NULL"]
        if let value = column.defaultValue { parts.append("DEFAULT \(value)") }
        return parts.joined(separator: " ")
    }

    // MARK: - Reading

    /// The snapshot of `database`: every schema but the system's (SQLite: the main database),
    /// or only `schema` when given (a scratch schema in a shared PostgreSQL database).
    public static func take(of database: any Database, schema: String? = nil) throws(ApplyError) -> SchemaSnapshot {
        switch database.dialect {
        case .sqlite: try sqlite(database)
        case .postgresql: try postgres(database, schema: schema)
        }
    }

    /// Definition text as written, with whitespace folded and lower-cased outside quotes, so
    /// that a table created again with other line breaks compares equal.
    static func folded(_ sql: String) -> String {
        var out = ""
        var quote: Character? = nil
        var pendingSpace = false
        for character in sql {
            if let open = quote {
                out.append(character)
                if character == open { quote = nil }
                continue
            }
            if character.isWhitespace { pendingSpace = true; continue }
            if pendingSpace, let last = out.last, !"(,".contains(last), !"),".contains(character) { out.append(" ") }
            pendingSpace = false
            if character == "'" || character == "\"" || character == "`" { quote = character }
            if quote == nil { out += character.lowercased() } else { out.append(character) }
        }
        return out
    }
}
