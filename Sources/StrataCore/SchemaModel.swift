import StrataSyntax

/// The schema the migrations build, replayed statement by statement in migration order, so a
/// rule can ask "is this column covered by an index, here or earlier?" or "was this table
/// created by this migration?". It models what the statement reader understands (tables,
/// columns, keys, indexes); anything else leaves it unchanged.
public struct SchemaModel: Sendable {
    public struct Column: Sendable, Hashable {
        public var name: String
        public var type: String?
        public var notNull: Bool
        public var hasDefault: Bool
        /// The migration that added the column.
        public var addedBy: String
    }

    public struct ForeignKey: Sendable, Hashable {
        public var name: String?
        public var columns: [String]
        public var references: ForeignKeyReference
    }

    /// A `CHECK (col IS NOT NULL)` table constraint: PostgreSQL 12+ skips SET NOT NULL's scan
    /// when a valid one exists.
    public struct NotNullCheck: Sendable, Hashable {
        public var name: String?
        public var column: String
        /// False while it is NOT VALID.
        public var valid: Bool
    }

    public struct Table: Sendable, Hashable {
        public var name: String
        public var columns: [Column] = []
        public var primaryKey: [String] = []
        /// Column lists of UNIQUE constraints (inline or table-level).
        public var uniqueKeys: [[String]] = []
        public var foreignKeys: [ForeignKey] = []
        /// Named constraints, so DROP CONSTRAINT can find them.
        public var constraintNames: Set<String> = []
        /// The columns of each named PRIMARY KEY or UNIQUE constraint, so DROP CONSTRAINT
        /// removes the key and not only its name.
        public var keyNames: [String: [String]] = [:]
        /// A DROP CONSTRAINT named a constraint the model cannot tie to anything (one renamed
        /// by ALTER INDEX, say): the keys may hold one the database no longer has.
        public var keysUncertain = false
        /// The table-level `CHECK (col IS NOT NULL)` constraints, valid or not.
        public var notNullChecks: [NotNullCheck] = []
        /// The table's indexes, named and unnamed.
        public var indexes: [Index] = []
        /// The migration that created the table.
        public var createdBy: String
        /// False when the columns come from elsewhere (`CREATE TABLE ... AS`, `PARTITION OF`).
        public var columnsKnown = true

        public func column(_ name: String) -> Column? { columns.first { $0.name == name } }

        /// Whether a validated `CHECK (column IS NOT NULL)` proves the column holds no NULL.
        public func hasValidNotNullCheck(_ column: String) -> Bool {
            notNullChecks.contains { $0.valid && $0.column == column }
        }
    }

    public struct Index: Sendable, Hashable {
        public var name: String?
        public var table: String
        /// Element names in order; nil for an expression element.
        public var columns: [String?]
        public var unique: Bool
        public var partial: Bool
        /// The column of a partial index's `WHERE col IS NOT NULL`: every lookup by that column
        /// (`col = ?`, a foreign key's) implies it, so the index still serves them.
        public var notNullPredicate: String? = nil
        public var createdBy: String
    }

    public private(set) var tables: [String: Table] = [:]
    /// The migration that last created each table name, dropped tables included: a rule on a
    /// DROP still learns whether the table was new on this branch.
    public private(set) var lastCreatedBy: [String: String] = [:]
    /// The table of each named index, so DROP INDEX finds it without a scan.
    private var tableOfIndex: [String: String] = [:]
    /// Tables that may have an index created without a name (a superset): DROP INDEX of the
    /// name PostgreSQL gave one looks only there.
    private var tablesWithUnnamedIndexes: Set<String> = []

    public init() {}

    public func table(_ name: ObjectName) -> Table? { tables[name.key] }

    /// A named index, wherever it lives.
    public func index(named name: String) -> Index? {
        // Looked up in place: `tables[key]?` would copy the whole table first.
        guard let key = tableOfIndex[name], let position = tables.index(forKey: key) else { return nil }
        return tables.values[position].indexes.first { $0.name == name }
    }

    /// Every index on a table, named or not.
    public func indexes(on table: String) -> [Index] { tables[table]?.indexes ?? [] }

    /// Whether `columns` (in any order) are the leading columns of an index, the primary key or a
    /// unique constraint of `table`: a lookup by those columns can then use an index.
    public func isCovered(table: String, columns: [String]) -> Bool {
        // Read in place (`tables[table]` would copy the table), and compared as sets without
        // building any: keys are a few columns long, and this runs for every new foreign key.
        guard let position = tables.index(forKey: table), !columns.isEmpty else { return false }
        let t = tables.values[position]
        func sameColumns(_ prefix: some Collection<String>) -> Bool {
            prefix.allSatisfy(columns.contains) && columns.allSatisfy(prefix.contains)
        }
        func leads(_ key: [String]) -> Bool { key.count >= columns.count && sameColumns(key.prefix(columns.count)) }
        if leads(t.primaryKey) || t.uniqueKeys.contains(where: leads) { return true }
        return t.indexes.contains { index in
            guard index.columns.count >= columns.count,
                  !index.partial || index.notNullPredicate.map(columns.contains) == true else { return false }
            let prefix = index.columns.prefix(columns.count)
            return prefix.allSatisfy { $0 != nil } && sameColumns(prefix.lazy.map { $0! })
        }
    }

    // MARK: - Replay

    /// Applies a migration's statements and returns every table they touched as it was before
    /// them (nil: it did not exist), so rules can ask what a column was before this file.
    @discardableResult
    public mutating func apply(file statements: [Statement], migration: String) -> [String: Table?] {
        var before: [String: Table?] = [:]
        for statement in statements {
            for key in touchedTables(statement) where before[key] == nil { before[key] = .some(tables[key]) }
            apply(statement, migration: migration)
        }
        return before
    }

    /// Applies a migration's statements without keeping what they changed (a replay whose
    /// file no rule looks at: nothing is copied to remember the tables as they were).
    public mutating func replay(file statements: [Statement], migration: String) {
        for statement in statements { apply(statement, migration: migration) }
    }

    /// This schema with `before` (from `apply(file:migration:)`) put back: the schema as it was
    /// before that file.
    public func restored(to before: [String: Table?]) -> SchemaModel {
        var copy = self
        for (key, table) in before {
            for index in copy.tables[key]?.indexes ?? [] { if let name = index.name { copy.tableOfIndex[name] = nil } }
            copy.tables[key] = table
            for index in table?.indexes ?? [] {
                if let name = index.name { copy.tableOfIndex[name] = key } else { copy.tablesWithUnnamedIndexes.insert(key) }
            }
        }
        return copy
    }

    /// The tables a statement may change or create.
    private func touchedTables(_ statement: Statement) -> [String] {
        switch statement.kind {
        case .createTable(let create): return [create.name.key]
        case .alterTable(let alter):
            return [alter.name.key] + alter.actions.compactMap { if case .renameTable(let to) = $0.action { to.key } else { nil } }
        case .createIndex(let create): return [create.table.key]
        case .drop(let drop):
            return drop.names.compactMap { drop.objectKind == .table ? $0.key : drop.objectKind == .index ? tableOfIndex[$0.key] : nil }
        default: return []
        }
    }

    /// Whether `apply` may change the model for a statement of this kind: it models tables,
    /// columns, keys and indexes, and leaves the model as it is for every other statement.
    /// (`apply` asks it first, so the two cannot disagree.)
    public static func mayChange(_ kind: StatementKind) -> Bool {
        switch kind {
        case .createTable, .alterTable, .createIndex, .drop: true
        case .truncate, .delete, .update, .insert, .transaction, .set, .pragma, .other: false
        }
    }

    /// Applies one statement of migration `migration`.
    public mutating func apply(_ statement: Statement, migration: String) {
        guard Self.mayChange(statement.kind) else { return }
        switch statement.kind {
        case .createTable(let create):
            apply(create, migration: migration)
        case .alterTable(let alter):
            for (action, _) in alter.actions { apply(action, to: alter.name.key, migration: migration) }
        case .createIndex(let create):
            let key = create.table.key
            guard tables.index(forKey: key) != nil else { return }
            if let name = create.name?.key, tableOfIndex[name] != nil {
                if create.ifNotExists { return }
                removeIndex(named: name)
            }
            let index = Index(name: create.name?.key, table: key, columns: create.elements.map { $0.column?.name },
                              unique: create.unique, partial: create.whereClause != nil,
                              notNullPredicate: create.whereClause.flatMap(Self.notNullColumn), createdBy: migration)
            guard let position = tables.index(forKey: key) else { return }
            tables.values[position].indexes.append(index)
            if let name = index.name { tableOfIndex[name] = key } else { tablesWithUnnamedIndexes.insert(key) }
        case .drop(let drop):
            for name in drop.names {
                switch drop.objectKind {
                case .table:
                    if let table = tables.removeValue(forKey: name.key) {
                        for index in table.indexes { if let n = index.name { tableOfIndex[n] = nil } }
                    }
                case .index:
                    if !removeIndex(named: name.key) { removeUnnamedIndex(generatedName: name) }
                default:
                    break
                }
            }
        default:
            break
        }
    }

    @discardableResult
    private mutating func removeIndex(named name: String) -> Bool {
        guard let key = tableOfIndex.removeValue(forKey: name) else { return false }
        tables[key]?.indexes.removeAll { $0.name == name }
        return true
    }

    /// DROP INDEX of the name PostgreSQL gave an index created without one (`t_a_b_idx`).
    private mutating func removeUnnamedIndex(generatedName name: ObjectName) {
        guard !tablesWithUnnamedIndexes.isEmpty, name.name.contains("_idx") else { return }
        for key in tablesWithUnnamedIndexes {
            guard let position = tables.index(forKey: key) else { continue }
            let table = tables.values[position]
            guard let i = table.indexes.firstIndex(where: { Self.generatedName(of: $0, on: table) == name.name }) else { continue }
            tables.values[position].indexes.remove(at: i)
            return
        }
    }

    private mutating func apply(_ create: CreateTable, migration: String) {
        let key = create.name.key
        if create.ifNotExists, tables[key] != nil { return }
        var table = Table(name: key, createdBy: migration)
        table.columnsKnown = !create.asSelect && !create.derivesColumns
        table.columns.reserveCapacity(create.columns.count)
        // A name given twice keeps its last definition, as in `add`; a set finds repeats
        // without comparing every column with every other.
        var seen = Set<String>(minimumCapacity: create.columns.count)
        for column in create.columns {
            Self.add(column, to: &table, migration: migration, isNew: seen.insert(column.name.name).inserted)
        }
        for constraint in create.constraints { Self.add(constraint, to: &table) }
        tables[key] = table
        lastCreatedBy[key] = migration
    }

    private static func add(_ column: ColumnDefinition, to table: inout Table, migration: String, isNew: Bool = false) {
        let name = column.name.name
        if !isNew { table.columns.removeAll { $0.name == name } }
        table.columns.append(Column(name: name, type: column.type, notNull: column.notNull || column.primaryKey,
                                    hasDefault: column.defaultExpression.map { !Self.isNullDefault($0) } ?? false, addedBy: migration))
        if column.primaryKey { table.primaryKey = [name] }
        if column.unique { table.uniqueKeys.append([name]) }
        if let reference = column.references {
            table.foreignKeys.append(ForeignKey(name: nil, columns: [name], references: reference))
        }
    }

    private static func names(_ columns: [ColumnName]) -> [String] { columns.map(\.name) }

    private static func add(_ constraint: TableConstraint, to table: inout Table) {
        if let name = constraint.name { table.constraintNames.insert(name) }
        rememberKeyName(constraint, in: &table)
        switch constraint.kind {
        case .primaryKey(let columns):
            table.primaryKey = names(columns)
        case .unique(let columns):
            table.uniqueKeys.append(names(columns))
        case .foreignKey(let columns, let references):
            table.foreignKeys.append(ForeignKey(name: constraint.name, columns: names(columns), references: references))
        case .check(let expression):
            if let column = notNullColumn(expression) {
                table.notNullChecks.append(NotNullCheck(name: constraint.name, column: column, valid: !constraint.notValid))
            }
        case .other:
            break
        }
        // `ADD CONSTRAINT ... USING INDEX idx` turns an index into the constraint.
        if let indexName = constraint.usingIndex, let index = table.indexes.first(where: { $0.name == indexName }) {
            let columns = index.columns.compactMap { $0 }
            if case .primaryKey = constraint.kind { table.primaryKey = columns } else { table.uniqueKeys.append(columns) }
        }
    }

    /// The column of a `col IS NOT NULL` expression (parentheses, quotes and case aside).
    public static func notNullColumn(_ expression: String) -> String? {
        // Most CHECKs say nothing of NULL: found without allocating, before the words are split.
        guard expression.utf8.count <= 256, containsNull(expression.utf8) else { return nil }
        // One identifier only: `a = 1 OR b IS NOT NULL` proves nothing about a column.
        // Split by bytes (parentheses, quotes and spaces separate words): this runs for every
        // CHECK in every replayed file.
        var words: [[UInt8]] = []
        var word: [UInt8] = []
        for byte in expression.utf8 {
            if byte >= 0x80 { return notNullColumnSlowly(expression) }
            if byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: " ") {
                if !word.isEmpty { words.append(word); word.removeAll(keepingCapacity: true) }
                if words.count > 4 { return nil }
            } else {
                word.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
            }
        }
        if !word.isEmpty { words.append(word) }
        guard words.count == 4, words[1] == Array("is".utf8), words[2] == Array("not".utf8), words[3] == Array("null".utf8) else { return nil }
        return String(decoding: words[0], as: UTF8.self)
    }

    /// `notNullColumn` for text with non-ASCII letters, lowercased as Swift lowercases them.
    private static func notNullColumnSlowly(_ expression: String) -> String? {
        let words = String(expression.lowercased().map { $0 == "(" || $0 == ")" || $0 == "\"" ? " " : $0 })
            .split(separator: " ")
        guard words.count == 4, words[1] == "is", words[2] == "not", words[3] == "null" else { return nil }
        return String(words[0])
    }

    private mutating func apply(_ action: AlterTableAction, to key: String, migration: String) {
        switch action {
        case .renameTable(let to):
            guard var table = tables.removeValue(forKey: key) else { return }
            table.name = to.key
            for i in table.indexes.indices {
                table.indexes[i].table = to.key
                if let name = table.indexes[i].name { tableOfIndex[name] = to.key }
            }
            if table.indexes.contains(where: { $0.name == nil }) { tablesWithUnnamedIndexes.insert(to.key) }
            tables[to.key] = table
            lastCreatedBy[to.key] = table.createdBy
            return
        default:
            break
        }
        // Changed where it lies in the dictionary (one lookup, and its arrays are not copied on
        // write unless a rule's view of the table before this file still holds them).
        guard let position = tables.index(forKey: key) else { return }
        Self.change(&tables.values[position], action, tableOfIndex: &tableOfIndex, migration: migration)
    }

    private static func change(_ table: inout Table, _ action: AlterTableAction, tableOfIndex: inout [String: String],
                               migration: String) {
        switch action {
        case .addColumn(let column, let ifNotExists):
            if !(ifNotExists && table.column(column.name.name) != nil) { add(column, to: &table, migration: migration) }
        case .dropColumn(let column, _, _):
            let name = column.name
            table.columns.removeAll { $0.name == name }
            forgetConstraints(of: name, in: &table)
            if table.primaryKey.contains(name) { table.primaryKey = [] }
            table.uniqueKeys.removeAll { $0.contains(name) }
            table.foreignKeys.removeAll { $0.columns.contains(name) }
            table.notNullChecks.removeAll { $0.column == name }
            // SQLite refuses to drop an indexed column and PostgreSQL drops its indexes with it.
            for index in table.indexes where index.columns.contains(name) {
                if let n = index.name { tableOfIndex[n] = nil }
            }
            table.indexes.removeAll { $0.columns.contains(name) }
        case .alterColumnType(let column, let type, _):
            if let i = table.columns.firstIndex(where: { $0.name == column.name }) { table.columns[i].type = type }
        case .setNotNull(let column):
            if let i = table.columns.firstIndex(where: { $0.name == column.name }) { table.columns[i].notNull = true }
        case .dropNotNull(let column):
            if let i = table.columns.firstIndex(where: { $0.name == column.name }) { table.columns[i].notNull = false }
        case .setDefault(let column, let expression):
            if let i = table.columns.firstIndex(where: { $0.name == column.name }) { table.columns[i].hasDefault = !isNullDefault(expression) }
        case .dropDefault(let column):
            if let i = table.columns.firstIndex(where: { $0.name == column.name }) { table.columns[i].hasDefault = false }
        case .addConstraint(let constraint):
            add(constraint, to: &table)
        case .dropConstraint(let name, _, _):
            dropKey(named: name, from: &table)
            table.constraintNames.remove(name)
            table.foreignKeys.removeAll { $0.name == name }
            table.notNullChecks.removeAll { $0.name == name }
        case .renameColumn(let from, let to):
            if let i = table.columns.firstIndex(where: { $0.name == from.name }) { table.columns[i].name = to.name }
            table.primaryKey = table.primaryKey.map { $0 == from.name ? to.name : $0 }
            table.uniqueKeys = table.uniqueKeys.map { $0.map { $0 == from.name ? to.name : $0 } }
            for i in table.foreignKeys.indices {
                table.foreignKeys[i].columns = table.foreignKeys[i].columns.map { $0 == from.name ? to.name : $0 }
            }
            for i in table.indexes.indices {
                table.indexes[i].columns = table.indexes[i].columns.map { $0 == from.name ? to.name : $0 }
            }
            for i in table.notNullChecks.indices where table.notNullChecks[i].column == from.name {
                table.notNullChecks[i].column = to.name
            }
            table.keyNames = table.keyNames.mapValues { $0.map { $0 == from.name ? to.name : $0 } }
        case .renameConstraint(let from, let to):
            if table.constraintNames.remove(from) != nil { table.constraintNames.insert(to) }
            if let columns = table.keyNames.removeValue(forKey: from) { table.keyNames[to] = columns }
            for i in table.notNullChecks.indices where table.notNullChecks[i].name == from { table.notNullChecks[i].name = to }
        case .validateConstraint(let name):
            for i in table.notNullChecks.indices where table.notNullChecks[i].name == name { table.notNullChecks[i].valid = true }
        case .other, .renameTable:
            break
        }
    }
}
