/// Reads what a statement is (see `StatementKind`): a tolerant recursive-descent reader over the
/// statement's tokens, for SQLite and PostgreSQL.
///
/// It never fails: on anything it does not expect it stops and returns what it has, or
/// `.other(leading keywords)`. It builds strings only for the facts it returns, and reads each
/// token a bounded number of times (an INSERT's VALUES rows are never walked).
public enum StatementReader {
    public static func read(_ source: SourceText, tokens: Range<Int>) -> Statement {
        let all = source.tokens
        let lower = max(0, min(tokens.lowerBound, all.count))
        let upper = max(lower, min(tokens.upperBound, all.count))
        var first = lower
        while first < upper, all[first].kind.isTrivia { first += 1 }
        var last = upper - 1
        while last >= first, all[last].kind.isTrivia { last -= 1 }
        guard first <= last else {
            let position = lower < all.count ? all[lower].start : source.position(at: source.bytes.count)
            return Statement(kind: .other(""), range: SourceRange(at: position), tokens: tokens)
        }
        var cursor = Cursor(source, first..<(last + 1))
        let kind = readKind(&cursor)
        let range = SourceRange(start: all[first].start, end: endPosition(of: all[last], in: source.bytes))
        return Statement(kind: kind, range: range, tokens: tokens)
    }

    static func readKind(_ c: inout Cursor) -> StatementKind {
        guard let token = c.current, token.kind == .word else { return .other(label(c)) }
        let s = c.source
        if s.isWord(token, "create") { return readCreate(&c) }
        if s.isWord(token, "alter") {
            if c.isWord(at: c.peek(1), "table") { return readAlterTable(&c) }
            return .other(label(c))
        }
        if s.isWord(token, "drop") { return readDrop(&c) }
        if s.isWord(token, "insert") { return readInsert(&c) }
        if s.isWord(token, "replace"), c.isWord(at: c.peek(1), "into") { return readInsert(&c) }
        if s.isWord(token, "update") { return readUpdate(&c) }
        if s.isWord(token, "delete") { return readDelete(&c) }
        if s.isWord(token, "with") { return readWith(&c) }
        if s.isWord(token, "truncate") { return readTruncate(&c) }
        if s.isWord(token, "set") { return readSet(&c) }
        if s.isWord(token, "pragma"), s.dialect == .sqlite { return readPragma(&c) }
        if s.isWord(token, "begin") { return .transaction(.begin) }
        if s.isWord(token, "start"), c.isWord(at: c.peek(1), "transaction") { return .transaction(.begin) }
        if s.isWord(token, "commit") || s.isWord(token, "end") { return .transaction(.commit) }
        if s.isWord(token, "rollback") || s.isWord(token, "abort") { return .transaction(.rollback) }
        if s.isWord(token, "savepoint") { return .transaction(.savepoint) }
        if s.isWord(token, "release") { return .transaction(.release) }
        return .other(label(c))
    }

    // MARK: Labels of statements the reader does not model

    /// The leading keywords of a statement, lower-cased: the verb, plus for CREATE / ALTER /
    /// DROP the kind of object (modifiers such as `OR REPLACE`, `TEMP`, `UNIQUE` skipped), so
    /// `CREATE OR REPLACE FUNCTION` is `create function`; `comment on`, `security label`,
    /// `refresh materialized view`; any other statement is its first word (`grant`, `with`).
    /// A statement that does not start with a word is `""`.
    static func label(_ c: Cursor) -> String {
        var i = c.index
        guard i < c.end, c.tokens[i].kind == .word else { return "" }
        var words = [c.lowercasedText(at: i)]
        let s = c.source
        let verb = c.tokens[i]
        func addWord(_ j: Int) -> Bool {
            guard j < c.end, c.tokens[j].kind == .word, words.count < 3 else { return false }
            words.append(c.lowercasedText(at: j))
            return true
        }
        if s.isWord(verb, "create") || s.isWord(verb, "alter") || s.isWord(verb, "drop") {
            i = c.after(i)
            if s.isWord(verb, "create") {
                while i < c.end, isCreateModifier(c, i) { i = c.after(i) }
            }
            guard addWord(i) else { return words.joined(separator: " ") }
            let kind = c.tokens[i]
            let next = c.after(i)
            if s.isWord(kind, "materialized") || s.isWord(kind, "foreign") || s.isWord(kind, "event")
                || s.isWord(kind, "text") || s.isWord(kind, "access") || s.isWord(kind, "virtual")
                || s.isWord(kind, "large")
                || (s.isWord(kind, "operator") && (c.isWord(at: next, "class") || c.isWord(at: next, "family")))
                || (s.isWord(kind, "user") && c.isWord(at: next, "mapping"))
                || (s.isWord(kind, "default") && c.isWord(at: next, "privileges")) {
                _ = addWord(next)
            }
        } else if s.isWord(verb, "comment"), c.isWord(at: c.after(i), "on") {
            _ = addWord(c.after(i))
        } else if s.isWord(verb, "security"), c.isWord(at: c.after(i), "label") {
            _ = addWord(c.after(i))
        } else if s.isWord(verb, "refresh"), c.isWord(at: c.after(i), "materialized") {
            let next = c.after(i)
            _ = addWord(next)
            _ = addWord(c.after(next))
        }
        return words.joined(separator: " ")
    }

    private static func isCreateModifier(_ c: Cursor, _ i: Int) -> Bool {
        let t = c.tokens[i]
        let s = c.source
        guard t.kind == .word else { return false }
        if s.isWord(t, "default") { return c.isWord(at: c.after(i), "conversion") }
        if s.isWord(t, "constraint") { return c.isWord(at: c.after(i), "trigger") }
        return s.isWord(t, "or") || s.isWord(t, "replace") || s.isWord(t, "temp")
            || s.isWord(t, "temporary") || s.isWord(t, "unlogged") || s.isWord(t, "global")
            || s.isWord(t, "local") || s.isWord(t, "unique") || s.isWord(t, "recursive")
            || s.isWord(t, "trusted") || s.isWord(t, "procedural")
    }

    // MARK: CREATE

    static func readCreate(_ c: inout Cursor) -> StatementKind {
        let start = c
        c.advance()  // CREATE
        var temporary = false
        var unlogged = false
        while !c.atEnd {
            if c.accept("temp") || c.accept("temporary") {
                temporary = true
            } else if c.accept("unlogged") {
                unlogged = true
            } else if c.accept("global") || c.accept("local") {
                continue
            } else {
                break
            }
        }
        if c.isWord("table") {
            return readCreateTable(&c, temporary: temporary, unlogged: unlogged) ?? .other(label(start))
        }
        if c.isWord("index") || (c.isWord("unique") && c.isWord(at: c.peek(1), "index")) {
            return readCreateIndex(&c) ?? .other(label(start))
        }
        return .other(label(start))
    }

    // MARK: SET, PRAGMA

    /// `SET [SESSION|LOCAL] name {=|TO} value`, with PostgreSQL's special forms.
    static func readSet(_ c: inout Cursor) -> StatementKind {
        c.advance()  // SET
        var local = false
        if c.accept("local") {
            local = true
        } else if c.isWord("session"), !c.isWord(at: c.peek(1), "authorization"),
                  !c.isWord(at: c.peek(1), "characteristics") {
            c.advance()
        }
        if c.isWord("transaction") || c.isWord("constraints") || c.accept("session", "characteristics") {
            return .other("set")
        }
        let name: String
        if c.accept("time", "zone") {
            name = "timezone"
        } else if c.accept("schema") {
            name = "search_path"
        } else if c.accept("names") {
            name = "client_encoding"
        } else if c.accept("session", "authorization") {
            name = "session_authorization"
        } else if let object = c.objectName() {
            name = object.schema.map { "\($0).\(object.name)" } ?? object.name
        } else {
            return .other("set")
        }
        if c.isOperator(UInt8(ascii: "=")) || c.isWord("to") { c.advance() }
        return .set(SetStatement(name: name, value: c.foldedRest(), local: local))
    }

    /// SQLite `PRAGMA [schema.]name [= value | (value)]`; the value is "" when absent.
    static func readPragma(_ c: inout Cursor) -> StatementKind {
        c.advance()  // PRAGMA
        guard let object = c.objectName() else { return .other("pragma") }
        var value = ""
        if c.isOperator(UInt8(ascii: "=")) {
            c.advance()
            value = c.foldedRest()
        } else if c.isPunct(UInt8(ascii: "(")) {
            let close = c.matching(c.index)
            if let inner = c.lastToken(in: (c.index + 1)..<close) { value = c.folded(c.index + 1, inner) }
        }
        return .pragma(SetStatement(name: object.name, value: value))
    }
}
