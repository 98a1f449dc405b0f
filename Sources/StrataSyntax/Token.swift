/// What a token is. Trivia (whitespace, comments) are tokens too, so the tokens of a file
/// re-join to exactly its bytes.
public enum TokenKind: UInt8, Sendable, Hashable {
    case whitespace
    case lineComment            // -- ...
    case blockComment           // /* ... */
    case word                   // keyword or unquoted identifier
    case quotedIdentifier       // "x", `x` (SQLite), [x] (SQLite)
    case string                 // '...', E'...', U&'...', N'...'
    case dollarString           // $$...$$, $tag$...$tag$ (PostgreSQL)
    case blob                   // X'..', B'..' (bit string)
    case number
    case parameter              // ?, ?1, $1, :name, @name, $name (SQLite)
    case operator_              // + - * / < > = :: || -> ->> ...
    case punctuation            // ( ) , . [ ] { }
    case semicolon
    /// A string, quoted identifier, comment or dollar quote with no end: it runs to the end of
    /// the input and the lexer reports a `parse-error` at its start.
    case unterminated
    /// A byte that starts no token (a stray control byte, invalid UTF-8).
    case unknown

    public var isTrivia: Bool {
        self == .whitespace || self == .lineComment || self == .blockComment
    }

    public var isComment: Bool { self == .lineComment || self == .blockComment }
}

/// One token: its kind and where it sits. The text is not stored; read it from the source
/// (`SourceText.text(of:)`), so a token costs a few words and no allocation.
public struct Token: Sendable, Hashable {
    public var kind: TokenKind
    public var start: SourcePosition
    public var length: Int

    public init(kind: TokenKind, start: SourcePosition, length: Int) {
        self.kind = kind
        self.start = start
        self.length = length
    }

    public var offset: Int { start.offset }
    public var endOffset: Int { start.offset + length }
    public var byteRange: Range<Int> { start.offset..<(start.offset + length) }
}

/// A problem the lexer met: an unterminated literal, comment or quoted identifier.
public struct LexIssue: Sendable, Hashable {
    public var position: SourcePosition
    public var message: String

    public init(position: SourcePosition, message: String) {
        self.position = position
        self.message = message
    }
}

extension Token {
    /// Whether this token is the word `keyword` (given in lower case), compared
    /// ASCII-case-insensitively in `bytes` without decoding or allocating.
    @inline(__always)
    public func isWord(_ keyword: StaticString, in bytes: [UInt8]) -> Bool {
        guard kind == .word, length == keyword.utf8CodeUnitCount else { return false }
        let k = keyword.utf8Start
        for i in 0..<length where bytes[offset + i] | 0x20 != k[i] | 0x20 {
            return false
        }
        return true
    }
}
