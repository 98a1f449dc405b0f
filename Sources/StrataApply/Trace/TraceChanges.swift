import StrataCore

/// What a statement created, altered or dropped, from a relation as the trace knew it before
/// and as the catalog shows it after.
enum TraceChanges {
    /// A created table's columns are shown when they fit this many characters.
    static let shortDefinition = 200

    /// The changes between `before` (nil: the relation is new) and `after` (nil: dropped).
    /// Indexes are reported through their tables (`indexes`), never on their own.
    static func between(_ before: TracedRelation?, _ after: TracedRelation?) -> [SchemaChange] {
        switch (before, after) {
        case (nil, nil):
            return []
        case (nil, let created?):
            guard !created.isIndex else { return [] }
            return [SchemaChange(kind: created.kind, action: .created, object: created.qualifiedName, detail: definition(of: created))]
        case (let dropped?, nil):
            guard !dropped.isIndex else { return [] }
            return [SchemaChange(kind: dropped.kind, action: .dropped, object: dropped.qualifiedName)]
        case (let old?, let new?):
            return altered(old, new)
        }
    }

    static func altered(_ old: TracedRelation, _ new: TracedRelation) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let table = new.qualifiedName
        if old.qualifiedName != new.qualifiedName && !new.isIndex {
            changes.append(SchemaChange(kind: new.kind, action: .altered, object: table, detail: "renamed from \(old.qualifiedName)"))
        }
        // A relation read only for its name (weakly locked) says nothing about the rest.
        guard old.described, new.described else { return changes }
        for number in Set(old.columns.keys).union(new.columns.keys).sorted() {
            switch (old.columns[number], new.columns[number]) {
            case (nil, let added?):
                changes.append(SchemaChange(kind: "column", action: .created, object: "\(table).\(added.name)", detail: describe(added)))
            case (let dropped?, nil):
                changes.append(SchemaChange(kind: "column", action: .dropped, object: "\(table).\(dropped.name)"))
            case (let was?, let now?) where was != now:
                changes.append(SchemaChange(kind: "column", action: .altered, object: "\(table).\(now.name)", detail: difference(was, now)))
            default:
                break
            }
        }
        for name in Set(old.constraints.keys).union(new.constraints.keys).sorted() {
            switch (old.constraints[name], new.constraints[name]) {
            case (nil, let added?):
                changes.append(SchemaChange(kind: "constraint", action: .created, object: "\(table).\(name)", detail: added.definition))
            case (let dropped?, nil):
                changes.append(SchemaChange(kind: "constraint", action: .dropped, object: "\(table).\(name)", detail: dropped.definition))
            case (let was?, let now?) where was != now:
                let detail = was.definition == now.definition + " NOT VALID" ? "validated" : "\(was.definition) -> \(now.definition)"
                changes.append(SchemaChange(kind: "constraint", action: .altered, object: "\(table).\(name)", detail: detail))
            default:
                break
            }
        }
        // The index behind a primary key, unique or exclusion constraint is that constraint.
        let constraintIndexes = Set(old.constraints.keys).union(new.constraints.keys)
        for name in Set(old.indexes.keys).union(new.indexes.keys).sorted() where !constraintIndexes.contains(name) {
            let object = "\(new.schema).\(name)"
            switch (old.indexes[name], new.indexes[name]) {
            case (nil, let added?):
                changes.append(SchemaChange(kind: "index", action: .created, object: object, detail: added))
            case (let dropped?, nil):
                changes.append(SchemaChange(kind: "index", action: .dropped, object: object, detail: dropped))
            case (let was?, let now?) where was != now:
                changes.append(SchemaChange(kind: "index", action: .altered, object: object, detail: "\(was) -> \(now)"))
            default:
                break
            }
        }
        if old.viewDefinition != new.viewDefinition {
            changes.append(SchemaChange(kind: new.kind, action: .altered, object: table, detail: "definition changed"))
        }
        return changes
    }

    /// `text not null default 'x'`.
    static func describe(_ column: TracedRelation.Column) -> String {
        var text = column.type
        if column.notNull { text += " not null" }
        if let value = column.defaultValue { text += value.hasPrefix("generated ") ? " \(value)" : " default \(value)" }
        return text
    }

    /// `type integer -> bigint, not null added`.
    static func difference(_ was: TracedRelation.Column, _ now: TracedRelation.Column) -> String {
        var parts: [String] = []
        if was.name != now.name { parts.append("renamed from \(was.name)") }
        if was.type != now.type { parts.append("type \(was.type) -> \(now.type)") }
        if was.notNull != now.notNull { parts.append(now.notNull ? "not null added" : "not null dropped") }
        switch (was.defaultValue, now.defaultValue) {
        case (nil, let value?): parts.append("default \(value) added")
        case (let value?, nil): parts.append("default \(value) dropped")
        case (let a?, let b?) where a != b: parts.append("default \(a) -> \(b)")
        default: break
        }
        return parts.joined(separator: ", ")
    }

    /// A created table's columns, when short enough to show; a view's or sequence's nothing.
    static func definition(of relation: TracedRelation) -> String? {
        guard !relation.columns.isEmpty else { return nil }
        let text = "(" + relation.columns.sorted { $0.key < $1.key }.map { "\($0.value.name) \(describe($0.value))" }.joined(separator: ", ") + ")"
        return text.count <= shortDefinition ? text : "\(relation.columns.count) columns"
    }
}
