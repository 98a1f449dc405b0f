import StrataCore
import StrataSyntax

/// What `change-column-type` needs beyond comparing two types: the changes that keep the table
/// but rebuild the column's indexes, and the enum swaps that rename a type out of the way.
extension ChangeColumnTypeRule {
    /// Whether changing a column from `old` to `new` keeps the table's rows as they are but
    /// builds the column's indexes again (their operator class changes). Checked on PostgreSQL
    /// 15: timestamp to timestamptz (or back) in a session whose TimeZone has a zero offset
    /// (PostgreSQL 12+, with no USING beyond the column itself), and text or varchar to citext.
    /// varchar to text and a wider varchar keep the indexes too, so they are not here.
    static func rebuildsIndexesOnly(from old: ColumnType, to new: ColumnType, utcSession: Bool, using: String?,
                                    column: String) -> Bool {
        guard old.base != new.base, old.array == new.array else { return false }
        if utcSession, timestamps.contains(old.base), timestamps.contains(new.base), onlyReads(using, column: column) {
            return true
        }
        return using == nil && (old.base == "text" || old.base == "varchar") && new.base == "citext"
    }

    /// The indexes, primary key and unique keys of `table` that hold `column` (by its name:
    /// expression elements and partial-index predicates are not known to the schema model).
    static func indexes(on column: String, of table: SchemaModel.Table?) -> [String] {
        guard let table else { return [] }
        var found: [String] = []
        if table.primaryKey.contains(column) { found.append("the primary key") }
        let indexed = table.indexes.filter { $0.columns.contains(column) }
        for key in table.uniqueKeys where key.contains(column) {
            // `ADD CONSTRAINT ... UNIQUE USING INDEX i` is that index, listed below.
            if !indexed.contains(where: { $0.columns.compactMap { $0 } == key }) { found.append("a unique key") }
        }
        for index in indexed { found.append(index.name ?? "an unnamed index") }
        return found
    }

    /// `ALTER TYPE [schema.]a RENAME TO b`: the old and new names, lower-cased and without
    /// schema; nil for any other statement (RENAME VALUE, ADD VALUE, OWNER TO ...).
    static func typeRename(_ statement: Statement, _ source: SourceText) -> (from: String, to: String)? {
        guard case .other("alter type") = statement.kind else { return nil }
        var t = PGLockTokens(statement, source)
        t.position = 2  // ALTER TYPE
        guard let name = t.objectName(), t.accept("rename"), t.accept("to"), let to = t.identifier() else { return nil }
        return (name.name.lowercased(), to.lowercased())
    }

    /// A written column type with the type it names renamed as `renames` says (`e[]` with e
    /// renamed to e_old is `e_old[]`); nil when its type was not renamed.
    static func renamed(_ written: String, _ renames: [String: String]) -> String? {
        guard !renames.isEmpty else { return nil }
        let type = ColumnType(written)
        guard type.modifiers.isEmpty, let to = renames[type.unqualifiedBase] else { return nil }
        return type.array ? to + "[]" : to
    }
}

extension ChangeColumnTypeRule.ColumnType {
    /// The type's name without its schema (`public.mood` is `mood`).
    var unqualifiedBase: String {
        guard let dot = base.utf8.lastIndex(of: UInt8(ascii: ".")) else { return base }
        return String(base[base.utf8.index(after: dot)...])
    }
}

/// The schema as each statement of the UP section finds it: the schema before the file, then
/// the file's statements before that one applied. Asked in file order. While only statements
/// that leave the model as it is come before, it is the schema before the file, read in place;
/// it is copied at the first statement that may change it (a copy of a large project's schema
/// costs more than the rest of the rule, and most files change a column's type first).
struct SchemaAsTheFileGoes {
    private let context: RuleContext
    private let statements: [Statement]
    private var replayed: SchemaModel?
    /// The statements before this one are applied to `replayed`, or, while it is nil, change
    /// nothing.
    private var applied = 0

    init(_ context: RuleContext) {
        self.context = context
        statements = context.upStatements
    }

    /// `name` as the statement at `index` finds it.
    mutating func table(_ name: ObjectName, before index: Int) -> SchemaModel.Table? {
        if replayed == nil {
            while applied < index, !SchemaModel.mayChange(statements[applied].kind) { applied += 1 }
            guard applied < index else { return context.tableBeforeFile(name) }
            replayed = context.schemaBeforeFile
        }
        while applied < index {
            replayed?.apply(statements[applied], migration: context.file.id)
            applied += 1
        }
        return replayed?.table(name)
    }
}
