/// CREATE INDEX, DROP and TRUNCATE.
extension StatementReader {
    /// At `[UNIQUE] INDEX` (after CREATE). Nil when no `ON table` follows.
    static func readCreateIndex(_ c: inout Cursor) -> StatementKind? {
        let unique = c.accept("unique")
        c.advance()  // INDEX
        let concurrently = c.accept("concurrently")
        let ifNotExists = c.accept("if", "not", "exists")
        var name: ObjectName?
        if !c.isWord("on") { name = c.objectName() }
        guard c.accept("on") else { return nil }
        _ = c.accept("only")
        guard let table = c.objectName() else { return nil }
        if c.isOperator(UInt8(ascii: "*")) { c.advance() }
        var index = CreateIndex(table: table)
        index.name = name
        index.unique = unique
        index.concurrently = concurrently
        index.ifNotExists = ifNotExists
        if c.accept("using") {
            if c.isIdentifier { index.method = c.simpleName() }
        }
        if c.isPunct(UInt8(ascii: "(")) {
            let close = c.matching(c.index)
            for piece in c.splitAtCommas((c.index + 1)..<close) {
                if let element = readIndexElement(c.sub(piece)) { index.elements.append(element) }
            }
            c.move(to: close)
            c.advance()
        }
        // INCLUDE (...), NULLS [NOT] DISTINCT, WITH (...), TABLESPACE x, then WHERE predicate.
        while !c.atEnd {
            if c.accept("where") {
                let predicate = c.foldedRest()
                if !predicate.isEmpty { index.whereClause = predicate }
                break
            }
            c.skipGroup()
        }
        return .createIndex(index)
    }

    /// One index element: a bare column (with COLLATE, ASC/DESC, NULLS, an operator class) or an
    /// expression.
    static func readIndexElement(_ c: Cursor) -> IndexElement? {
        let first = c.index
        guard first < c.end, let lastIndex = c.lastToken(in: first..<c.end) else { return nil }
        let text = c.folded(first, lastIndex)
        var column: ColumnName?
        if c.isIdentifier(at: first), !c.isWord(at: first, "case"), !c.isWord(at: first, "not") {
            let second = c.after(first)
            var bare = true
            if second < c.end {
                let t = c.tokens[second]
                if t.kind == .word {
                    let s = c.source
                    bare = !(s.isWord(t, "is") || s.isWord(t, "and") || s.isWord(t, "or")
                        || s.isWord(t, "in") || s.isWord(t, "between") || s.isWord(t, "like")
                        || s.isWord(t, "glob") || s.isWord(t, "not") || s.isWord(t, "isnull")
                        || s.isWord(t, "notnull") || s.isWord(t, "ilike") || s.isWord(t, "similar"))
                } else {
                    bare = t.kind == .quotedIdentifier
                }
            }
            if bare {
                column = ColumnName(name: c.identifierText(at: first), range: c.range(first, first))
            }
        }
        return IndexElement(column: column, text: text, range: c.range(first, lastIndex))
    }

    // MARK: DROP

    /// `DROP kind [CONCURRENTLY] [IF EXISTS] name[, name...] [CASCADE|RESTRICT]`.
    static func readDrop(_ c: inout Cursor) -> StatementKind {
        c.advance()  // DROP
        let kind: DropObjectKind
        if c.accept("table") {
            kind = .table
        } else if c.accept("index") {
            kind = .index
        } else if c.accept("view") {
            kind = .view
        } else if c.accept("materialized", "view") {
            kind = .materializedView
        } else if c.accept("schema") {
            kind = .schema
        } else if c.accept("database") {
            kind = .database
        } else if c.accept("trigger") {
            kind = .trigger
        } else if c.accept("function") {
            kind = .function
        } else if c.accept("procedure") {
            kind = .procedure
        } else if c.accept("type") {
            kind = .type
        } else if c.accept("sequence") {
            kind = .sequence
        } else if c.accept("extension") {
            kind = .extension
        } else {
            guard c.current?.kind == .word else { return .other("drop") }
            kind = .other
            // DROP DOMAIN x, DROP FOREIGN TABLE x, DROP TEXT SEARCH CONFIGURATION x, ...
            c.advance()
            while c.isWord("table") || c.isWord("data") || c.isWord("wrapper") || c.isWord("search")
                || c.isWord("configuration") || c.isWord("dictionary") || c.isWord("parser")
                || c.isWord("template") || c.isWord("class") || c.isWord("family") || c.isWord("method")
                || (c.isWord("trigger") && !c.isWord(at: c.peek(1), "if")) {
                c.advance()
            }
        }
        var drop = DropStatement(objectKind: kind)
        drop.concurrently = c.accept("concurrently")
        drop.ifExists = c.accept("if", "exists")
        while let name = c.objectName() {
            drop.names.append(name)
            if c.isPunct(UInt8(ascii: "(")) { c.skipGroup() }  // a function's argument types
            guard c.acceptPunct(UInt8(ascii: ",")) else { break }
        }
        drop.cascade = readCascade(&c)
        return .drop(drop)
    }

    // MARK: TRUNCATE

    /// `TRUNCATE [TABLE] [ONLY] t [*][, ...] [RESTART|CONTINUE IDENTITY] [CASCADE|RESTRICT]`.
    static func readTruncate(_ c: inout Cursor) -> StatementKind {
        c.advance()  // TRUNCATE
        _ = c.accept("table")
        var truncate = TruncateStatement()
        while true {
            _ = c.accept("only")
            guard let name = c.objectName() else { break }
            truncate.tables.append(name)
            if c.isOperator(UInt8(ascii: "*")) { c.advance() }
            guard c.acceptPunct(UInt8(ascii: ",")) else { break }
        }
        truncate.cascade = readCascade(&c)
        return .truncate(truncate)
    }
}
