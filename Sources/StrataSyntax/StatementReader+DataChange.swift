/// DELETE, UPDATE, INSERT / REPLACE, and the WITH ... that may lead them.
extension StatementReader {
    /// `DELETE FROM [ONLY] t [*] [[AS] alias] [USING ...] [WHERE ...] [RETURNING ...]`.
    static func readDelete(_ c: inout Cursor) -> StatementKind {
        c.advance()  // DELETE
        _ = c.accept("from")
        _ = c.accept("only")
        guard let table = c.objectName() else { return .other("delete") }
        return .delete(readWhere(&c, table: table))
    }

    /// `UPDATE [OR action] [ONLY] t [*] [[AS] alias] SET ... [FROM ...] [WHERE ...]`.
    static func readUpdate(_ c: inout Cursor) -> StatementKind {
        c.advance()  // UPDATE
        if c.accept("or") { c.advance() }
        _ = c.accept("only")
        guard let table = c.objectName() else { return .other("update") }
        return .update(readWhere(&c, table: table))
    }

    /// Finds the statement's WHERE outside parentheses; its text runs to RETURNING, ORDER BY,
    /// LIMIT (SQLite) outside parentheses, or the end.
    static func readWhere(_ c: inout Cursor, table: ObjectName) -> DataChange {
        while !c.atEnd {
            if c.accept("where") {
                let first = c.index
                var lastIndex = -1
                while !c.atEnd {
                    if c.isWord("returning") || c.isWord("limit")
                        || (c.isWord("order") && c.isWord(at: c.peek(1), "by")) { break }
                    c.skipGroup()
                    lastIndex = c.last
                }
                let clause = lastIndex >= first ? c.folded(first, lastIndex) : nil
                return DataChange(table: table, hasWhere: true, whereClause: clause)
            }
            c.skipGroup()
        }
        return DataChange(table: table, hasWhere: false)
    }

    /// `INSERT [OR action] INTO t [AS alias] [(cols)] [OVERRIDING ...] VALUES | SELECT | ...`
    /// and SQLite `REPLACE INTO`. Only the head is read: the rows are never walked.
    static func readInsert(_ c: inout Cursor) -> StatementKind {
        c.advance()  // INSERT / REPLACE
        if c.accept("or") { c.advance() }
        _ = c.accept("into")
        guard let table = c.objectName() else { return .other("insert") }
        var insert = InsertStatement(table: table)
        if c.accept("as"), c.isIdentifier { c.advance() }  // PostgreSQL alias
        if c.isPunct(UInt8(ascii: "(")) {
            var inner = c
            inner.advance()
            if isQueryStart(inner) {
                insert.fromSelect = true
                return .insert(insert)
            }
            insert.columns = c.columnList()
        }
        if c.accept("overriding") {
            c.advance(2)  // SYSTEM|USER VALUE
        }
        if isQueryStart(c) {
            insert.fromSelect = true
        } else if c.isPunct(UInt8(ascii: "(")) {
            var inner = c
            inner.advance()
            insert.fromSelect = isQueryStart(inner)
        }
        return .insert(insert)
    }

    private static func isQueryStart(_ c: Cursor) -> Bool {
        c.isWord("select") || c.isWord("with") || c.isWord("table")
    }

    /// `WITH [RECURSIVE] name AS (...) [, ...] main`: reads the main statement when it is a
    /// DELETE, UPDATE or INSERT (the CTE bodies are skipped as balanced parentheses), else
    /// `.other("with")`.
    static func readWith(_ c: inout Cursor) -> StatementKind {
        c.advance()  // WITH
        _ = c.accept("recursive")
        while !c.atEnd {
            if c.isPunct(UInt8(ascii: "(")) {
                c.skipGroup()
                continue
            }
            let next = c.peek(1)
            if c.isWord("delete"), c.isWord(at: next, "from") || c.isIdentifier(at: next) { return readDelete(&c) }
            if c.isWord("update"), c.isIdentifier(at: next) { return readUpdate(&c) }
            if c.isWord("insert"), c.isWord(at: next, "into") || c.isWord(at: next, "or") { return readInsert(&c) }
            if c.isWord("replace"), c.isWord(at: next, "into") { return readInsert(&c) }
            if c.isWord("select") || c.isWord("values") || c.isWord("merge") { break }
            c.advance()
        }
        return .other("with")
    }
}
