import StrataCore
import StrataSyntax

/// One way the tables after UP then DOWN differ from the tables before UP.
struct ReplayDifference {
    enum Object: Equatable {
        case table
        case column(String)
        case index(name: String?, columns: [String?])
        case primaryKey
        case uniqueKey([String])
        case foreignKey(name: String?, columns: [String])
        case notNullCheck(String)
        case constraint(String)
    }

    var table: String
    var object: Object
    var message: String
}

extension DownReplay {
    /// Every difference between the tables before the file and after UP then DOWN, provenance
    /// (which migration created what) aside, in table order. Objects only DOWN created, and
    /// tables the replay lost track of, are left out: the model may not have known them.
    func differences() -> [ReplayDifference] {
        var found: [ReplayDifference] = []
        for key in tables.sorted() where !untracked.contains(key) {
            let old = before.tables[key], up = afterUp.tables[key]
            switch (old, afterDown.tables[key]) {
            case (nil, nil):
                continue
            case (nil, .some):
                if up != nil { found.append(.init(table: key, object: .table, message: "DOWN leaves table \(key) that UP created")) }
            case (.some, nil):
                found.append(.init(table: key, object: .table, message: up == nil
                    ? "DOWN does not restore table \(key) that UP dropped" : "DOWN drops table \(key), which existed before UP"))
            case (let old?, let new?):
                // Most tables DOWN touches come back as they were: nothing to name.
                if !Self.sameIgnoringProvenance(old, new) { found += compare(old, up, new, key) }
            }
        }
        return found
    }

    /// Whether two tables are the same but for which migration made what.
    static func sameIgnoringProvenance(_ a: SchemaModel.Table, _ b: SchemaModel.Table) -> Bool {
        guard a.columns.count == b.columns.count, a.indexes.count == b.indexes.count, a.primaryKey == b.primaryKey,
              a.uniqueKeys == b.uniqueKeys, a.foreignKeys == b.foreignKeys, a.constraintNames == b.constraintNames,
              a.notNullChecks == b.notNullChecks, a.columnsKnown == b.columnsKnown, a.keysUncertain == b.keysUncertain
        else { return false }
        for (x, y) in zip(a.columns, b.columns)
        where x.name != y.name || x.type != y.type || x.notNull != y.notNull || x.hasDefault != y.hasDefault { return false }
        for (x, y) in zip(a.indexes, b.indexes)
        where x.name != y.name || x.columns != y.columns || x.unique != y.unique || x.partial != y.partial { return false }
        return true
    }

    private func compare(_ old: SchemaModel.Table, _ up: SchemaModel.Table?, _ new: SchemaModel.Table, _ key: String) -> [ReplayDifference] {
        var found: [ReplayDifference] = []
        /// The usual wording for an object present on one side only.
        func presence(_ object: ReplayDifference.Object, _ what: String, before: Bool, afterUp: Bool) {
            let message: String
            if before {
                message = afterUp ? "DOWN drops \(what), which existed before UP" : "DOWN does not restore \(what) that UP dropped"
            } else {
                // Present after DOWN only: reported when UP made it; one DOWN made may be the
                // restoring of something the model never knew.
                guard afterUp else { return }
                message = "DOWN leaves \(what) that UP created"
            }
            found.append(.init(table: key, object: object, message: message))
        }
        let columnsKnown = old.columnsKnown && new.columnsKnown && (up?.columnsKnown ?? true)
        if columnsKnown {
            for column in old.columns {
                guard let now = new.column(column.name) else {
                    presence(.column(column.name), "column \(key).\(column.name)", before: true, afterUp: up?.column(column.name) != nil)
                    continue
                }
                if let change = Self.columnChange(column, in: old, now, in: new, compareTypes: !typesUntracked) {
                    found.append(.init(table: key, object: .column(column.name), message: "DOWN leaves column \(key).\(column.name) \(change)"))
                }
            }
            for column in new.columns where old.column(column.name) == nil {
                presence(.column(column.name), "column \(key).\(column.name)", before: false, afterUp: up?.column(column.name) != nil)
            }
        }
        // Indexes: named ones by name, unnamed ones by what they index.
        // Named as the database keeps them: PostgreSQL cuts names to 63 bytes.
        let cut = { (name: String) in self.dialect == .postgresql ? SchemaModel.postgresIdentifier(name) : name }
        // A partial or expression index may have gone with a dropped column its text uses,
        // which the model cannot see for an index another file created: such indexes of a
        // table with a dropped column are left out.
        let compared = { (t: SchemaModel.Table?) in
            (t?.indexes ?? []).filter { !(self.derivedIndexesUntracked.contains(key) && Self.isDerived($0)) }
        }
        // An index created without a name has the one PostgreSQL gave it (`t_a_idx`), so a DOWN
        // that creates it again by that name restores it.
        let name = { (index: SchemaModel.Index, table: SchemaModel.Table) -> String? in
            index.name.map(cut) ?? (self.dialect == .postgresql ? SchemaModel.generatedName(of: index, on: table) : nil)
        }
        let named = { (t: SchemaModel.Table?) -> [String: SchemaModel.Index] in
            guard let t else { return [:] }
            return Dictionary(compared(t).compactMap { i in name(i, t).map { ($0, i) } }, uniquingKeysWith: { a, _ in a })
        }
        let oldNamed = named(old), newNamed = named(new)
        let upNamed = Set(named(up).keys)
        for (name, index) in oldNamed.sorted(by: { $0.key < $1.key }) {
            let object = ReplayDifference.Object.index(name: name, columns: index.columns)
            guard let now = newNamed[name] else {
                presence(object, "index \(name) on \(key)", before: true, afterUp: upNamed.contains(name))
                continue
            }
            // An expression element is only `nil` to the model: `(date(date))` on a date column
            // is the index `(date)` to PostgreSQL. Only plain columns are compared.
            if Self.signature(now) != Self.signature(index), !now.columns.contains(nil), !index.columns.contains(nil) {
                found.append(.init(table: key, object: object,
                                   message: "DOWN leaves index \(name) on \(key) as \(Self.describe(now)) (before UP: \(Self.describe(index)))"))
            }
        }
        for (name, index) in newNamed.sorted(by: { $0.key < $1.key }) where oldNamed[name] == nil {
            presence(.index(name: name, columns: index.columns), "index \(name) on \(key)", before: false, afterUp: upNamed.contains(name))
        }
        if !unnamedIndexesUntracked {
            let unnamed = { (t: SchemaModel.Table?) in compared(t).filter { i in t.map { name(i, $0) == nil } ?? true }.map(Self.signature) }
            for (signature, side) in Self.multisetDifference(unnamed(old), unnamed(new)) {
                presence(.index(name: nil, columns: signature.columns), "unnamed index \(Self.describe(signature)) on \(key)",
                         before: side == .before, afterUp: unnamed(up).contains(signature))
            }
        }
        // A DROP CONSTRAINT the model could not tie to a key, here or earlier, leaves keys it cannot vouch for.
        guard columnsKnown, !old.keysUncertain, !new.keysUncertain, up?.keysUncertain != true else { return found }
        if Set(old.primaryKey) != Set(new.primaryKey) {
            let message = new.primaryKey.isEmpty ? "DOWN leaves \(key) without its primary key (\(old.primaryKey.joined(separator: ", ")))"
                : old.primaryKey.isEmpty ? "DOWN leaves primary key (\(new.primaryKey.joined(separator: ", "))) on \(key) that UP created"
                : "DOWN leaves primary key (\(new.primaryKey.joined(separator: ", "))) on \(key) (before UP: (\(old.primaryKey.joined(separator: ", "))))"
            found.append(.init(table: key, object: .primaryKey, message: message))
        }
        // A unique key is the set of its columns: UNIQUE (a, b) and UNIQUE (b, a) allow the same rows.
        let unique = { (t: SchemaModel.Table?) in (t?.uniqueKeys ?? []).map { $0.sorted() } }
        for (columns, side) in Self.multisetDifference(unique(old), unique(new)) {
            presence(.uniqueKey(columns), "unique key (\(columns.joined(separator: ", "))) on \(key)",
                     before: side == .before, afterUp: unique(up).contains(columns))
        }
        let foreign = { (t: SchemaModel.Table?) in (t?.foreignKeys ?? []).map(ForeignKeySignature.init) }
        var explainedNames = Set<String>()
        for (signature, side) in Self.multisetDifference(foreign(old), foreign(new)) {
            let named = (side == .before ? old : new).foreignKeys.first { ForeignKeySignature($0) == signature && $0.name != nil }?.name
            if let named { explainedNames.insert(named) }
            let reference = (side == .before ? old : new).foreignKeys.first { ForeignKeySignature($0) == signature }?.references
            let target = reference.map { r in r.columns.isEmpty ? r.table.key : "\(r.table.key) (\(r.columns.map(\.name).joined(separator: ", ")))" } ?? "?"
            presence(.foreignKey(name: named, columns: signature.columns),
                     "foreign key \(named.map { "\($0) " } ?? "")(\(signature.columns.joined(separator: ", "))) → \(target) on \(key)",
                     before: side == .before, afterUp: foreign(up).contains(signature))
        }
        let checks = { (t: SchemaModel.Table?) in (t?.notNullChecks ?? []).filter { $0.name == nil }.map(\.column) }
        for (column, side) in Self.multisetDifference(checks(old), checks(new)) {
            presence(.notNullCheck(column), "CHECK (\(column) IS NOT NULL) on \(key)", before: side == .before,
                     afterUp: checks(up).contains(column))
        }
        // Constraint names: PostgreSQL's DROP CONSTRAINT needs them; SQLite cannot drop one.
        guard dialect == .postgresql, old.constraintNames != new.constraintNames, !namesUntracked(key) else { return found }
        // Names as the database has them: an unnamed key has the name PostgreSQL gave it, so
        // `ADD CONSTRAINT t_c_fkey ...` in DOWN restores an inline REFERENCES. Only names
        // written in the files are reported; the keys themselves are compared above.
        let oldNames = Self.databaseNames(old), newNames = Self.databaseNames(new)
        let upNames = up.map(Self.databaseNames) ?? []
        let dropped = droppedColumns[key] ?? []
        /// Whether a dropped column may have taken the constraint with it.
        func mayGoWithColumn(_ name: String) -> Bool {
            guard !dropped.isEmpty else { return false }
            guard let known = namedConstraintColumns(name) else { return true }
            return !known.isDisjoint(with: dropped)
        }
        for name in old.constraintNames.subtracting(newNames).sorted()
        where !explainedNames.contains(name) && !mayGoWithColumn(name) {
            presence(.constraint(name), "constraint \(name) on \(key)", before: true, afterUp: upNames.contains(name))
        }
        for name in new.constraintNames.subtracting(oldNames).sorted()
        where !explainedNames.contains(name) && !mayGoWithColumn(name) {
            presence(.constraint(name), "constraint \(name) on \(key)", before: false, afterUp: upNames.contains(name))
        }
        return found
    }

    /// A table's constraint names with those PostgreSQL gives unnamed keys (`t_pkey`,
    /// `t_a_b_key`, `t_a_fkey`, `t_a_check`).
    static func databaseNames(_ table: SchemaModel.Table) -> Set<String> {
        var names = table.constraintNames
        let bare = table.name.split(separator: ".").last.map(String.init) ?? table.name
        let named = Set(table.keyNames.values)
        func generated(_ columns: [String], _ suffix: String) -> String {
            SchemaModel.postgresIdentifier("\(bare)_\(columns.joined(separator: "_"))_\(suffix)")
        }
        if !table.primaryKey.isEmpty, !named.contains(table.primaryKey) { names.insert(SchemaModel.postgresIdentifier("\(bare)_pkey")) }
        for key in table.uniqueKeys where !named.contains(key) { names.insert(generated(key, "key")) }
        for key in table.foreignKeys where key.name == nil {
            names.formUnion(RelaxConstraintRule.generatedNames(table: bare, columns: key.columns))
        }
        for check in table.notNullChecks where check.name == nil { names.insert(generated([check.column], "check")) }
        return names
    }

    // MARK: - Columns

    /// How a column differs after DOWN (`bigint, nullable (before UP: integer, NOT NULL)`), or nil.
    private static func columnChange(_ old: SchemaModel.Column, in oldTable: SchemaModel.Table,
                                     _ new: SchemaModel.Column, in newTable: SchemaModel.Table, compareTypes: Bool) -> String? {
        var now: [String] = [], was: [String] = []
        let oldType = old.type == new.type ? old.type : old.type.map(normalizedType)
        let newType = old.type == new.type ? new.type : new.type.map(normalizedType)
        if compareTypes, oldType != newType {
            now.append(newType ?? "without a type")
            was.append(oldType ?? "without a type")
        }
        // A primary-key column is NOT NULL however it was written.
        let oldNotNull = old.notNull || oldTable.primaryKey.contains(old.name)
        let newNotNull = new.notNull || newTable.primaryKey.contains(new.name)
        if oldNotNull != newNotNull {
            now.append(newNotNull ? "NOT NULL" : "nullable")
            was.append(oldNotNull ? "NOT NULL" : "nullable")
        }
        if old.hasDefault != new.hasDefault {
            now.append(new.hasDefault ? "with a default" : "without a default")
            was.append(old.hasDefault ? "with a default" : "without a default")
        }
        return now.isEmpty ? nil : "\(now.joined(separator: ", ")) (before UP: \(was.joined(separator: ", ")))"
    }

    private static let typeAliases = [
        "int": "integer", "int4": "integer", "serial": "integer", "serial4": "integer",
        "int8": "bigint", "bigserial": "bigint", "serial8": "bigint", "int2": "smallint",
        "smallserial": "smallint", "serial2": "smallint", "bool": "boolean", "float8": "double precision",
        "float": "double precision", "float4": "real", "decimal": "numeric", "varchar": "character varying",
        "char": "character", "timestamptz": "timestamp with time zone",
        "timestamp without time zone": "timestamp", "timetz": "time with time zone",
        "time without time zone": "time",
    ]

    /// A type as PostgreSQL names it, so that `int` and `integer`, `public.mood` and `"mood"`
    /// compare equal.
    static func normalizedType(_ written: String) -> String {
        var type = written.replacingOccurrences(of: "\"", with: "")
        if type.hasPrefix("public.") { type.removeFirst("public.".count) }
        var base = type, suffix = ""
        if let open = type.firstIndex(where: { $0 == "(" || $0 == "[" }) {
            base = String(type[..<open]).trimmingCharacters(in: .whitespaces)
            suffix = String(type[open...]).replacingOccurrences(of: " ", with: "")
        }
        return (typeAliases[base] ?? base) + suffix
    }

    // MARK: - Indexes and keys

    struct IndexSignature: Hashable {
        var columns: [String?]
        var unique: Bool
        var partial: Bool
    }

    /// A partial index, or one with an expression: its text may use columns the model does not list.
    static func isDerived(_ index: SchemaModel.Index) -> Bool { index.partial || index.columns.contains(nil) }

    static func signature(_ index: SchemaModel.Index) -> IndexSignature {
        IndexSignature(columns: index.columns, unique: index.unique, partial: index.partial)
    }

    static func describe(_ index: SchemaModel.Index) -> String { describe(signature(index)) }

    static func describe(_ signature: IndexSignature) -> String {
        let columns = signature.columns.map { $0 ?? "(expression)" }.joined(separator: ", ")
        return "\(signature.unique ? "UNIQUE " : "")(\(columns))\(signature.partial ? " WHERE ..." : "")"
    }

    /// What a foreign key is compared by: its columns and actions. Not the table it references:
    /// the model keeps the name written, while the database follows a renamed table (`REFERENCES
    /// user_` after `user_` became `person` is the same key as `REFERENCES person (id)`).
    struct ForeignKeySignature: Hashable {
        var columns: [String]
        var onDelete: String
        var onUpdate: String

        init(_ key: SchemaModel.ForeignKey) {
            columns = key.columns
            onDelete = key.references.onDelete?.lowercased() ?? "no action"
            onUpdate = key.references.onUpdate?.lowercased() ?? "no action"
        }
    }

    enum Side { case before, after }

    /// What only one of two lists holds, counting repeats, in the order they come.
    static func multisetDifference<T: Hashable>(_ old: [T], _ new: [T]) -> [(T, Side)] {
        var counts: [T: Int] = [:]
        for item in old { counts[item, default: 0] += 1 }
        for item in new { counts[item, default: 0] -= 1 }
        var out: [(T, Side)] = []
        for item in old where (counts[item] ?? 0) > 0 { counts[item]! -= 1; out.append((item, .before)) }
        for item in new where (counts[item] ?? 0) < 0 { counts[item]! += 1; out.append((item, .after)) }
        return out
    }
}
