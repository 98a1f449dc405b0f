import StrataCore
import StrataSyntax

/// The tables, indexes, triggers and views this file has created, as they stand before a given
/// statement: followed through DROP and RENAME TO, as SQLite does (dropping a table drops its
/// indexes and triggers; renaming it carries them along). Only this file's statements are
/// seen; the schema model holds the state after the whole file, not before it.
struct SQLiteFileObjects {
    struct TableDefinition {
        var statement: Int
        var create: CreateTable
        /// Columns added later by ALTER TABLE ADD COLUMN, with their statement.
        var added: [(statement: Int, column: ColumnDefinition)] = []
        var dropped: Set<String> = []
    }

    struct IndexInfo {
        var name: String
        var table: String
        var statement: Int
        var create: CreateIndex
    }

    struct TriggerInfo {
        var name: String
        var table: String
        var statement: Int
    }

    struct ViewInfo {
        var name: String
        var statement: Int
    }

    var tables: [String: TableDefinition] = [:]
    var indexes: [IndexInfo] = []
    var triggers: [TriggerInfo] = []
    var views: [ViewInfo] = []

    init(_ context: RuleContext, before end: Int) {
        let source = context.source
        for (i, statement) in context.upStatements.prefix(end).enumerated() {
            switch statement.kind {
            case .createTable(let create):
                let key = create.name.key.lowercased()
                if create.ifNotExists, tables[key] != nil { continue }
                tables[key] = TableDefinition(statement: i, create: create)
                indexes.removeAll { $0.table == key }
                triggers.removeAll { $0.table == key }
            case .alterTable(let alter):
                let key = alter.name.key.lowercased()
                for (action, _) in alter.actions {
                    switch action {
                    case .renameTable(let to):
                        tables[to.key.lowercased()] = tables.removeValue(forKey: key)
                        for j in indexes.indices where indexes[j].table == key { indexes[j].table = to.key.lowercased() }
                        for j in triggers.indices where triggers[j].table == key { triggers[j].table = to.key.lowercased() }
                    case .addColumn(let column, _):
                        tables[key]?.added.append((i, column))
                        tables[key]?.dropped.remove(column.name.name.lowercased())
                    case .dropColumn(let column, _, _):
                        tables[key]?.dropped.insert(column.name.lowercased())
                        indexes.removeAll { $0.table == key && $0.create.elements.contains { $0.column?.name.lowercased() == column.name.lowercased() } }
                    case .renameColumn:
                        tables[key] = nil  // definitions no longer match the names: stop following
                    default:
                        break
                    }
                }
            case .createIndex(let create):
                guard let name = create.name?.key.lowercased() else { continue }
                if create.ifNotExists, indexes.contains(where: { $0.name == name }) { continue }
                indexes.removeAll { $0.name == name }
                indexes.append(IndexInfo(name: name, table: create.table.key.lowercased(), statement: i, create: create))
            case .drop(let drop):
                let names = Set(drop.names.map { $0.key.lowercased() })
                switch drop.objectKind {
                case .table:
                    for name in names { tables[name] = nil }
                    indexes.removeAll { names.contains($0.table) }
                    triggers.removeAll { names.contains($0.table) }
                case .index: indexes.removeAll { names.contains($0.name) }
                case .trigger: triggers.removeAll { names.contains($0.name) }
                case .view: views.removeAll { names.contains($0.name) }
                default: break
                }
            case .other(let label):
                let run = SQLiteTokenRun(source, statement.tokens)
                if label == "create trigger", let (name, table) = Self.trigger(run) {
                    triggers.removeAll { $0.name == name }
                    triggers.append(TriggerInfo(name: name, table: table, statement: i))
                } else if label == "create view", let name = Self.objectName(run, after: "view") {
                    views.removeAll { $0.name == name }
                    views.append(ViewInfo(name: name, statement: i))
                }
            default:
                break
            }
        }
    }

    /// The name after `CREATE [TEMP] <keyword> [IF NOT EXISTS]` (schema dropped).
    static func objectName(_ run: SQLiteTokenRun, after keyword: StaticString) -> String? {
        guard var p = (0..<min(run.count, 4)).first(where: { run.isWord($0, keyword) }) else { return nil }
        p += 1
        if run.isWord(p, "if"), run.isWord(p + 1, "not"), run.isWord(p + 2, "exists") { p += 3 }
        if run.isPunct(p + 1, "."), run.name(p + 2) != nil { p += 2 }
        return run.name(p)
    }

    /// A trigger's name and the table it fires on (`... ON table`).
    static func trigger(_ run: SQLiteTokenRun) -> (String, String)? {
        guard let name = objectName(run, after: "trigger") else { return nil }
        guard let on = run.topLevel.first(where: { run.isWord($0, "on") }) else { return nil }
        var p = on + 1
        if run.isPunct(p + 1, "."), run.name(p + 2) != nil { p += 2 }
        guard let table = run.name(p) else { return nil }
        return (name, table)
    }
}
