/// The reader's view of one statement (or one part of it): a position in the file's token array
/// that skips trivia, bounded by `end`, with helpers to match words, read names and fold text.
///
/// Every mutating step moves forward by at least one token or does nothing, and nothing looks
/// past `end`, so no loop built on it can run away or read out of bounds.
extension StatementReader {
    struct Cursor {
        let source: SourceText
        let tokens: [Token]
        let bytes: [UInt8]
        /// One past the last token this cursor may read.
        let end: Int
        /// The current non-trivia token, or `end`.
        private(set) var index: Int
        /// The last non-trivia token consumed, or -1 when nothing was consumed yet.
        private(set) var last: Int = -1

        init(_ source: SourceText, _ range: Range<Int>) {
            self.source = source
            self.tokens = source.tokens
            self.bytes = source.bytes
            let upper = max(0, min(range.upperBound, source.tokens.count))
            self.end = upper
            self.index = min(max(0, range.lowerBound), upper)
            self.index = skipTrivia(from: index)
        }

        /// A cursor over `range` sharing this one's source (for a clause or list element).
        func sub(_ range: Range<Int>) -> Cursor {
            Cursor(source, max(range.lowerBound, 0)..<min(range.upperBound, end))
        }

        // MARK: Moving

        @inline(__always) func skipTrivia(from i: Int) -> Int {
            var i = i
            while i < end, tokens[i].kind.isTrivia { i += 1 }
            return i
        }

        /// The next non-trivia token after `i`, or `end`.
        @inline(__always) func after(_ i: Int) -> Int { i >= end ? end : skipTrivia(from: i + 1) }

        /// The `k`-th non-trivia token from the current one (0 is the current one).
        func peek(_ k: Int) -> Int {
            var i = index
            var k = k
            while k > 0, i < end { i = after(i); k -= 1 }
            return i
        }

        var atEnd: Bool { index >= end }
        var current: Token? { index < end ? tokens[index] : nil }

        mutating func advance() {
            guard index < end else { return }
            last = index
            index = after(index)
        }

        mutating func advance(_ n: Int) {
            for _ in 0..<n { advance() }
        }

        /// Moves to `target` (a non-trivia index or `end`) if it lies ahead; `last` becomes the
        /// last non-trivia token before it.
        mutating func move(to target: Int) {
            while index < target, index < end { advance() }
        }

        /// At `(`: consumes through its matching `)` (or to the end). Anywhere else: one token.
        mutating func skipGroup() {
            guard isPunct(UInt8(ascii: "(")) else { advance(); return }
            let close = matching(index)
            move(to: close)
            advance()
        }

        /// The matching `)` of the `(` at `i`, or `end` when it is not closed.
        func matching(_ i: Int) -> Int {
            var depth = 0
            var j = i
            while j < end {
                let t = tokens[j]
                if t.kind == .punctuation {
                    let b = bytes[t.offset]
                    if b == UInt8(ascii: "(") {
                        depth += 1
                    } else if b == UInt8(ascii: ")") {
                        depth -= 1
                        if depth <= 0 { return j }
                    }
                }
                j += 1
            }
            return end
        }

        /// The pieces of `range` cut at commas outside parentheses (each may hold trivia at its
        /// edges; pieces holding only trivia are dropped).
        func splitAtCommas(_ range: Range<Int>) -> [Range<Int>] {
            var pieces: [Range<Int>] = []
            var depth = 0
            var start = range.lowerBound
            var hasContent = false
            var j = range.lowerBound
            let upper = min(range.upperBound, end)
            while j < upper {
                let t = tokens[j]
                if t.kind == .punctuation {
                    let b = bytes[t.offset]
                    if b == UInt8(ascii: "(") {
                        depth += 1
                    } else if b == UInt8(ascii: ")") {
                        depth = max(0, depth - 1)
                    } else if b == UInt8(ascii: ","), depth == 0 {
                        if hasContent { pieces.append(start..<j) }
                        start = j + 1
                        hasContent = false
                        j += 1
                        continue
                    }
                }
                if !t.kind.isTrivia { hasContent = true }
                j += 1
            }
            if hasContent, start < upper { pieces.append(start..<upper) }
            return pieces
        }

        /// The last non-trivia token in `range`, or nil.
        func lastToken(in range: Range<Int>) -> Int? {
            var j = min(range.upperBound, end) - 1
            while j >= range.lowerBound {
                if !tokens[j].kind.isTrivia { return j }
                j -= 1
            }
            return nil
        }

        // MARK: Matching

        @inline(__always) func isWord(_ keyword: StaticString) -> Bool {
            index < end && source.isWord(tokens[index], keyword)
        }

        @inline(__always) func isWord(at i: Int, _ keyword: StaticString) -> Bool {
            i < end && source.isWord(tokens[i], keyword)
        }

        /// The current token is one of the words (avoids building an array of keywords).
        func isAnyWord(_ a: StaticString, _ b: StaticString, _ c: StaticString = "",
                       _ d: StaticString = "") -> Bool {
            guard index < end, tokens[index].kind == .word else { return false }
            let t = tokens[index]
            return source.isWord(t, a) || source.isWord(t, b)
                || (c.utf8CodeUnitCount > 0 && source.isWord(t, c))
                || (d.utf8CodeUnitCount > 0 && source.isWord(t, d))
        }

        mutating func accept(_ keyword: StaticString) -> Bool {
            guard isWord(keyword) else { return false }
            advance()
            return true
        }

        /// Consumes two words only when both follow in order.
        mutating func accept(_ a: StaticString, _ b: StaticString) -> Bool {
            guard isWord(a), isWord(at: after(index), b) else { return false }
            advance(2)
            return true
        }

        mutating func accept(_ a: StaticString, _ b: StaticString, _ c: StaticString) -> Bool {
            guard isWord(a) else { return false }
            let second = after(index)
            guard isWord(at: second, b), isWord(at: after(second), c) else { return false }
            advance(3)
            return true
        }

        @inline(__always) func isPunct(_ c: UInt8, at i: Int) -> Bool {
            i < end && tokens[i].kind == .punctuation && bytes[tokens[i].offset] == c
        }

        @inline(__always) func isPunct(_ c: UInt8) -> Bool { isPunct(c, at: index) }

        /// A one-byte operator token (`=`, `*`).
        func isOperator(_ c: UInt8, at i: Int) -> Bool {
            i < end && tokens[i].kind == .operator_ && tokens[i].length == 1 && bytes[tokens[i].offset] == c
        }

        func isOperator(_ c: UInt8) -> Bool { isOperator(c, at: index) }

        mutating func acceptPunct(_ c: UInt8) -> Bool {
            guard isPunct(c) else { return false }
            advance()
            return true
        }

        // MARK: Names

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
            guard upper - lower >= 2 else { return source.text(t.byteRange) }
            var quote = bytes[lower]
            if quote | 0x20 == UInt8(ascii: "u"), upper - lower >= 4, bytes[lower + 1] == UInt8(ascii: "&") {
                lower += 2  // U&"..."
                quote = bytes[lower]
            }
            let close: UInt8 = quote == UInt8(ascii: "[") ? UInt8(ascii: "]") : quote
            lower += 1
            if bytes[upper - 1] == close, upper - 1 >= lower { upper -= 1 }
            if quote == UInt8(ascii: "[") { return source.text(lower..<upper) }
            var out: [UInt8] = []
            out.reserveCapacity(upper - lower)
            var j = lower
            while j < upper {
                let b = bytes[j]
                out.append(b)
                j += (b == quote && j + 1 < upper && bytes[j + 1] == quote) ? 2 : 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// The token's text with ASCII letters lower-cased.
        func lowercasedText(at i: Int) -> String {
            let t = tokens[i]
            var out: [UInt8] = []
            out.reserveCapacity(t.length)
            for j in t.byteRange { out.append(StatementReader.lower(bytes[j])) }
            return String(decoding: out, as: UTF8.self)
        }

        /// Reads `name`, `schema.name` or `db.schema.name` (the last two parts are kept).
        mutating func objectName() -> ObjectName? {
            guard isIdentifier else { return nil }
            let first = index
            var parts = [index]
            advance()
            while isPunct(UInt8(ascii: "."), at: index), isIdentifier(at: after(index)) {
                advance()
                parts.append(index)
                advance()
            }
            let name = identifierText(at: parts[parts.count - 1])
            let schema = parts.count > 1 ? identifierText(at: parts[parts.count - 2]) : nil
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

        // MARK: Text and positions

        func range(_ first: Int, _ lastIndex: Int) -> SourceRange {
            guard first >= 0, first < tokens.count else {
                let p = source.position(at: bytes.count)
                return SourceRange(start: p, end: p)
            }
            let lastIndex = max(first, min(lastIndex, tokens.count - 1))
            return SourceRange(start: tokens[first].start, end: StatementReader.endPosition(of: tokens[lastIndex], in: source))
        }

        /// The text of the tokens `first...lastIndex` with each run of trivia folded to one space
        /// and trivia at either end dropped.
        func folded(_ first: Int, _ lastIndex: Int) -> String {
            guard first >= 0, first <= lastIndex, first < tokens.count else { return "" }
            let upper = min(lastIndex, tokens.count - 1)
            var out: [UInt8] = []
            var pendingSpace = false
            var j = first
            while j <= upper {
                let t = tokens[j]
                if t.kind.isTrivia {
                    if !out.isEmpty { pendingSpace = true }
                } else {
                    if pendingSpace { out.append(UInt8(ascii: " ")); pendingSpace = false }
                    out.append(contentsOf: bytes[t.byteRange])
                }
                j += 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// The folded text from the current token to the end of the cursor's range.
        func foldedRest() -> String {
            guard index < end else { return "" }
            return folded(index, end - 1)
        }
    }

    /// The position just past a token, computed from its start (no scan from the line start,
    /// so reading many ranges on one long line stays linear).
    static func endPosition(of token: Token, in source: SourceText) -> SourcePosition {
        let bytes = source.bytes
        let upper = min(token.endOffset, bytes.count)
        var column = token.start.column
        var j = token.offset
        while j < upper {
            let b = bytes[j]
            if b == 0x0A { return source.position(at: token.endOffset) }
            if b & 0xC0 != 0x80 { column += 1 }
            j += 1
        }
        return SourcePosition(offset: upper, line: token.start.line, column: column)
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
    }
}
