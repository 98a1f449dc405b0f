/// The reader's view of one statement (or one part of it): a position in the file's token array
/// that skips trivia, bounded by `end`, with helpers to match words, read names and fold text.
///
/// Every mutating step moves forward by at least one token or does nothing, and nothing looks
/// past `end`, so no loop built on it can run away or read out of bounds.
extension StatementReader {
    /// What the cursor needs of the file besides its tokens (not the whole `SourceText`, so a
    /// cursor copy retains three buffers, not six).
    struct Text {
        let bytes: [UInt8]
        let dialect: Dialect

        /// Whether `token` is the word `keyword`, ASCII-case-insensitively (as `SourceText.isWord`).
        @inline(__always)
        func isWord(_ token: Token, _ keyword: StaticString) -> Bool { token.isWord(keyword, in: bytes) }
    }

    struct Cursor {
        let source: Text
        let tokens: [Token]
        let bytes: [UInt8]
        /// One past the last token this cursor may read.
        let end: Int
        /// The current non-trivia token, or `end`.
        private(set) var index: Int
        /// The last non-trivia token consumed, or -1 when nothing was consumed yet.
        private(set) var last: Int = -1

        init(_ source: SourceText, _ range: Range<Int>) {
            self.init(Text(bytes: source.bytes, dialect: source.dialect), source.tokens, range)
        }

        private init(_ text: Text, _ tokens: [Token], _ range: Range<Int>) {
            self.source = text
            self.tokens = tokens
            self.bytes = text.bytes
            let upper = max(0, min(range.upperBound, tokens.count))
            self.end = upper
            self.index = min(max(0, range.lowerBound), upper)
            self.index = skipTrivia(from: index)
        }

        /// A cursor over `range` sharing this one's source (for a clause or list element).
        func sub(_ range: Range<Int>) -> Cursor {
            Cursor(source, tokens, max(range.lowerBound, 0)..<min(range.upperBound, end))
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

        // MARK: Text and positions

        func range(_ first: Int, _ lastIndex: Int) -> SourceRange {
            guard first >= 0, first < tokens.count else {
                let p = tokens.last.map { StatementReader.endPosition(of: $0, in: bytes) } ?? .start
                return SourceRange(start: p, end: p)
            }
            let lastIndex = max(first, min(lastIndex, tokens.count - 1))
            return SourceRange(start: tokens[first].start, end: StatementReader.endPosition(of: tokens[lastIndex], in: bytes))
        }

        /// The text of the tokens `first...lastIndex` with each run of trivia folded to one space
        /// and trivia at either end dropped.
        func folded(_ first: Int, _ lastIndex: Int) -> String {
            guard first >= 0, first <= lastIndex, first < tokens.count else { return "" }
            let upper = min(lastIndex, tokens.count - 1)
            // The folded text is never longer than the bytes it spans.
            let span = min(tokens[upper].endOffset, bytes.count) - tokens[first].offset
            guard span > 0 else { return "" }
            return StatementReader.makeString(capacity: span) { out in
                var n = 0
                var pendingSpace = false
                var j = first
                while j <= upper {
                    let t = tokens[j]
                    if t.kind.isTrivia {
                        if n > 0 { pendingSpace = true }
                    } else {
                        if pendingSpace {
                            out[n] = UInt8(ascii: " ")
                            n += 1
                            pendingSpace = false
                        }
                        for k in t.offset..<min(t.endOffset, bytes.count) {
                            out[n] = bytes[k]
                            n += 1
                        }
                    }
                    j += 1
                }
                return n
            }
        }

        /// The folded text from the current token to the end of the cursor's range.
        func foldedRest() -> String {
            guard index < end else { return "" }
            return folded(index, end - 1)
        }
    }

    /// The position just past a token, computed from its start, as `SourceText.position(at:)`
    /// would give it (no scan from the line start, so many ranges on one long line stay linear).
    static func endPosition(of token: Token, in bytes: [UInt8]) -> SourcePosition {
        let upper = min(token.endOffset, bytes.count)
        var line = token.start.line
        var column = token.start.column
        var j = token.offset
        while j < upper {
            let b = bytes[j]
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
            j += 1
        }
        return SourcePosition(offset: upper, line: line, column: column)
    }

    /// A string written in place (no intermediate array); invalid UTF-8 is repaired.
    @inline(__always)
    static func makeString(capacity: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) -> String {
        guard capacity > 0 else { return "" }
        return String(unsafeUninitializedCapacity: capacity, initializingUTF8With: body)
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
    }
}
