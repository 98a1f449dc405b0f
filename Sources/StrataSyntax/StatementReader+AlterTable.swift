/// ALTER TABLE and its actions.
extension StatementReader {
    /// `ALTER TABLE [IF EXISTS] [ONLY] name action[, action...]`; each action is read on its
    /// own, cut at commas outside parentheses.
    static func readAlterTable(_ c: inout Cursor) -> StatementKind {
        c.advance(2)  // ALTER TABLE
        let ifExists = c.accept("if", "exists")
        let only = c.accept("only")
        guard let name = c.objectName() else { return .other("alter table") }
        if c.isOperator(UInt8(ascii: "*")) { c.advance() }
        var alter = AlterTable(name: name)
        alter.ifExists = ifExists
        alter.only = only
        for piece in c.splitAtCommas(c.index..<c.end) {
            var action = c.sub(piece)
            let first = action.index
            guard first < action.end, let lastIndex = action.lastToken(in: piece) else { continue }
            let kind = readAlterAction(&action)
            alter.actions.append((action: kind, range: action.range(first, lastIndex)))
        }
        return .alterTable(alter)
    }

    static func readAlterAction(_ c: inout Cursor) -> AlterTableAction {
        let start = c
        if c.accept("add") {
            if c.accept("column") {
                let ifNotExists = c.accept("if", "not", "exists")
                if let column = readColumnDefinition(&c) { return .addColumn(column, ifNotExists: ifNotExists) }
            } else if isTableConstraintStart(c) {
                if let constraint = readTableConstraint(&c) { return .addConstraint(constraint) }
            } else {
                let ifNotExists = c.accept("if", "not", "exists")
                if let column = readColumnDefinition(&c) { return .addColumn(column, ifNotExists: ifNotExists) }
            }
            return .other(actionLabel(start))
        }
        if c.accept("drop") {
            if c.accept("constraint") {
                let ifExists = c.accept("if", "exists")
                guard let name = c.simpleName() else { return .other("drop constraint") }
                return .dropConstraint(name: name, ifExists: ifExists, cascade: readCascade(&c))
            }
            _ = c.accept("column")
            let ifExists = c.accept("if", "exists")
            guard let column = c.columnName() else { return .other(actionLabel(start)) }
            return .dropColumn(column, ifExists: ifExists, cascade: readCascade(&c))
        }
        if c.accept("alter") {
            if c.isWord("constraint") { return .other("alter constraint") }
            _ = c.accept("column")
            guard let column = c.columnName() else { return .other(actionLabel(start)) }
            if c.accept("set", "data", "type") || c.accept("type") {
                let type = readType(&c) ?? ""
                if c.accept("collate") { _ = c.objectName() }
                let using = c.accept("using") ? c.foldedRest() : nil
                return .alterColumnType(column, type: type, using: using?.isEmpty == true ? nil : using)
            }
            if c.accept("set", "not", "null") { return .setNotNull(column) }
            if c.accept("drop", "not", "null") { return .dropNotNull(column) }
            if c.accept("set", "default") { return .setDefault(column, expression: c.foldedRest()) }
            if c.accept("drop", "default") { return .dropDefault(column) }
            return .other("alter column")
        }
        if c.accept("validate", "constraint") {
            guard let name = c.simpleName() else { return .other("validate constraint") }
            return .validateConstraint(name: name)
        }
        if c.accept("rename") {
            if c.accept("to") {
                guard let name = c.objectName() else { return .other("rename to") }
                return .renameTable(to: name)
            }
            if c.accept("constraint") {
                guard let from = c.simpleName(), c.accept("to"), let to = c.simpleName() else {
                    return .other("rename constraint")
                }
                return .renameConstraint(from: from, to: to)
            }
            _ = c.accept("column")
            guard let from = c.columnName(), c.accept("to"), let to = c.columnName() else {
                return .other(actionLabel(start))
            }
            return .renameColumn(from: from, to: to)
        }
        return .other(actionLabel(start))
    }

    /// Whether `CASCADE` follows (the rest of the clause is read).
    static func readCascade(_ c: inout Cursor) -> Bool {
        var cascade = false
        while !c.atEnd {
            if c.accept("cascade") { cascade = true } else { c.skipGroup() }
        }
        return cascade
    }

    /// The leading keywords of an action the reader does not model, lower-cased, at most three
    /// (`set schema`, `owner to`, `enable row level`, `attach partition`).
    static func actionLabel(_ c: Cursor) -> String {
        var i = c.index
        var words: [String] = []
        while i < c.end, words.count < 3, c.tokens[i].kind == .word {
            if !words.isEmpty, !isActionKeyword(c, i) { break }
            words.append(c.lowercasedText(at: i))
            i = c.after(i)
        }
        return words.joined(separator: " ")
    }

    private static func isActionKeyword(_ c: Cursor, _ i: Int) -> Bool {
        let t = c.tokens[i]
        let s = c.source
        return s.isWord(t, "column") || s.isWord(t, "constraint") || s.isWord(t, "to")
            || s.isWord(t, "schema") || s.isWord(t, "trigger") || s.isWord(t, "rule")
            || s.isWord(t, "row") || s.isWord(t, "level") || s.isWord(t, "security")
            || s.isWord(t, "replica") || s.isWord(t, "identity") || s.isWord(t, "always")
            || s.isWord(t, "partition") || s.isWord(t, "tablespace") || s.isWord(t, "without")
            || s.isWord(t, "cluster") || s.isWord(t, "logged") || s.isWord(t, "unlogged")
            || s.isWord(t, "oids") || s.isWord(t, "on") || s.isWord(t, "of") || s.isWord(t, "not")
            || s.isWord(t, "inherit") || s.isWord(t, "default") || s.isWord(t, "access")
            || s.isWord(t, "method")
            || s.isWord(t, "if") || s.isWord(t, "exists") || s.isWord(t, "key")
            || s.isWord(t, "primary") || s.isWord(t, "unique") || s.isWord(t, "foreign")
            || s.isWord(t, "check") || s.isWord(t, "exclude")
    }
}
