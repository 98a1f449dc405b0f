import Testing
import StrataSyntax

/// SplitMix64: a tiny, seeded, deterministic generator, so every run sees the same inputs.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n`.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// What must hold for any input: tokens are non-empty, contiguous and re-join to the input;
/// positions agree with `SourceText.position(at:)`; `lineStarts` lists every line; at most one
/// unterminated token, last, with its issue. Returns what broke, or nil.
func lexInvariantViolation(_ source: SourceText) -> String? {
    let bytes = source.bytes
    var offset = 0
    var joined: [UInt8] = []
    joined.reserveCapacity(bytes.count)
    for (index, token) in source.tokens.enumerated() {
        if token.length <= 0 { return "token \(index) is empty" }
        if token.offset != offset { return "token \(index) starts at \(token.offset), expected \(offset)" }
        if token.endOffset > bytes.count { return "token \(index) ends past the input" }
        joined += bytes[token.byteRange]
        let expected = source.position(at: token.offset)
        if token.start != expected {
            return "token \(index) at \(token.start) (offset \(token.offset)), position(at:) says \(expected)"
        }
        offset = token.endOffset
    }
    if offset != bytes.count { return "tokens end at \(offset) of \(bytes.count)" }
    if joined != bytes { return "tokens do not re-join to the input" }

    var lineStarts = [0]
    for (i, b) in bytes.enumerated() where b == 0x0A { lineStarts.append(i + 1) }
    if source.lineStarts != lineStarts { return "lineStarts \(source.lineStarts), expected \(lineStarts)" }

    let unterminated = source.tokens.indices.filter { source.tokens[$0].kind == .unterminated }
    switch unterminated.count {
    case 0:
        if !source.issues.isEmpty { return "issues without an unterminated token: \(source.issues)" }
    case 1:
        let token = source.tokens[unterminated[0]]
        if unterminated[0] != source.tokens.count - 1 { return "the unterminated token is not the last" }
        if source.issues.count != 1 || source.issues[0].position != token.start {
            return "issues \(source.issues) for an unterminated token at \(token.start)"
        }
    default:
        return "\(unterminated.count) unterminated tokens"
    }
    return nil
}

/// What must hold for the splitter on any input: ranges ascending, disjoint and non-empty, each
/// from a non-trivia token to a non-trivia token, the first not a `;`; and nothing but trivia and
/// `;` left between them.
func splitInvariantViolation(_ source: SourceText, _ ranges: [Range<Int>]) -> String? {
    let tokens = source.tokens
    var covered = 0
    for range in ranges {
        if range.isEmpty { return "empty statement range" }
        if range.lowerBound < covered || range.upperBound > tokens.count { return "range \(range) out of order" }
        for i in covered..<range.lowerBound where !tokens[i].kind.isTrivia && tokens[i].kind != .semicolon {
            return "token \(i) (\(tokens[i].kind)) is in no statement"
        }
        let first = tokens[range.lowerBound], last = tokens[range.upperBound - 1]
        if first.kind.isTrivia || first.kind == .semicolon { return "range \(range) starts with \(first.kind)" }
        if last.kind.isTrivia { return "range \(range) ends with \(last.kind)" }
        covered = range.upperBound
    }
    for i in covered..<tokens.count where !tokens[i].kind.isTrivia && tokens[i].kind != .semicolon {
        return "token \(i) (\(tokens[i].kind)) is in no statement"
    }
    return nil
}

/// Pieces that open, close or confuse literals, comments and bodies.
private let fragments: [[UInt8]] = [
    "'", "''", "\"", "\"\"", "`", "``", "[", "]", "$", "$$", "$a$", "$b$", "$1", "$é$",
    "/*", "*/", "/", "*", "--", "-", "\n", "\r\n", "\r", " ", "\t",
    "E'", "e'", "U&'", "U&\"", "X'", "B'", "N'", "\\", "\\'", ";", ";", "::", ":", ":x", "?", "?1", "@a",
    "é", "日本", "😀", "x", "ab", "1", "1.5e-3", ".5", "0x1F", "->>", "||", "=-", "(", ")", ",", ".",
    "SELECT", "'abc'", "/* c */", "-- c\n", "BEGIN", "ATOMIC", "END", "CASE", "end", "begin",
    "CREATE TRIGGER t ", "CREATE TEMP TRIGGER ", "CREATE FUNCTION f() ", "CREATE OR REPLACE PROCEDURE ",
    "BEGIN ATOMIC ", " END;", "COMMIT",
].map { Array($0.utf8) } + [
    [0x00], [0xFF], [0xC3], [0x80], [0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xF0, 0x9F], [0xF4, 0x90, 0x80, 0x80],
    [0xC0, 0xAF], [0xE2, 0x80],
]

@Suite("Lexer: properties over generated input")
struct LexerPropertyTests {
    /// Checks one input in both dialects; records at most one issue per input.
    static func check(_ bytes: [UInt8]) -> Bool {
        for dialect in Dialect.allCases {
            let source = SourceText(bytes: bytes, dialect: dialect)
            if let violation = lexInvariantViolation(source) {
                Issue.record("\(dialect): \(violation) for \(bytes)")
                return false
            }
            let ranges = StatementSplitter.split(source)
            if let violation = splitInvariantViolation(source, ranges) {
                Issue.record("\(dialect) split: \(violation) for \(bytes)")
                return false
            }
        }
        return true
    }

    @Test func randomBytes() {
        var random = SplitMix64(seed: 0x5EED_0001)
        var failures = 0
        for _ in 0..<3000 where failures < 5 {
            let length = random.below(80)
            var bytes = [UInt8](repeating: 0, count: length)
            // Half the inputs draw from all bytes, half from ASCII punctuation-heavy text.
            let ascii = random.below(2) == 0
            for i in 0..<length {
                bytes[i] = ascii ? UInt8(truncatingIfNeeded: 0x09 + random.below(0x76)) : UInt8(truncatingIfNeeded: random.next())
            }
            if !Self.check(bytes) { failures += 1 }
        }
    }

    @Test func randomFragmentMixes() {
        var random = SplitMix64(seed: 0x5EED_0002)
        var failures = 0
        for _ in 0..<3000 where failures < 5 {
            var bytes: [UInt8] = []
            for _ in 0..<random.below(24) { bytes += fragments[random.below(fragments.count)] }
            if !Self.check(bytes) { failures += 1 }
        }
    }

    @Test func everyPrefixOfATrickyScript() {
        // Cutting a script anywhere (mid-character, mid-literal, mid-body) must stay well-formed.
        let script = Array("""
            -- é header
            CREATE TRIGGER t AFTER UPDATE ON "a""b" BEGIN
              SELECT CASE WHEN x THEN 'it''s' END, [c d], `e`, X'0A', ?1, :n, @p, $v;
            END;
            CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
            SELECT E'\\'', U&'\\0061', $q$ ; $q$, $$x$$, $1::int /* a /* b */ c */ ;\r\n😀
            """.utf8)
        for n in 0...script.count where !Self.check(Array(script[..<n])) { break }
    }

    @Test(.timeLimit(.minutes(1)))
    func longInputs() {
        // Deep nesting and long runs: no recursion, nothing quadratic. (Checked with a cheap
        // contiguity test: `position(at:)` per token is itself linear in the column.)
        func contiguous(_ source: SourceText) -> Bool {
            var offset = 0
            for token in source.tokens {
                guard token.offset == offset, token.length > 0 else { return false }
                offset = token.endOffset
            }
            return offset == source.bytes.count
        }
        let nested = String(repeating: "/*", count: 5000) + String(repeating: "*/", count: 5000)
        let source = SourceText(nested, dialect: .postgresql)
        #expect(source.tokens.map(\.kind) == [.blockComment])
        #expect(source.issues.isEmpty)

        // PostgreSQL cuts trailing `+`/`-` off an operator: `+++` is three operators.
        // Each run is followed by `+-` * 10 000 and `+`.
        let runs: [(String, Int)] = [("+", 20_002), ("-+", 20_003), ("*+-", 20_004), ("<=+", 20_003), ("@+-", 1)]
        for (run, count) in runs {
            let text = run + String(repeating: "+-", count: 10_000) + "+"
            let operators = SourceText(text, dialect: .postgresql)
            #expect(contiguous(operators))
            #expect(operators.tokens.allSatisfy { $0.kind == .operator_ })
            #expect(operators.tokens.count == count, "\(run)")
        }

        for byte: UInt8 in [0xFF, 0x80, 0x00, UInt8(ascii: "$"), UInt8(ascii: "'"), UInt8(ascii: "?"), UInt8(ascii: ":")] {
            for dialect in Dialect.allCases {
                let bytes = [UInt8](repeating: byte, count: 30_000)
                #expect(contiguous(SourceText(bytes: bytes, dialect: dialect)), "\(byte) \(dialect)")
            }
        }
    }

    @Test func postgresOperatorRunsMatchTheSlowRule() {
        // The shortcut for runs of `+`/`-` gives what cutting and re-scanning would give.
        #expect(lexed("a+-+b", .postgresql).map(\.text) == ["a", "+", "-", "+", "b"])
        #expect(lexed("a*+-b", .postgresql).map(\.text) == ["a", "*", "+", "-", "b"])
        #expect(lexed("a<=+-*b", .postgresql).map(\.text) == ["a", "<=+-*", "b"])
        #expect(lexed("a<=+-b", .postgresql).map(\.text) == ["a", "<=", "+", "-", "b"])
        #expect(lexed("a+-&b", .postgresql).map(\.text) == ["a", "+-&", "b"])
        #expect(lexed("a+ -+- -b", .postgresql).map(\.text) == ["a", "+", "-", "+", "-", "-", "b"])
        #expect(lexed("a+-+-- c\n+-b", .postgresql).map(\.text) == ["a", "+", "-", "+", "-- c", "+", "-", "b"])
    }
}
