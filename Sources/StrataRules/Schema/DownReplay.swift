import StrataCore
import StrataSyntax

/// A migration's UP, then its DOWN, replayed on copies of only the tables they touch, with
/// what the replay could not follow: `down-does-not-reverse-up` compares the result with the
/// tables as they were before the file, and says nothing where the model may be wrong.
struct DownReplay {
    /// The touched tables as they were before the file, after its UP, and after UP then DOWN.
    let before: SchemaModel
    private(set) var afterUp: SchemaModel
    private(set) var afterDown: SchemaModel
    /// Every table key UP or DOWN touches.
    let tables: Set<String>
    let dialect: Dialect
    /// Tables the model lost track of: a statement contradicts it (ADD COLUMN of a column it
    /// already has, DROP COLUMN of one it lacks, ALTER TABLE of a table it does not know), so
    /// the real table differs from the modelled one.
    private(set) var untracked: Set<String> = []
    /// Tables whose primary, unique and foreign keys cannot be followed: DROP CONSTRAINT of a
    /// name the model cannot tie to a key.
    private(set) var keysUntracked: Set<String> = []
    /// Columns dropped per table on PostgreSQL, which drops a column's constraints with it:
    /// the model keeps names without their columns, so only names this file ties to other
    /// columns are compared there.
    private(set) var droppedColumns: [String: Set<String>] = [:]
    /// A DROP INDEX named an index the model does not know: it may be one PostgreSQL named
    /// (`CREATE INDEX ON t (c)`), so unnamed indexes are not compared.
    private(set) var unnamedIndexesUntracked = false
    /// Constraints this file names, by name: what a later DROP CONSTRAINT of that name removes.
    let namedKeys: [String: NamedKey]

    enum NamedKey {
        case primaryKey([String]), unique([String]), foreignKey([String])
        /// A CHECK or other constraint, with the words of its text (a superset of its columns).
        case other(words: Set<String>)

        var columns: Set<String> {
            switch self {
            case .primaryKey(let c), .unique(let c), .foreignKey(let c): Set(c)
            case .other(let words): words
            }
        }
    }

    /// Replays `up` then `down`; nil when either holds a statement whose effect on tables the
    /// model cannot know (see `isOpaque`).
    init?(_ context: RuleContext, up: [Statement], down: [Statement]) {
        guard !up.contains(where: Self.isOpaque), !down.contains(where: Self.isOpaque) else { return nil }
        dialect = context.dialect
        var keys = Set(context.tablesBefore.keys)
        for statement in down { keys.formUnion(Self.touchedTables(statement, in: context.schema)) }
        tables = keys
        var initial: [String: SchemaModel.Table?] = [:]
        for key in keys {
            if let recorded = context.tablesBefore[key] { initial[key] = recorded } else { initial[key] = .some(context.schema.tables[key]) }
        }
        before = SchemaModel().restored(to: initial)
        namedKeys = Self.namedKeys(up + down)
        afterUp = before
        afterDown = before
        var model = before
        replay(up, on: &model)
        afterUp = model
        replay(down, on: &model)
        afterDown = model
    }

    // MARK: - What the model cannot follow

    /// A statement that may change tables, columns, keys or indexes in ways the model does not
    /// follow: a DO block or procedure call, ALTER INDEX (a rename), a CREATE TABLE or INDEX
    /// the reader could not read, ALTER TABLE ... SET SCHEMA, and DROP ... CASCADE of an
    /// object columns may depend on (a type, a sequence, a function).
    static func isOpaque(_ statement: Statement) -> Bool {
        switch statement.kind {
        case .other(let label):
            let verb = label.split(separator: " ").first.map(String.init) ?? ""
            if ["do", "execute", "call", "perform", "import"].contains(verb) { return true }
            return ["alter index", "alter schema", "create table", "create index", "alter table", "drop",
                    "create schema"].contains { label == $0 || label.hasPrefix($0 + " ") }
        case .drop(let drop):
            switch drop.objectKind {
            case .table, .index, .view, .materializedView, .trigger: return false
            default: return drop.cascade || drop.objectKind == .schema
            }
        case .alterTable(let alter):
            return alter.actions.contains { action, _ in
                guard case .other(let label) = action else { return false }
                return ["set schema", "add", "drop", "rename"].contains { label == $0 || label.hasPrefix($0 + " ") }
            }
        default:
            return false
        }
    }

    /// The table keys a statement may change, found in `schema` for DROP INDEX.
    static func touchedTables(_ statement: Statement, in schema: SchemaModel) -> [String] {
        switch statement.kind {
        case .createTable(let create): return [create.name.key]
        case .alterTable(let alter):
            return [alter.name.key] + alter.actions.compactMap { if case .renameTable(let to) = $0.action { to.key } else { nil } }
        case .createIndex(let create): return [create.table.key]
        case .drop(let drop) where drop.objectKind == .table: return drop.names.map(\.key)
        case .drop(let drop) where drop.objectKind == .index: return drop.names.compactMap { schema.index(named: $0.key)?.table }
        default: return []
        }
    }

    private static func namedKeys(_ statements: [Statement]) -> [String: NamedKey] {
        var keys: [String: NamedKey] = [:]
        func add(_ constraint: TableConstraint) {
            guard let name = constraint.name else { return }
            switch constraint.kind {
            case .primaryKey(let columns): keys[name] = .primaryKey(columns.map(\.name))
            case .unique(let columns): keys[name] = .unique(columns.map(\.name))
            case .foreignKey(let columns, _): keys[name] = .foreignKey(columns.map(\.name))
            case .check(let text), .other(let text):
                keys[name] = .other(words: Set(text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)))
            }
        }
        for statement in statements {
            switch statement.kind {
            case .createTable(let create): create.constraints.forEach(add)
            case .alterTable(let alter):
                for (action, _) in alter.actions { if case .addConstraint(let constraint) = action { add(constraint) } }
            default: break
            }
        }
        return keys
    }

    // MARK: - Replay

    private mutating func replay(_ statements: [Statement], on model: inout SchemaModel) {
        for statement in statements {
            noteContradictions(statement, model)
            let tablesBefore = model.tables
            model.apply(statement, migration: "")
            follow(statement, on: &model, tablesBefore: tablesBefore)
        }
    }

    /// Marks the tables a statement shows the model is wrong about.
    private mutating func noteContradictions(_ statement: Statement, _ model: SchemaModel) {
        switch statement.kind {
        case .createTable(let create):
            if !create.ifNotExists, model.tables[create.name.key] != nil { untracked.insert(create.name.key) }
        case .createIndex(let create):
            if model.tables[create.table.key] == nil {
                untracked.insert(create.table.key)
            } else if let name = create.name?.key, !create.ifNotExists, model.index(named: name) != nil {
                untracked.insert(create.table.key)
            }
        case .alterTable(let alter):
            let key = alter.name.key
            guard let table = model.tables[key] else {
                if !alter.ifExists { untracked.insert(key) }
                return
            }
            for (action, _) in alter.actions where contradicts(action, table, model) {
                untracked.insert(key)
                if case .renameTable(let to) = action { untracked.insert(to.key) }
            }
        case .drop(let drop) where drop.objectKind == .table && !drop.ifExists:
            for name in drop.names where model.tables[name.key] == nil { untracked.insert(name.key) }
        default:
            break
        }
    }

    private func contradicts(_ action: AlterTableAction, _ table: SchemaModel.Table, _ model: SchemaModel) -> Bool {
        let columnsKnown = table.columnsKnown
        switch action {
        case .addColumn(let column, let ifNotExists):
            return !ifNotExists && columnsKnown && table.column(column.name.name) != nil
        case .dropColumn(let column, let ifExists, _):
            return !ifExists && columnsKnown && table.column(column.name) == nil
        case .alterColumnType(let column, _, _), .setNotNull(let column), .dropNotNull(let column),
             .setDefault(let column, _), .dropDefault(let column):
            return columnsKnown && table.column(column.name) == nil
        case .renameColumn(let from, let to):
            return columnsKnown && (table.column(from.name) == nil || table.column(to.name) != nil)
        case .renameTable(let to):
            return model.tables[to.key] != nil
        default:
            return false
        }
    }

    /// What PostgreSQL does that the model leaves out, done on the replayed tables: DROP
    /// CONSTRAINT of a key (the model only forgets the name), DROP INDEX of an index PostgreSQL
    /// named, DROP TABLE ... CASCADE of a referenced table, DROP COLUMN's constraints.
    private mutating func follow(_ statement: Statement, on model: inout SchemaModel,
                                 tablesBefore: [String: SchemaModel.Table]) {
        switch statement.kind {
        case .alterTable(let alter):
            for (action, _) in alter.actions {
                switch action {
                case .dropConstraint(let name, _, _):
                    dropKey(named: name, on: alter.name.key, in: &model, previous: tablesBefore[alter.name.key])
                case .dropColumn(let column, _, _) where dialect == .postgresql:
                    droppedColumns[alter.name.key, default: []].insert(column.name)
                default:
                    break
                }
            }
        case .drop(let drop) where drop.objectKind == .index:
            for name in drop.names where tablesBefore.values.allSatisfy({ !$0.indexes.contains { $0.name == name.key } }) {
                if !dropGeneratedIndex(named: name.name, in: &model) { unnamedIndexesUntracked = true }
            }
        case .drop(let drop) where drop.objectKind == .table && drop.cascade:
            let dropped = Set(drop.names.map(\.key))
            for var table in model.tables.values where table.foreignKeys.contains(where: { dropped.contains($0.references.table.key) }) {
                table.foreignKeys.removeAll { dropped.contains($0.references.table.key) }
                model = model.restored(to: [table.name: table])
            }
        default:
            break
        }
    }

    /// Removes the key a dropped constraint name stands for, when the name tells which.
    private mutating func dropKey(named name: String, on key: String, in model: inout SchemaModel,
                                  previous: SchemaModel.Table?) {
        guard var table = model.tables[key], let previous else { return }
        // Named foreign keys and NOT NULL checks the model removes by itself.
        if previous.foreignKeys.contains(where: { $0.name == name }) || previous.notNullChecks.contains(where: { $0.name == name }) {
            return
        }
        let bare = key.split(separator: ".").last.map(String.init) ?? key
        func generated(_ columns: [String], _ suffix: String) -> String { "\(bare)_\(columns.joined(separator: "_"))_\(suffix)" }
        switch namedKeys[name] {
        case .primaryKey?:
            table.primaryKey = []
        case .unique(let columns)?:
            guard let i = table.uniqueKeys.firstIndex(of: columns) else { return }
            table.uniqueKeys.remove(at: i)
        case .foreignKey(let columns)?:
            guard let i = table.foreignKeys.firstIndex(where: { $0.columns == columns }) else { return }
            table.foreignKeys.remove(at: i)
        case .other?:
            return
        case nil:
            // PostgreSQL's names for constraints written without one.
            if name == "\(bare)_pkey" {
                table.primaryKey = []
            } else if let i = table.uniqueKeys.firstIndex(where: { generated($0, "key") == name }) {
                table.uniqueKeys.remove(at: i)
            } else if let i = table.foreignKeys.firstIndex(where: { $0.name == nil && generated($0.columns, "fkey") == name }) {
                table.foreignKeys.remove(at: i)
            } else if let i = table.notNullChecks.firstIndex(where: { $0.name == nil && generated([$0.column], "check") == name }) {
                table.notNullChecks.remove(at: i)
            } else {
                keysUntracked.insert(key)
                return
            }
        }
        model = model.restored(to: [key: table])
    }

    /// Removes the unnamed index PostgreSQL would have named `name` (`t_a_b_idx`); false when
    /// no replayed table has one.
    private func dropGeneratedIndex(named name: String, in model: inout SchemaModel) -> Bool {
        for var table in model.tables.values {
            let bare = table.name.split(separator: ".").last.map(String.init) ?? table.name
            guard let i = table.indexes.firstIndex(where: { index in
                index.name == nil && index.columns.allSatisfy { $0 != nil }
                    && "\(bare)_\(index.columns.compactMap { $0 }.joined(separator: "_"))_idx" == name
            }) else { continue }
            table.indexes.remove(at: i)
            model = model.restored(to: [table.name: table])
            return true
        }
        return false
    }
}
