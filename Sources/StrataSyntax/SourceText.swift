/// The bytes of one file, with what the lexer learnt of them. Text is decoded only when asked
/// for (a word being matched, a message being written), never for the whole file.
public struct SourceText: Sendable {
    public let bytes: [UInt8]
    public let dialect: Dialect
    public let tokens: [Token]
    public let issues: [LexIssue]
    public let lineStarts: [Int]

    public init(bytes: [UInt8], dialect: Dialect) {
        self.bytes = bytes
        self.dialect = dialect
        let result = Lexer.tokenize(bytes, dialect: dialect)
        self.tokens = result.tokens
        self.issues = result.issues
        self.lineStarts = result.lineStarts
    }

    public init(_ string: String, dialect: Dialect) {
        self.init(bytes: Array(string.utf8), dialect: dialect)
    }

    /// The text of a byte range, with invalid UTF-8 repaired (never trapping).
    public func text(_ range: Range<Int>) -> String {
        let lower = max(0, min(range.lowerBound, bytes.count))
        let upper = max(lower, min(range.upperBound, bytes.count))
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }

    public func text(of token: Token) -> String { text(token.byteRange) }

    /// The position of any byte offset (clamped to the file).
    public func position(at offset: Int) -> SourcePosition {
        let offset = max(0, min(offset, bytes.count))
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        var column = 1
        var i = lineStarts[low]
        while i < offset {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return SourcePosition(offset: offset, line: low + 1, column: column)
    }

    /// The index of the first token of `tokens` (token indices) that starts at or after byte
    /// `offset`, or `tokens.upperBound` (a binary search: tokens are in file order).
    public func firstToken(startingAtOrAfter offset: Int, in tokens: Range<Int>) -> Int {
        var low = max(0, tokens.lowerBound), high = min(tokens.upperBound, self.tokens.count)
        while low < high {
            let mid = (low + high) / 2
            if self.tokens[mid].offset < offset { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Indices of the tokens of `tokens` (token indices) that start inside the byte range
    /// `bytes` and are neither trivia nor `;`, in order.
    public func significantTokens(startingIn bytes: Range<Int>, of tokens: Range<Int>) -> [Int] {
        var found: [Int] = []
        var i = firstToken(startingAtOrAfter: bytes.lowerBound, in: tokens)
        let end = min(tokens.upperBound, self.tokens.count)
        while i < end, self.tokens[i].offset < bytes.upperBound {
            let kind = self.tokens[i].kind
            if !kind.isTrivia, kind != .semicolon { found.append(i) }
            i += 1
        }
        return found
    }

    /// Whether `token` is the word `keyword`, compared ASCII-case-insensitively without decoding.
    @inline(__always)
    public func isWord(_ token: Token, _ keyword: StaticString) -> Bool { token.isWord(keyword, in: bytes) }
}

extension SourceText {
    /// The first place where the bytes are not valid UTF-8 text (invalid sequences, or a NUL
    /// byte, which no SQL file holds), or nil when the file is text.
    public var firstInvalidTextOffset: Int? {
        bytes.withUnsafeBufferPointer { Self.firstInvalidTextOffset($0) }
    }

    private static func firstInvalidTextOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = bytes.count
        let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
        while i < n {
            // Eight ASCII bytes, none of them NUL, at a time: nearly every file is only these.
            if i + 8 <= n {
                let word = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if word & high == 0, (word &- ones) & ~word & high == 0 {
                    i += 8
                    continue
                }
            }
            let b = bytes[i]
            if b < 0x80 {
                if b == 0 { return i }
                i += 1
                continue
            }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            switch b {
            case 0xC2...0xDF: length = 2; scalar = UInt32(b & 0x1F); minimum = 0x80
            case 0xE0...0xEF: length = 3; scalar = UInt32(b & 0x0F); minimum = 0x800
            case 0xF0...0xF4: length = 4; scalar = UInt32(b & 0x07); minimum = 0x10000
            default: return i
            }
            guard i + length <= n else { return i }
            for k in 1..<length {
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else { return i }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
            i += length
        }
        return nil
    }
}
