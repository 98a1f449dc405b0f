import StrataCore
import StrataSyntax

extension AddForeignKeyValidatedRule {
    /// The table a foreign-key action references, when the action adds one.
    static func referencedTable(_ action: AlterTableAction) -> ObjectName? {
        switch action {
        case .addConstraint(let constraint):
            if case .foreignKey(_, let references) = constraint.kind { return references.table }
            return nil
        case .addColumn(let column, _):
            return column.references?.table
        default:
            return nil
        }
    }

    /// The finding for a validated foreign key on a table created earlier in this file that a
    /// query filled first (`CREATE TABLE ... AS SELECT`, `INSERT ... SELECT`), to a table that
    /// existed before the file: the new table is nobody else's yet, but every copied row is
    /// checked while the referenced table, which may be busy, is locked SHARE ROW EXCLUSIVE.
    /// Nil (the usual skip note) when the table is empty or the referenced table is new too.
    static func filledTableFinding(_ found: PGLockAction, _ violation: Violation, _ context: RuleContext) -> Violation? {
        guard let parent = referencedTable(found.action), parent != found.table,
              PGLock.newTableReason(parent, context, before: found.index) == nil,
              let filler = PGLock.filledByQuery(found.table, context, before: found.index) else { return nil }
        let line = context.upStatements[filler].range.start.line
        let columns: [ColumnName]
        switch found.action {
        case .addConstraint(let constraint):
            if case .foreignKey(let keyColumns, _) = constraint.kind { columns = keyColumns } else { columns = [] }
        case .addColumn(let column, _):
            columns = [column.name]
        default:
            columns = []
        }
        let list = columns.map(\.name).joined(separator: ", ")
        return Violation(range: violation.range,
                         message: "foreign key on \(found.table) (\(list)) checks every row that line \(line) copied into \(found.table) against \(parent), which stays locked SHARE ROW EXCLUSIVE, blocking its writes, for the whole check")
    }
}
