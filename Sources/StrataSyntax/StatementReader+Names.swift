/// Reading names: identifiers (quoted or not), schema-qualified object names, column lists.
extension StatementReader.Cursor {
    /// Whether the token at `i` can be a name: a word, a quoted identifier, or in SQLite a
    /// string literal (SQLite accepts `'name'` where a name is expected).
    func isIdentifier(at i: Int) -> Bool {
        guard i < end else { return false }
        switch tokens[i].kind {
        case .word, .quotedIdentifier: return true
        case .string: return source.dialect == .sqlite && bytes[tokens[i].offset] == UInt8(ascii: "'")
        default: return false
        }
    }

    var isIdentifier: Bool { isIdentifier(at: index) }

    /// The name a token stands for: unquoted words folded to lower case, quoted ones with
    /// their quotes removed and doubled quotes undone.
    func identifierText(at i: Int) -> String {
        let t = tokens[i]
        if t.kind == .word { return lowercasedText(at: i) }
        var lower = t.offset
        var upper = t.endOffset
        guard upper - lower >= 2 else { return String(decoding: bytes[lower..<upper], as: UTF8.self) }
        var quote = bytes[lower]
        if quote | 0x20 == UInt8(ascii: "u"), upper - lower >= 4, bytes[lower + 1] == UInt8(ascii: "&") {
            lower += 2  // U&"..."
            quote = bytes[lower]
        }
        let close: UInt8 = quote == UInt8(ascii: "[") ? UInt8(ascii: "]") : quote
        lower += 1
        if bytes[upper - 1] == close, upper - 1 >= lower { upper -= 1 }
        if quote == UInt8(ascii: "[") { return String(decoding: bytes[lower..<upper], as: UTF8.self) }
        return StatementReader.makeString(capacity: upper - lower) { out in
            var n = 0
            var j = lower
            while j < upper {
                let b = bytes[j]
                out[n] = b
                n += 1
                j += (b == quote && j + 1 < upper && bytes[j + 1] == quote) ? 2 : 1
            }
            return n
        }
    }

    /// The token's text with ASCII letters lower-cased.
    func lowercasedText(at i: Int) -> String {
        let t = tokens[i]
        return StatementReader.makeString(capacity: t.length) { out in
            var n = 0
            for j in t.byteRange {
                out[n] = StatementReader.lower(bytes[j])
                n += 1
            }
            return n
        }
    }

    /// Reads `name`, `schema.name` or `db.schema.name` (the last two parts are kept).
    mutating func objectName() -> ObjectName? {
        guard isIdentifier else { return nil }
        let first = index
        var previousPart = -1
        var lastPart = index
        advance()
        while isPunct(UInt8(ascii: "."), at: index), isIdentifier(at: after(index)) {
            advance()
            previousPart = lastPart
            lastPart = index
            advance()
        }
        let name = identifierText(at: lastPart)
        let schema = previousPart >= 0 ? identifierText(at: previousPart) : nil
        return ObjectName(schema: schema, name: name, range: range(first, last))
    }

    /// Reads one name token as a column name.
    mutating func columnName() -> ColumnName? {
        guard isIdentifier else { return nil }
        let i = index
        advance()
        return ColumnName(name: identifierText(at: i), range: range(i, i))
    }

    /// Reads a name token as a plain string (constraint and index names).
    mutating func simpleName() -> String? {
        guard isIdentifier else { return nil }
        let i = index
        advance()
        return identifierText(at: i)
    }

    /// `(a, b COLLATE x DESC, lower(c))`: the names of the elements that start with one.
    mutating func columnList() -> [ColumnName] {
        guard isPunct(UInt8(ascii: "(")) else { return [] }
        let close = matching(index)
        advance()
        var columns: [ColumnName] = []
        var expectName = true
        while index < close {
            if isPunct(UInt8(ascii: "(")) {
                skipGroup()
                expectName = false
            } else if isPunct(UInt8(ascii: ",")) {
                advance()
                expectName = true
            } else if expectName, isIdentifier, !isPunct(UInt8(ascii: "("), at: after(index)) {
                if let column = columnName() { columns.append(column) }
                expectName = false
            } else {
                advance()
                expectName = false
            }
        }
        move(to: close)
        advance()
        return columns
    }
}
