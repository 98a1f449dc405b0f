/// CREATE TABLE, column definitions, column types and table constraints (shared with ALTER TABLE).
extension StatementReader {
    /// At `TABLE` (after `CREATE [TEMP|UNLOGGED]`). Nil when no table name follows.
    static func readCreateTable(_ c: inout Cursor, temporary: Bool, unlogged: Bool) -> StatementKind? {
        c.advance()  // TABLE
        let ifNotExists = c.accept("if", "not", "exists")
        guard let name = c.objectName() else { return nil }
        var table = CreateTable(name: name)
        table.ifNotExists = ifNotExists
        table.temporary = temporary
        table.unlogged = unlogged

        if c.accept("as") {
            table.asSelect = true
            table.withNoData = endsWithNoData(c)
            return .createTable(table)
        }
        if c.isWord("partition"), c.isWord(at: c.peek(1), "of") {
            table.derivesColumns = true  // PARTITION OF parent: the parent's columns
            return .createTable(table)
        }
        if c.isWord("of"), c.isIdentifier(at: c.peek(1)) {
            table.derivesColumns = true  // OF type_name (a typed table)
            return .createTable(table)
        }
        if c.isPunct(UInt8(ascii: "(")) {
            let close = c.matching(c.index)
            for piece in c.splitAtCommas((c.index + 1)..<close) {
                var element = c.sub(piece)
                readTableElement(&element, into: &table)
            }
            c.move(to: close)
            c.advance()
        }
        // Options after the body: INHERITS, AS SELECT; the others (WITHOUT ROWID, STRICT, WITH,
        // PARTITION BY, TABLESPACE, ON COMMIT) do not change what the reader reports.
        while !c.atEnd {
            if c.accept("inherits") {
                table.derivesColumns = true
            } else if c.isWord("as") {
                table.asSelect = true
                table.withNoData = endsWithNoData(c)
                break
            } else {
                c.skipGroup()
            }
        }
        return .createTable(table)
    }

    /// Whether the statement ends `WITH NO DATA` (a CREATE TABLE ... AS that copies no row).
    static func endsWithNoData(_ c: Cursor) -> Bool {
        guard let data = c.lastToken(in: c.index..<c.end), c.isWord(at: data, "data"),
              let no = c.lastToken(in: c.index..<data), c.isWord(at: no, "no"),
              let with = c.lastToken(in: c.index..<no) else { return false }
        return c.isWord(at: with, "with")
    }

    /// One element of a CREATE TABLE body: a column, a table constraint, or `LIKE other`.
    static func readTableElement(_ c: inout Cursor, into table: inout CreateTable) {
        if isTableConstraintStart(c) {
            if let constraint = readTableConstraint(&c) { table.constraints.append(constraint) }
        } else if c.source.dialect == .postgresql, c.isWord("like"), c.isIdentifier(at: c.peek(1)) {
            table.derivesColumns = true
        } else if let column = readColumnDefinition(&c) {
            table.columns.append(column)
        }
    }

    /// Whether a table constraint starts here rather than a column whose name is a keyword
    /// (`unique text`, `check int` are columns).
    static func isTableConstraintStart(_ c: Cursor) -> Bool {
        let next = c.peek(1)
        if c.isWord("constraint") {
            let kind = c.peek(2)
            return c.isIdentifier(at: next) && kind < c.end && c.tokens[kind].kind == .word
        }
        if c.isWord("primary") || c.isWord("foreign") { return c.isWord(at: next, "key") }
        if c.isWord("unique") {
            return c.isPunct(UInt8(ascii: "("), at: next) || c.isWord(at: next, "nulls")
                || c.isWord(at: next, "using") || c.isWord(at: next, "key")
        }
        if c.isWord("check") { return c.isPunct(UInt8(ascii: "("), at: next) }
        if c.isWord("exclude") { return c.isPunct(UInt8(ascii: "("), at: next) || c.isWord(at: next, "using") }
        return false
    }

    // MARK: Columns

    /// `name [type] [constraints...]`, the cursor bounded to the definition. Nil when it does not
    /// start with a name.
    static func readColumnDefinition(_ c: inout Cursor) -> ColumnDefinition? {
        let nameIndex = c.index
        guard let name = c.columnName() else { return nil }
        var column = ColumnDefinition(name: name, type: readType(&c), range: c.range(nameIndex, nameIndex))
        while !c.atEnd {
            if c.accept("constraint") {
                if c.isIdentifier, !isColumnConstraintWord(c) { c.advance() }
            } else if c.accept("not", "null") {
                column.notNull = true
            } else if c.accept("null") {
                continue
            } else if c.accept("primary", "key") {
                column.primaryKey = true
                while c.accept("asc") || c.accept("desc") || skipConflictClause(&c) {}
                if c.accept("autoincrement") { column.identity = true }
            } else if c.accept("unique") {
                column.unique = true
            } else if c.accept("default") {
                if let expression = readExpression(&c) { column.defaultExpression = expression }
            } else if c.accept("check") {
                column.hasCheck = true
                if c.isPunct(UInt8(ascii: "(")) { c.skipGroup() }
            } else if c.accept("references") {
                if let reference = readReferences(&c) { column.references = reference }
            } else if c.accept("collate") {
                if let collation = c.objectName() { column.collation = collation.name }
            } else if c.accept("generated") {
                if !c.accept("always") { _ = c.accept("by", "default") }
                _ = c.accept("as")
                if c.accept("identity") {
                    column.identity = true
                    if c.isPunct(UInt8(ascii: "(")) { c.skipGroup() }
                } else if c.isPunct(UInt8(ascii: "(")) {
                    column.generated = true
                    c.skipGroup()
                }
            } else if c.isWord("as"), c.isPunct(UInt8(ascii: "("), at: c.peek(1)) {
                c.advance()  // SQLite `AS (expr) [STORED|VIRTUAL]`
                column.generated = true
                c.skipGroup()
            } else if c.accept("autoincrement") {
                column.identity = true
            } else {
                c.skipGroup()  // ON CONFLICT, DEFERRABLE, STORED, STORAGE x, ...: not modelled
            }
        }
        column.range = c.range(nameIndex, c.last)
        return column
    }

    /// Words that start a column constraint (they end a type and a DEFAULT expression).
    static func isColumnConstraintWord(_ c: Cursor) -> Bool {
        guard let t = c.current, t.kind == .word else { return false }
        let s = c.source
        switch t.length {
        case 2: return s.isWord(t, "as") || s.isWord(t, "on")
        case 3: return s.isWord(t, "not")
        case 4: return s.isWord(t, "null")
        case 5: return s.isWord(t, "check") || s.isWord(t, "using")
        case 6: return s.isWord(t, "unique")
        case 7: return s.isWord(t, "primary") || s.isWord(t, "default") || s.isWord(t, "collate")
                || s.isWord(t, "storage")
        case 9: return s.isWord(t, "generated") || s.isWord(t, "initially")
        case 10: return s.isWord(t, "constraint") || s.isWord(t, "references") || s.isWord(t, "deferrable")
        case 11: return s.isWord(t, "compression")
        case 13: return s.isWord(t, "autoincrement")
        default: return false
        }
    }

    /// SQLite `ON CONFLICT ROLLBACK|ABORT|FAIL|IGNORE|REPLACE`.
    static func skipConflictClause(_ c: inout Cursor) -> Bool {
        guard c.accept("on", "conflict") else { return false }
        if c.current?.kind == .word { c.advance() }
        return true
    }

    /// A column type: words (`double precision`, `timestamp with time zone`), dotted names,
    /// `(args)` kept without spaces, and `[]` suffixes; lower-cased. Nil when none is written.
    static func readType(_ c: inout Cursor) -> String? {
        var out: [UInt8] = []
        while let t = c.current {
            if t.kind == .word || t.kind == .quotedIdentifier {
                if t.kind == .word, isColumnConstraintWord(c) { break }
                if let previous = out.last, previous != UInt8(ascii: ".") { out.append(UInt8(ascii: " ")) }
                if t.kind == .word {
                    for j in t.byteRange { out.append(lower(c.bytes[j])) }
                } else {
                    out.append(contentsOf: c.identifierText(at: c.index).utf8)
                }
                c.advance()
            } else if out.isEmpty {
                break
            } else if c.isPunct(UInt8(ascii: ".")) {
                out.append(UInt8(ascii: "."))
                c.advance()
            } else if c.isPunct(UInt8(ascii: "(")) || c.isPunct(UInt8(ascii: "[")) {
                let open = c.bytes[t.offset]
                let close: UInt8 = open == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]")
                var depth = 0
                while let u = c.current {
                    if u.kind == .punctuation {
                        let b = c.bytes[u.offset]
                        if b == open { depth += 1 } else if b == close { depth -= 1 }
                    }
                    for j in u.byteRange { out.append(lower(c.bytes[j])) }
                    c.advance()
                    if depth == 0 { break }
                }
            } else {
                break
            }
        }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }

    /// An expression up to the next column-constraint word, `,` or unbalanced `)` outside
    /// parentheses (at least one token is read). Its text, trivia folded.
    static func readExpression(_ c: inout Cursor) -> String? {
        let first = c.index
        var lastIndex = -1
        while !c.atEnd {
            if lastIndex >= 0, isColumnConstraintWord(c) { break }
            if c.isPunct(UInt8(ascii: ",")) || c.isPunct(UInt8(ascii: ")")) { break }
            if c.isPunct(UInt8(ascii: "(")) { c.skipGroup() } else { c.advance() }
            lastIndex = c.last
        }
        return lastIndex >= first ? c.folded(first, lastIndex) : nil
    }

    /// After REFERENCES: `table [(columns)] [MATCH x] [ON DELETE action] [ON UPDATE action]`.
    static func readReferences(_ c: inout Cursor) -> ForeignKeyReference? {
        guard let table = c.objectName() else { return nil }
        var reference = ForeignKeyReference(table: table, columns: c.columnList())
        while !c.atEnd {
            if c.accept("on", "delete") {
                reference.onDelete = readReferentialAction(&c)
            } else if c.accept("on", "update") {
                reference.onUpdate = readReferentialAction(&c)
            } else if c.accept("match") {
                if c.current?.kind == .word { c.advance() }
            } else {
                break
            }
        }
        return reference
    }

    /// `CASCADE`, `RESTRICT`, `NO ACTION`, `SET NULL [(cols)]`, `SET DEFAULT [(cols)]`, lower-cased.
    static func readReferentialAction(_ c: inout Cursor) -> String? {
        if c.accept("no", "action") { return "no action" }
        if c.accept("set", "null") {
            if c.isPunct(UInt8(ascii: "(")) { c.skipGroup() }
            return "set null"
        }
        if c.accept("set", "default") {
            if c.isPunct(UInt8(ascii: "(")) { c.skipGroup() }
            return "set default"
        }
        guard c.current?.kind == .word else { return nil }
        let action = c.lowercasedText(at: c.index)
        c.advance()
        return action
    }

    // MARK: Table constraints

    /// `[CONSTRAINT name] PRIMARY KEY (...) | UNIQUE (...) | FOREIGN KEY (...) REFERENCES ... |
    /// CHECK (...) | EXCLUDE ...`, then `NOT VALID` and anything else up to the cursor's end.
    static func readTableConstraint(_ c: inout Cursor) -> TableConstraint? {
        let first = c.index
        guard !c.atEnd else { return nil }
        var name: String?
        if c.accept("constraint") { name = c.simpleName() }
        var usingIndex: String?
        let kind: TableConstraintKind
        if c.accept("primary", "key") {
            if c.accept("using", "index") {
                usingIndex = c.simpleName()
                kind = .primaryKey(columns: [])
            } else {
                kind = .primaryKey(columns: c.columnList())
            }
        } else if c.accept("unique") {
            _ = c.accept("key")
            if !c.accept("nulls", "not", "distinct") { _ = c.accept("nulls", "distinct") }
            if c.accept("using", "index") {
                usingIndex = c.simpleName()
                kind = .unique(columns: [])
            } else {
                kind = .unique(columns: c.columnList())
            }
        } else if c.accept("foreign", "key") {
            let columns = c.columnList()
            if c.accept("references"), let reference = readReferences(&c) {
                kind = .foreignKey(columns: columns, references: reference)
            } else {
                kind = .other("foreign key")
            }
        } else if c.accept("check") {
            var expression = ""
            if c.isPunct(UInt8(ascii: "(")) {
                let close = c.matching(c.index)
                if let inner = c.lastToken(in: (c.index + 1)..<max(c.index + 1, close)) {
                    expression = c.folded(c.index + 1, inner)
                }
                c.skipGroup()
            }
            kind = .check(expression: expression)
        } else {
            kind = .other(c.current?.kind == .word ? c.lowercasedText(at: c.index) : "")
        }
        var notValid = false
        while !c.atEnd {
            if c.accept("not", "valid") { notValid = true } else { c.skipGroup() }
        }
        var constraint = TableConstraint(name: name, kind: kind, range: c.range(first, c.last))
        constraint.notValid = notValid
        constraint.usingIndex = usingIndex
        return constraint
    }
}
