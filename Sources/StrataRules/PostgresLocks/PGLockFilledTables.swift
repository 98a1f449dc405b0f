import StrataCore
import StrataSyntax

extension PGLock {
    /// The statement of the UP section before `index` that filled `table` with a query's rows
    /// and is still what the table holds: `CREATE TABLE ... AS` (not `WITH NO DATA`) or
    /// `INSERT ... SELECT`, followed by the table through RENAME TO; nil when none did, or when
    /// the table was emptied (TRUNCATE, DELETE without WHERE), dropped or created again since.
    /// A table created in the file is nobody else's yet, but it is not empty: a check of its
    /// rows takes as long as the copy was large.
    static func filledByQuery(_ table: ObjectName, _ context: RuleContext, before index: Int) -> Int? {
        guard !context.upFeatures.isDisjoint(with: [.createTable, .insert]) else { return nil }
        // The filling statement by table key, as the file goes.
        var filled: [String: Int] = [:]
        for (i, statement) in context.upStatements.prefix(index).enumerated() {
            switch statement.kind {
            case .createTable(let create):
                filled[create.name.key] = create.asSelect && !create.withNoData ? i : nil
            case .insert(let insert) where insert.fromSelect:
                filled[insert.table.key] = i
            case .truncate(let truncate):
                for name in truncate.tables { filled[name.key] = nil }
            case .delete(let change) where !change.hasWhere:
                filled[change.table.key] = nil
            case .drop(let drop) where drop.objectKind == .table:
                for name in drop.names { filled[name.key] = nil }
            case .alterTable(let alter):
                for (action, _) in alter.actions {
                    guard case .renameTable(let to) = action, to.key != alter.name.key else { continue }
                    filled[to.key] = filled.removeValue(forKey: alter.name.key)
                }
            default:
                break
            }
        }
        return filled[table.key]
    }
}
