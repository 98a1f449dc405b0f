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
    /// Column types cannot be compared: the file renames or drops a type (`ALTER TYPE ... RENAME`),
    /// which changes what the columns' type names mean.
    private(set) var typesUntracked = false
    /// Columns dropped per table on PostgreSQL, which drops a column's constraints with it:
    /// the model keeps names without their columns, so only names this file ties to other
    /// columns are compared there.
    private(set) var droppedColumns: [String: Set<String>] = [:]
    /// A DROP INDEX named an index the model does not know: it may be one PostgreSQL named
    /// (`CREATE INDEX ON t (c)`), so unnamed indexes are not compared.
    private(set) var unnamedIndexesUntracked = false
    /// The file's UP and DOWN statements and its text, for what is worked out only when a
    /// difference needs it.
    private let statements: [Statement]
    private let source: SourceText
    /// The partial and expression indexes this file creates, by name, with the words of their
    /// text; read on the first DROP COLUMN that needs them.
    private var derivedIndexes: [String: Set<String>]?
    /// Tables where PostgreSQL may have dropped a partial or expression index with a column
    /// that its text uses, where the model cannot tell (an index another file created).
    private(set) var derivedIndexesUntracked: Set<String> = []

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
        statements = up + down
        source = context.source
        typesUntracked = (up + down).contains { if case .other(let label) = $0.kind { label.hasPrefix("alter type") || label.hasPrefix("drop type") } else { false } }
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

    private static func words(_ text: String) -> Set<String> {
        Set(text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
    }

    /// The words of the partial or expression index `name` this file creates; nil when it
    /// creates none of that name.
    private mutating func derivedIndexWords(_ name: String) -> Set<String>? {
        if derivedIndexes == nil {
            var found: [String: Set<String>] = [:]
            for statement in statements {
                guard case .createIndex(let create) = statement.kind, let key = create.name?.key,
                      create.whereClause != nil || create.elements.contains(where: { $0.column == nil }) else { continue }
                found[key] = Self.words(([create.whereClause ?? ""] + create.elements.map(\.text)).joined(separator: " "))
            }
            derivedIndexes = found
        }
        return derivedIndexes?[name]
    }

    /// Whether a column of this file names its own constraint on `table` (`c int CONSTRAINT
    /// c_fk REFERENCES t`), a name the reader does not keep: its constraint names cannot be compared.
    func namesUntracked(_ table: String) -> Bool {
        statements.contains { statement in
            let columns: [ColumnDefinition]
            switch statement.kind {
            case .createTable(let create) where create.name.key == table: columns = create.columns
            case .alterTable(let alter) where alter.name.key == table:
                columns = alter.actions.compactMap { if case .addColumn(let c, _) = $0.action { c } else { nil } }
            default: return false
            }
            return columns.contains { column in
                source.significantTokens(startingIn: column.range.byteRange, of: statement.tokens)
                    .contains { source.tokens[$0].isWord("constraint", in: source.bytes) }
            }
        }
    }

    /// The columns constraint `name`, named in this file, may involve (for a CHECK, the words
    /// of its text); nil when the file does not name it.
    func namedConstraintColumns(_ name: String) -> Set<String>? {
        for statement in statements {
            var constraints: [TableConstraint] = []
            switch statement.kind {
            case .createTable(let create): constraints = create.constraints
            case .alterTable(let alter):
                constraints = alter.actions.compactMap { if case .addConstraint(let c) = $0.action { c } else { nil } }
            default: continue
            }
            guard let constraint = constraints.last(where: { $0.name == name }) else { continue }
            switch constraint.kind {
            case .primaryKey(let columns), .unique(let columns), .foreignKey(let columns, _): return Set(columns.map(\.name))
            case .check(let text), .other(let text): return Self.words(text)
            }
        }
        return nil
    }

    // MARK: - Replay

    private mutating func replay(_ statements: [Statement], on model: inout SchemaModel) {
        for statement in statements {
            // One ALTER TABLE action at a time: `DROP CONSTRAINT t_pkey, ADD COLUMN id serial
            // PRIMARY KEY` drops the old key before the new one comes.
            for step in Self.actions(of: statement) {
                noteContradictions(step, model)
                // What `follow` needs of the tables before the statement, read before it (a
                // copy of the tables kept across `apply` would be copied on write).
                let unknownIndexes = Self.unknownIndexNames(step, model)
                let indexCount = unknownIndexes.isEmpty ? 0 : model.tables.values.reduce(0) { $0 + $1.indexes.count }
                model.apply(step, migration: "")
                follow(step, on: &model, unknownIndexes: unknownIndexes, indexCountBefore: indexCount)
            }
        }
    }

    /// A statement, or each action of an ALTER TABLE as a statement of its own.
    private static func actions(of statement: Statement) -> [Statement] {
        guard case .alterTable(let alter) = statement.kind, alter.actions.count > 1 else { return [statement] }
        return alter.actions.map { action in
            var single = alter
            single.actions = [action]
            return Statement(kind: .alterTable(single), range: action.range, tokens: statement.tokens)
        }
    }

    /// Marks the tables a statement shows the model is wrong about.
    private mutating func noteContradictions(_ statement: Statement, _ model: SchemaModel) {
        switch statement.kind {
        case .createTable(let create):
            if !create.ifNotExists, model.tables[create.name.key] != nil { untracked.insert(create.name.key) }
            if create.constraints.contains(where: { !Self.isModelled($0) }) { untracked.insert(create.name.key) }
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
        case .addConstraint(let constraint):
            return !Self.isModelled(constraint)
        case .dropConstraint(let name, _, _):
            // PostgreSQL 18 names the NOT NULL of a column `t_c_not_null`; the model keeps no such constraint.
            return name.hasSuffix("_not_null") && !table.constraintNames.contains(name)
        default:
            return false
        }
    }

    /// Whether the model follows a table constraint: not a PostgreSQL 18 `CONSTRAINT n NOT NULL
    /// c` (it would miss the NOT NULL), nor one the reader could not read. EXCLUDE holds no key.
    private static func isModelled(_ constraint: TableConstraint) -> Bool {
        guard case .other(let label) = constraint.kind else { return true }
        return label == "exclude"
    }

    /// What PostgreSQL does that the model leaves out, done on the replayed tables: DROP INDEX
    /// of an index PostgreSQL named (or whose long name it cut to 63 bytes), DROP TABLE ...
    /// CASCADE of a referenced table; and which columns DROP COLUMN took constraints with.
    /// The names a DROP INDEX gives that the model does not know.
    private static func unknownIndexNames(_ statement: Statement, _ model: SchemaModel) -> [ObjectName] {
        guard case .drop(let drop) = statement.kind, drop.objectKind == .index else { return [] }
        return drop.names.filter { model.index(named: $0.key) == nil }
    }

    private mutating func follow(_ statement: Statement, on model: inout SchemaModel,
                                 unknownIndexes: [ObjectName], indexCountBefore: Int) {
        switch statement.kind {
        case .alterTable(let alter):
            for (action, _) in alter.actions {
                if case .dropColumn(let column, _, _) = action, dialect == .postgresql {
                    droppedColumns[alter.name.key, default: []].insert(column.name)
                    dropDerivedIndexes(using: column.name, on: alter.name.key, in: &model)
                }
                // The model keeps an unnamed foreign key whose generated name is dropped.
                if case .dropConstraint(let name, _, _) = action, var table = model.tables[alter.name.key],
                   let i = table.foreignKeys.firstIndex(where: {
                       $0.name == nil && RelaxConstraintRule.generatedNames(table: alter.name.name, columns: $0.columns).contains(name)
                   }) {
                    table.foreignKeys.remove(at: i)
                    model = model.restored(to: [table.name: table])
                }
            }
        case .drop(let drop) where drop.objectKind == .index:
            // A name the model did not know, nor found as one PostgreSQL generated: it may name
            // an index the model keeps without a name.
            guard model.tables.values.reduce(0, { $0 + $1.indexes.count }) == indexCountBefore else { break }
            for name in unknownIndexes {
                if dialect == .postgresql, dropIndex(cutTo: name.key, in: &model) { continue }
                if !drop.ifExists { unnamedIndexesUntracked = true }
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

    /// Removes the partial and expression indexes of `key` this file created whose text uses
    /// `column`, as PostgreSQL does; any other such index may or may not have gone.
    private mutating func dropDerivedIndexes(using column: String, on key: String, in model: inout SchemaModel) {
        guard var table = model.tables[key] else { return }
        guard table.indexes.contains(where: DownReplay.isDerived) else { return }
        let column = column.lowercased()
        var removed = false
        for index in table.indexes.reversed() where DownReplay.isDerived(index) {
            guard let name = index.name, let words = derivedIndexWords(name) else {
                derivedIndexesUntracked.insert(key)
                continue
            }
            if words.contains(column) {
                table.indexes.removeAll { $0.name == name }
                removed = true
            }
        }
        if removed { model = model.restored(to: [key: table]) }
    }

    /// Removes the index whose name PostgreSQL cut to `name` (63 bytes): the model keeps
    /// names as written, the database as cut.
    private func dropIndex(cutTo name: String, in model: inout SchemaModel) -> Bool {
        guard name.utf8.count == 63 else { return false }
        for var table in model.tables.values {
            guard let i = table.indexes.firstIndex(where: { $0.name.map(SchemaModel.postgresIdentifier) == name }) else { continue }
            table.indexes.remove(at: i)
            model = model.restored(to: [table.name: table])
            return true
        }
        return false
    }
}
