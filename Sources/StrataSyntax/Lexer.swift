/// Turns the bytes of a SQL file into tokens, for SQLite or PostgreSQL.
///
/// It works on raw UTF-8 bytes: it never decodes, never allocates per token, and every byte
/// belongs to exactly one token (trivia included), so the tokens re-join to the input. Any byte
/// sequence is accepted: what is not SQL becomes an `.unknown` token, and a literal, quoted
/// identifier, comment or dollar quote with no end becomes one `.unterminated` token running to
/// the end of the input, with a `LexIssue` at its start. Every loop advances by at least one
/// byte, so it cannot hang.
public struct LexResult: Sendable {
    public var tokens: [Token]
    public var issues: [LexIssue]
    /// Byte offset of the first byte of each line (line 1 starts at 0).
    public var lineStarts: [Int]
}

public enum Lexer {
    public static func tokenize(_ bytes: [UInt8], dialect: Dialect) -> LexResult {
        bytes.withUnsafeBufferPointer { tokenize($0, dialect: dialect) }
    }

    public static func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, dialect: Dialect) -> LexResult {
        // The class table is read through a pointer: reading the global itself in the hot loop
        // costs a lazy-initialisation check (swift_once) per byte, about a fifth of the time.
        byteClasses.withUnsafeBufferPointer { classes in
            var scanner = Scanner(bytes: bytes, classes: classes, dialect: dialect)
            scanner.run()
            return LexResult(tokens: scanner.tokens, issues: scanner.issues, lineStarts: scanner.lineStarts)
        }
    }
}

// MARK: - Byte classes

/// One bit set per byte value; a table lookup beats a chain of comparisons in the hot loop.
private struct ByteClass: OptionSet {
    let rawValue: UInt8
    static let space = ByteClass(rawValue: 1)
    static let identStart = ByteClass(rawValue: 2)
    static let identPart = ByteClass(rawValue: 4)
    static let digit = ByteClass(rawValue: 8)
    static let pgOperator = ByteClass(rawValue: 16)
    static let hexDigit = ByteClass(rawValue: 32)
    /// The PostgreSQL operator characters that let an operator end in `+` or `-`.
    static let pgSpecial = ByteClass(rawValue: 64)
}

private let byteClasses: [ByteClass] = {
    var table = [ByteClass](repeating: [], count: 256)
    for b in [0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B] { table[b].insert(.space) }
    for b in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(b)].formUnion([.identStart, .identPart]) }
    for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(b)].formUnion([.identStart, .identPart]) }
    table[Int(UInt8(ascii: "_"))].formUnion([.identStart, .identPart])
    // Non-ASCII bytes are identifier characters in both dialects (UTF-8 letters).
    for b in 0x80...0xFF { table[b].formUnion([.identStart, .identPart]) }
    for b in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(b)].formUnion([.digit, .identPart, .hexDigit]) }
    for b in UInt8(ascii: "a")...UInt8(ascii: "f") { table[Int(b)].insert(.hexDigit) }
    for b in UInt8(ascii: "A")...UInt8(ascii: "F") { table[Int(b)].insert(.hexDigit) }
    table[Int(UInt8(ascii: "$"))].insert(.identPart)
    for c in "+-*/<>=~!@#%^&|`?" { table[Int(c.asciiValue!)].insert(.pgOperator) }
    for c in "~!@#%^&|`?" { table[Int(c.asciiValue!)].insert(.pgSpecial) }
    return table
}()

// MARK: - Scanner

private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    /// `byteClasses`, 256 entries.
    let classes: UnsafeBufferPointer<ByteClass>
    let dialect: Dialect
    let count: Int
    var tokens: [Token] = []
    var issues: [LexIssue] = []
    var lineStarts: [Int] = [0]

    // Position bookkeeping: `line`/`lineStart` move whenever a newline is consumed; the column of
    // the next token is derived from the previous token's start, so every byte is counted once.
    var line = 1
    var lineStart = 0
    var lastStart = 0
    var lastColumn = 1
    /// End of a PostgreSQL operator run whose rest is known to be only `+` and `-` (each of
    /// which then lexes as a one-character operator); see `scanPostgresOperator`.
    var signRunEnd = 0

    /// No byte of the input is above 0x7F (found eight bytes at a time before scanning); a
    /// leading byte order mark aside.
    let ascii: Bool
    /// The input starts with the UTF-8 byte order mark (EF BB BF).
    let hasByteOrderMark: Bool

    init(bytes: UnsafeBufferPointer<UInt8>, classes: UnsafeBufferPointer<ByteClass>, dialect: Dialect) {
        self.bytes = bytes
        self.classes = classes
        self.dialect = dialect
        self.count = bytes.count
        hasByteOrderMark = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        if hasByteOrderMark {
            lineStart = 3
            lastStart = 3
            lineStarts = [3]
        }
        var high: UInt64 = 0
        var i = hasByteOrderMark ? 3 : 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= bytes.count {
                high |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                i += 8
            }
            while i < bytes.count {
                high |= UInt64(bytes[i])
                i += 1
            }
        }
        ascii = high & 0x8080_8080_8080_8080 == 0
        // About 3 bytes per token in real SQL (whitespace is a token): reserving for 2 avoids a
        // copy of the whole array when it grows (untouched capacity is not resident).
        tokens.reserveCapacity(count / 2 + 8)
    }

    @inline(__always) func byte(_ i: Int) -> UInt8 { i < count ? bytes[i] : 0 }

    @inline(__always) func cls(_ b: UInt8) -> ByteClass { classes[Int(b)] }

    /// Characters (UTF-8 lead bytes) in `from..<to`.
    @inline(__always) func characters(from: Int, to: Int) -> Int {
        var n = 0
        var i = from
        while i < to {
            if bytes[i] & 0xC0 != 0x80 { n += 1 }
            i += 1
        }
        return n
    }

    mutating func position(of start: Int) -> SourcePosition {
        // In ASCII text every byte is a character.
        if ascii { return SourcePosition(offset: start, line: line, column: start - lineStart + 1) }
        let column: Int
        if lineStart > lastStart {
            column = 1 + characters(from: lineStart, to: start)
        } else {
            column = lastColumn + characters(from: lastStart, to: start)
        }
        lastStart = start
        lastColumn = column
        return SourcePosition(offset: start, line: line, column: column)
    }

    @inline(__always) mutating func newline(at i: Int) {
        line += 1
        lineStart = i + 1
        lineStarts.append(i + 1)
    }

    mutating func emit(_ kind: TokenKind, _ start: Int, _ end: Int, _ position: SourcePosition) {
        tokens.append(Token(kind: kind, start: position, length: end - start))
    }

    mutating func run() {
        var i = 0
        if hasByteOrderMark {
            // A UTF-8 byte order mark is whitespace that takes no column: line 1 starts after it.
            emit(.whitespace, 0, 3, SourcePosition(offset: 0, line: 1, column: 1))
            i = 3
        }
        while i < count {
            let start = i
            let pos = position(of: start)
            let b = bytes[i]
            let c = cls(b)
            if c.contains(.space) {
                while i < count, cls(bytes[i]).contains(.space) {
                    if bytes[i] == 0x0A { newline(at: i) }
                    i += 1
                }
                emit(.whitespace, start, i, pos)
            } else if c.contains(.identStart) {
                i = scanWordOrPrefixedLiteral(start, pos)
            } else if c.contains(.digit) {
                i = scanNumber(start)
                emit(.number, start, i, pos)
            } else {
                i = scanPunctuationOrLiteral(b, start, pos)
            }
        }
    }

    // MARK: Words and prefixed literals (E'..', U&'..', X'..', B'..', N'..')

    mutating func scanWordOrPrefixedLiteral(_ start: Int, _ pos: SourcePosition) -> Int {
        let b = bytes[start] | 0x20  // ASCII lower-case for the prefix tests
        let next = byte(start + 1)
        if next == UInt8(ascii: "'") {
            switch b {
            case UInt8(ascii: "x"):
                return scanQuoted(start, from: start + 2, quote: UInt8(ascii: "'"), kind: .blob,
                                  what: "blob literal", pos)
            case UInt8(ascii: "b") where dialect == .postgresql:
                return scanQuoted(start, from: start + 2, quote: UInt8(ascii: "'"), kind: .blob,
                                  what: "bit-string literal", pos)
            case UInt8(ascii: "e") where dialect == .postgresql:
                return scanEscapeString(start, pos)
            case UInt8(ascii: "n") where dialect == .postgresql:
                return scanQuoted(start, from: start + 2, quote: UInt8(ascii: "'"), kind: .string,
                                  what: "string literal", pos)
            default: break
            }
        }
        if dialect == .postgresql, b == UInt8(ascii: "u"), next == UInt8(ascii: "&") {
            let q = byte(start + 2)
            if q == UInt8(ascii: "'") {
                return scanQuoted(start, from: start + 3, quote: q, kind: .string, what: "string literal", pos)
            }
            if q == UInt8(ascii: "\"") {
                return scanQuoted(start, from: start + 3, quote: q, kind: .quotedIdentifier,
                                  what: "quoted identifier", pos)
            }
        }
        var i = start + 1
        while i < count, cls(bytes[i]).contains(.identPart) { i += 1 }
        emit(.word, start, i, pos)
        return i
    }

    // MARK: Numbers

    /// Decimal, with fraction and exponent; hexadecimal `0x...`; PostgreSQL 16 `1_000`.
    func scanNumber(_ start: Int) -> Int {
        var i = start
        if bytes[i] == UInt8(ascii: "0"), byte(i + 1) | 0x20 == UInt8(ascii: "x"), cls(byte(i + 2)).contains(.hexDigit) {
            i += 2
            while i < count, cls(bytes[i]).contains(.hexDigit) || bytes[i] == UInt8(ascii: "_") { i += 1 }
            return i
        }
        while i < count, cls(bytes[i]).contains(.digit) || (bytes[i] == UInt8(ascii: "_") && cls(byte(i + 1)).contains(.digit)) { i += 1 }
        if byte(i) == UInt8(ascii: "."), !(dialect == .postgresql && byte(i + 1) == UInt8(ascii: ".")) {
            i += 1
            while i < count, cls(bytes[i]).contains(.digit) { i += 1 }
        }
        if byte(i) | 0x20 == UInt8(ascii: "e") {
            var j = i + 1
            if byte(j) == UInt8(ascii: "+") || byte(j) == UInt8(ascii: "-") { j += 1 }
            if cls(byte(j)).contains(.digit) {
                i = j
                while i < count, cls(bytes[i]).contains(.digit) { i += 1 }
            }
        }
        return i
    }

    // MARK: Quoted things

    /// A literal closed by `quote`, where a doubled quote stands for one (`'it''s'`, `"a""b"`).
    mutating func scanQuoted(_ start: Int, from: Int, quote: UInt8, kind: TokenKind, what: String,
                             _ pos: SourcePosition) -> Int {
        var i = from
        while i < count {
            let b = bytes[i]
            if b == quote {
                if byte(i + 1) == quote { i += 2; continue }
                emit(kind, start, i + 1, pos)
                return i + 1
            }
            if b == 0x0A { newline(at: i) }
            i += 1
        }
        return unterminated(start, what, pos)
    }

    /// PostgreSQL `E'...'`: backslash escapes the next byte, and `''` still stands for a quote.
    mutating func scanEscapeString(_ start: Int, _ pos: SourcePosition) -> Int {
        var i = start + 2
        while i < count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\") {
                if byte(i + 1) == 0x0A { newline(at: i + 1) }
                i += 2
                continue
            }
            if b == UInt8(ascii: "'") {
                if byte(i + 1) == UInt8(ascii: "'") { i += 2; continue }
                emit(.string, start, i + 1, pos)
                return i + 1
            }
            if b == 0x0A { newline(at: i) }
            i += 1
        }
        return unterminated(start, "escape string literal", pos)
    }

    /// SQLite `[identifier]`: no escaping; ends at the first `]`.
    mutating func scanBracketIdentifier(_ start: Int, _ pos: SourcePosition) -> Int {
        var i = start + 1
        while i < count {
            if bytes[i] == UInt8(ascii: "]") {
                emit(.quotedIdentifier, start, i + 1, pos)
                return i + 1
            }
            if bytes[i] == 0x0A { newline(at: i) }
            i += 1
        }
        return unterminated(start, "bracketed identifier", pos)
    }

    mutating func unterminated(_ start: Int, _ what: String, _ pos: SourcePosition) -> Int {
        // Newlines inside were already counted by the caller's loop.
        emit(.unterminated, start, count, pos)
        issues.append(LexIssue(position: pos, message: "unterminated \(what)"))
        return count
    }

    // MARK: Comments

    /// `-- ...` up to the line end, which is left out, CR included (so the comment's text has no
    /// stray `\r` on CRLF files). PostgreSQL also ends a comment at a lone CR; SQLite does not.
    mutating func scanLineComment(_ start: Int, _ pos: SourcePosition) -> Int {
        var i = start + 2
        if dialect == .postgresql {
            while i < count, bytes[i] != 0x0A, bytes[i] != 0x0D { i += 1 }
        } else {
            while i < count, bytes[i] != 0x0A { i += 1 }
            if i < count, i > start + 2, bytes[i - 1] == 0x0D { i -= 1 }
        }
        emit(.lineComment, start, i, pos)
        return i
    }

    /// `/* ... */`; PostgreSQL nests them, SQLite ends at the first `*/`.
    mutating func scanBlockComment(_ start: Int, _ pos: SourcePosition) -> Int {
        var depth = 1
        var i = start + 2
        let nests = dialect == .postgresql
        while i < count {
            let b = bytes[i]
            if b == UInt8(ascii: "*"), byte(i + 1) == UInt8(ascii: "/") {
                depth -= 1
                i += 2
                if depth == 0 {
                    emit(.blockComment, start, i, pos)
                    return i
                }
                continue
            }
            if nests, b == UInt8(ascii: "/"), byte(i + 1) == UInt8(ascii: "*") {
                depth += 1
                i += 2
                continue
            }
            if b == 0x0A { newline(at: i) }
            i += 1
        }
        return unterminated(start, "block comment", pos)
    }

    // MARK: Dollar quotes and parameters

    /// PostgreSQL: `$1` is a parameter, `$$` / `$tag$` opens a dollar quote closed by the same
    /// delimiter. SQLite: `$name` is a parameter.
    mutating func scanDollar(_ start: Int, _ pos: SourcePosition) -> Int {
        let next = byte(start + 1)
        if cls(next).contains(.digit) {
            var i = start + 1
            while i < count, cls(bytes[i]).contains(.digit) { i += 1 }
            emit(.parameter, start, i, pos)
            return i
        }
        if dialect == .sqlite {
            var i = start + 1
            while i < count, cls(bytes[i]).contains(.identPart) || bytes[i] == UInt8(ascii: ":") { i += 1 }
            emit(i > start + 1 ? .parameter : .unknown, start, i, pos)
            return i
        }
        // Tag: identifier characters except `$`, not starting with a digit.
        var i = start + 1
        while i < count, cls(bytes[i]).contains(.identPart), bytes[i] != UInt8(ascii: "$") { i += 1 }
        guard byte(i) == UInt8(ascii: "$") else {
            emit(.unknown, start, start + 1, pos)
            return start + 1
        }
        let delimiter = start..<(i + 1)
        let length = delimiter.count
        var j = i + 1
        while j < count {
            let b = bytes[j]
            if b == UInt8(ascii: "$"), j + length <= count {
                var same = true
                var k = 1
                while k < length {
                    if bytes[j + k] != bytes[delimiter.lowerBound + k] { same = false; break }
                    k += 1
                }
                if same {
                    emit(.dollarString, start, j + length, pos)
                    return j + length
                }
            }
            if b == 0x0A { newline(at: j) }
            j += 1
        }
        return unterminated(start, "dollar-quoted string", pos)
    }

    // MARK: Everything else

    mutating func scanPunctuationOrLiteral(_ b: UInt8, _ start: Int, _ pos: SourcePosition) -> Int {
        switch b {
        case UInt8(ascii: "'"):
            return scanQuoted(start, from: start + 1, quote: b, kind: .string, what: "string literal", pos)
        case UInt8(ascii: "\""):
            return scanQuoted(start, from: start + 1, quote: b, kind: .quotedIdentifier,
                              what: "quoted identifier", pos)
        case UInt8(ascii: "`") where dialect == .sqlite:
            return scanQuoted(start, from: start + 1, quote: b, kind: .quotedIdentifier,
                              what: "quoted identifier", pos)
        case UInt8(ascii: "[") where dialect == .sqlite:
            return scanBracketIdentifier(start, pos)
        case UInt8(ascii: "-") where byte(start + 1) == UInt8(ascii: "-"):
            return scanLineComment(start, pos)
        case UInt8(ascii: "/") where byte(start + 1) == UInt8(ascii: "*"):
            return scanBlockComment(start, pos)
        case UInt8(ascii: "$"):
            return scanDollar(start, pos)
        case UInt8(ascii: ";"):
            emit(.semicolon, start, start + 1, pos)
            return start + 1
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"):
            emit(.punctuation, start, start + 1, pos)
            return start + 1
        case UInt8(ascii: "."):
            if cls(byte(start + 1)).contains(.digit) {
                let end = scanNumber(start)  // a leading-dot number: `.5`
                emit(.number, start, end, pos)
                return end
            }
            emit(.punctuation, start, start + 1, pos)
            return start + 1
        case UInt8(ascii: ":"):
            if byte(start + 1) == UInt8(ascii: ":") {
                emit(.operator_, start, start + 2, pos)
                return start + 2
            }
            if cls(byte(start + 1)).contains(.identStart) {
                var i = start + 2
                while i < count, cls(bytes[i]).contains(.identPart) { i += 1 }
                emit(.parameter, start, i, pos)
                return i
            }
            emit(.punctuation, start, start + 1, pos)
            return start + 1
        case UInt8(ascii: "?") where dialect == .sqlite:
            var i = start + 1
            while i < count, cls(bytes[i]).contains(.digit) { i += 1 }
            emit(.parameter, start, i, pos)
            return i
        case UInt8(ascii: "@") where dialect == .sqlite && cls(byte(start + 1)).contains(.identStart):
            var i = start + 2
            while i < count, cls(bytes[i]).contains(.identPart) { i += 1 }
            emit(.parameter, start, i, pos)
            return i
        default:
            if cls(b).contains(.pgOperator) {
                let end = dialect == .postgresql ? scanPostgresOperator(start) : scanSQLiteOperator(start)
                emit(.operator_, start, end, pos)
                return end
            }
            emit(.unknown, start, start + 1, pos)
            return start + 1
        }
    }

    /// PostgreSQL operators are runs of operator characters, cut before a comment start; a
    /// multi-character operator may end in `+` or `-` only if it holds one of ``~!@#%^&|`?``
    /// (so `=-1` is `=` then `-1`), as PostgreSQL's own lexer decides.
    ///
    /// Cutting `+`/`-` off the end and re-scanning the rest would be quadratic on a long run of
    /// them (`+++...`), so when the cut leaves one character, the rest of the run is remembered
    /// to be all `+`/`-`: each of those is a one-character operator, found without re-scanning.
    mutating func scanPostgresOperator(_ start: Int) -> Int {
        if start < signRunEnd { return start + 1 }
        var i = start
        while i < count, cls(bytes[i]).contains(.pgOperator) {
            if i > start, (bytes[i] == UInt8(ascii: "-") && byte(i + 1) == UInt8(ascii: "-"))
                || (bytes[i] == UInt8(ascii: "/") && byte(i + 1) == UInt8(ascii: "*")) { break }
            i += 1
        }
        if i - start > 1 {
            var special = false
            for k in start..<i where cls(bytes[k]).contains(.pgSpecial) { special = true; break }
            if !special {
                let runEnd = i
                while i - start > 1, bytes[i - 1] == UInt8(ascii: "+") || bytes[i - 1] == UInt8(ascii: "-") { i -= 1 }
                if i == start + 1 { signRunEnd = runEnd }
            }
        }
        return i
    }

    /// SQLite's operators are a fixed set of one to three characters.
    func scanSQLiteOperator(_ start: Int) -> Int {
        let a = bytes[start], b = byte(start + 1)
        if a == UInt8(ascii: "-"), b == UInt8(ascii: ">") {
            return byte(start + 2) == UInt8(ascii: ">") ? start + 3 : start + 2
        }
        switch (a, b) {
        case (UInt8(ascii: "|"), UInt8(ascii: "|")), (UInt8(ascii: "<"), UInt8(ascii: "<")),
             (UInt8(ascii: ">"), UInt8(ascii: ">")), (UInt8(ascii: "<"), UInt8(ascii: "=")),
             (UInt8(ascii: ">"), UInt8(ascii: "=")), (UInt8(ascii: "="), UInt8(ascii: "=")),
             (UInt8(ascii: "!"), UInt8(ascii: "=")), (UInt8(ascii: "<"), UInt8(ascii: ">")):
            return start + 2
        default:
            return start + 1
        }
    }
}
