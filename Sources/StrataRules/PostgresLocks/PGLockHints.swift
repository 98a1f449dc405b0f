import StrataCore
import StrataSyntax

/// The concrete SQL the lock rules suggest, written from the statement the user wrote: names
/// keep the quotes the database needs (`"Post"`, `"authorId"`).
extension PGLock {
    /// An ADD CONSTRAINT action as written, with NOT VALID after it, and the VALIDATE
    /// CONSTRAINT that checks the old rows later. An unnamed constraint is given a name
    /// (`defaultName` parts joined with `_`, then `_suffix`: `orders_customer_id_fkey`), since
    /// VALIDATE needs one. Nil when the action does not start with ADD.
    static func addedNotValid(_ found: PGLockAction, _ constraint: TableConstraint, _ context: RuleContext,
                              defaultName: [String], suffix: String) -> SuggestedSQL? {
        var action = SQLFragment(context.source, found.statement, bytes: found.range.byteRange)
        guard action.isWord("add", at: 0) else { return nil }
        let name: String
        if let given = constraint.name {
            name = given
        } else {
            name = SQLIdentifier.derivedName(defaultName, suffix: suffix, for: .postgresql)
            action.insert("CONSTRAINT \(SQLIdentifier.quoted(name, for: .postgresql))", at: 1)
        }
        action.append("NOT VALID")
        let table = "ALTER TABLE \(found.table.sql(.postgresql))"
        return SuggestedSQL(["\(table) \(action.text)", "\(table) VALIDATE CONSTRAINT \(SQLIdentifier.quoted(name, for: .postgresql))"],
                            placement: .instead)
    }

    /// The help for `addedNotValid`'s statements.
    static func notValidHelp(_ fix: SuggestedSQL) -> String {
        "add it NOT VALID here, `\(fix.statements[0]);`, and check the old rows in a later migration, `\(fix.statements[1]);`"
    }

    /// A UNIQUE or PRIMARY KEY constraint built as an index first, CONCURRENTLY, then
    /// attached: `CREATE UNIQUE INDEX CONCURRENTLY name ON t (cols)`, then `ALTER TABLE t ADD
    /// CONSTRAINT name UNIQUE USING INDEX name` (the index takes the constraint's name).
    static func uniqueIndexFirst(_ found: PGLockAction, columns: [ColumnName], constraintName: String?,
                                 suffix: String, kind: String) -> SuggestedSQL? {
        guard !columns.isEmpty else { return nil }
        let name = constraintName
            ?? SQLIdentifier.derivedName(suffix == "pkey" ? [found.table.name] : [found.table.name] + columns.map(\.name),
                                         suffix: suffix, for: .postgresql)
        let quoted = SQLIdentifier.quoted(name, for: .postgresql)
        let table = found.table.sql(.postgresql)
        return SuggestedSQL([
            "CREATE UNIQUE INDEX CONCURRENTLY \(quoted) ON \(table) (\(columns.map { $0.sql(.postgresql) }.joined(separator: ", ")))",
            "ALTER TABLE \(table) ADD CONSTRAINT \(quoted) \(kind) USING INDEX \(quoted)",
        ], placement: .instead, transactional: false)
    }

    /// ADD COLUMN ... UNIQUE as three steps: the column added without UNIQUE, its index built
    /// CONCURRENTLY, then attached as the constraint. Nil when the UNIQUE clause is not a plain
    /// `[CONSTRAINT name] UNIQUE` this can take out.
    static func uniqueColumnLater(_ found: PGLockAction, _ column: ColumnDefinition, _ context: RuleContext) -> SuggestedSQL? {
        var action = SQLFragment(context.source, found.statement, bytes: found.range.byteRange)
        guard let at = action.firstWord("unique"), !action.isWord("nulls", at: at + 1) else { return nil }
        var first = at
        var name: String? = nil
        if action.isWord("constraint", at: at - 2) {
            first = at - 2
            name = action.piece(at - 1).map { SQLFragment.unquoted($0) }
        }
        action.remove(first..<(at + 1))
        guard let index = uniqueIndexFirst(found, columns: [column.name], constraintName: name, suffix: "key", kind: "UNIQUE") else { return nil }
        return SuggestedSQL(["ALTER TABLE \(found.table.sql(.postgresql)) \(action.text)"] + index.statements,
                            placement: .instead, transactional: false)
    }

    /// The help for `uniqueIndexFirst`'s statements.
    static func uniqueIndexFirstHelp(_ fix: SuggestedSQL, _ context: RuleContext) -> String {
        "build the index first, `\(fix.statements[0]);`, \(Hints.inMigrationOutsideTransaction(context)); then attach it, which takes a moment: `\(fix.statements[1]);`"
    }
}
