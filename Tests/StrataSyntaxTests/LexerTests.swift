import Testing
import StrataSyntax

// MARK: - Helpers (shared by the Lexer*Tests and Splitter*Tests files)

/// A token as the tests compare it: its kind and its text.
struct Lexed: Equatable, Sendable, CustomStringConvertible {
    var kind: TokenKind
    var text: String

    init(_ kind: TokenKind, _ text: String) {
        self.kind = kind
        self.text = text
    }

    var description: String { "\(kind)(\(text.debugDescription))" }
}

/// The tokens of `sql`, whitespace left out (comments kept).
func lexed(_ sql: String, _ dialect: Dialect) -> [Lexed] {
    let source = SourceText(sql, dialect: dialect)
    return source.tokens.filter { $0.kind != .whitespace }.map { Lexed($0.kind, source.text(of: $0)) }
}

/// The first token whose text is `text`.
func token(_ source: SourceText, _ text: String) -> Token? {
    source.tokens.first { source.text(of: $0) == text }
}

struct LexCase: Sendable, CustomTestStringConvertible {
    var sql: String
    var dialect: Dialect
    var expected: [Lexed]

    init(_ sql: String, _ dialect: Dialect, _ expected: [Lexed]) {
        self.sql = sql
        self.dialect = dialect
        self.expected = expected
    }

    var testDescription: String { "\(dialect): \(sql.debugDescription)" }
}

private let sqlite = Dialect.sqlite
private let pg = Dialect.postgresql

private func both(_ sql: String, _ expected: [Lexed]) -> [LexCase] {
    [LexCase(sql, sqlite, expected), LexCase(sql, pg, expected)]
}

// MARK: - Literals

@Suite("Lexer: literals and quoted identifiers")
struct LexerLiteralTests {
    static let cases: [LexCase] = []
        // Standard strings: '' doubles a quote, a backslash is an ordinary character.
        + both("'it''s'", [Lexed(.string, "'it''s'")])
        + both("''", [Lexed(.string, "''")])
        + both("'a;b' ;", [Lexed(.string, "'a;b'"), Lexed(.semicolon, ";")])
        + both(#"'a\' x"#, [Lexed(.string, #"'a\'"#), Lexed(.word, "x")])
        + both("'''' ''''''", [Lexed(.string, "''''"), Lexed(.string, "''''''")])
        + both("'a' 'b'", [Lexed(.string, "'a'"), Lexed(.string, "'b'")])
        // Quoted identifiers: "" doubles a quote.
        + both(#""a""b" x"#, [Lexed(.quotedIdentifier, #""a""b""#), Lexed(.word, "x")])
        + both(#""sel;ect""#, [Lexed(.quotedIdentifier, #""sel;ect""#)])
        // Blobs.
        + both("X'0A' x'ff'", [Lexed(.blob, "X'0A'"), Lexed(.blob, "x'ff'")])
        + both("xy'0A'", [Lexed(.word, "xy"), Lexed(.string, "'0A'")])
        // PostgreSQL E'...': backslash escapes.
        + [
            LexCase(#"E'it\'s'"#, pg, [Lexed(.string, #"E'it\'s'"#)]),
            LexCase(#"E'it\'s'"#, sqlite, [Lexed(.word, "E"), Lexed(.string, #"'it\'"#), Lexed(.word, "s"),
                                            Lexed(.unterminated, "'")]),
            LexCase(#"e'a\\' x"#, pg, [Lexed(.string, #"e'a\\'"#), Lexed(.word, "x")]),
            LexCase("E'a''b' x", pg, [Lexed(.string, "E'a''b'"), Lexed(.word, "x")]),
            LexCase(#"E'\\\'' x"#, pg, [Lexed(.string, #"E'\\\''"#), Lexed(.word, "x")]),
            LexCase("E 'a'", pg, [Lexed(.word, "E"), Lexed(.string, "'a'")]),
            LexCase("some'a'", pg, [Lexed(.word, "some"), Lexed(.string, "'a'")]),
        ]
        // PostgreSQL U&'...', U&"...", N'...', B'...'.
        + [
            LexCase(#"U&'d\0061t' x"#, pg, [Lexed(.string, #"U&'d\0061t'"#), Lexed(.word, "x")]),
            LexCase(#"u&'a''b'"#, pg, [Lexed(.string, #"u&'a''b'"#)]),
            LexCase(#"U&"d\0061t""#, pg, [Lexed(.quotedIdentifier, #"U&"d\0061t""#)]),
            LexCase(#"U&'x'"#, sqlite, [Lexed(.word, "U"), Lexed(.operator_, "&"), Lexed(.string, "'x'")]),
            LexCase("U&x", pg, [Lexed(.word, "U"), Lexed(.operator_, "&"), Lexed(.word, "x")]),
            LexCase("N'x'", pg, [Lexed(.string, "N'x'")]),
            LexCase("N'x'", sqlite, [Lexed(.word, "N"), Lexed(.string, "'x'")]),
            LexCase("B'101' b'0'", pg, [Lexed(.blob, "B'101'"), Lexed(.blob, "b'0'")]),
            LexCase("B'101'", sqlite, [Lexed(.word, "B"), Lexed(.string, "'101'")]),
        ]
        // SQLite backticks and brackets; in PostgreSQL they are an operator and punctuation.
        + [
            LexCase("`a``b` x", sqlite, [Lexed(.quotedIdentifier, "`a``b`"), Lexed(.word, "x")]),
            LexCase("`a``b`", pg, [Lexed(.operator_, "`"), Lexed(.word, "a"), Lexed(.operator_, "``"),
                                   Lexed(.word, "b"), Lexed(.operator_, "`")]),
            LexCase("[a b;c] x", sqlite, [Lexed(.quotedIdentifier, "[a b;c]"), Lexed(.word, "x")]),
            LexCase("[a]]", sqlite, [Lexed(.quotedIdentifier, "[a]"), Lexed(.punctuation, "]")]),
            LexCase("[a b]", pg, [Lexed(.punctuation, "["), Lexed(.word, "a"), Lexed(.word, "b"),
                                  Lexed(.punctuation, "]")]),
        ]
        // Dollar quotes (PostgreSQL) vs `$` parameters.
        + [
            LexCase("$$a;b$$ x", pg, [Lexed(.dollarString, "$$a;b$$"), Lexed(.word, "x")]),
            LexCase("$$$$", pg, [Lexed(.dollarString, "$$$$")]),
            LexCase("$$a;b$$", sqlite, [Lexed(.parameter, "$$a"), Lexed(.semicolon, ";"), Lexed(.word, "b$$")]),
            LexCase("$fn$ select 'x'; $fn$;", pg, [Lexed(.dollarString, "$fn$ select 'x'; $fn$"),
                                                   Lexed(.semicolon, ";")]),
            LexCase("$a$ x $b$ y; $b$ z $a$ w", pg, [Lexed(.dollarString, "$a$ x $b$ y; $b$ z $a$"),
                                                     Lexed(.word, "w")]),
            LexCase("$a$ $ab$ $$ $a$", pg, [Lexed(.dollarString, "$a$ $ab$ $$ $a$")]),
            LexCase("$é$x$é$", pg, [Lexed(.dollarString, "$é$x$é$")]),
            LexCase("$_1$x$_1$", pg, [Lexed(.dollarString, "$_1$x$_1$")]),
            LexCase("$1 $tag$x$tag$", pg, [Lexed(.parameter, "$1"), Lexed(.dollarString, "$tag$x$tag$")]),
            LexCase("$12+$3", pg, [Lexed(.parameter, "$12"), Lexed(.operator_, "+"), Lexed(.parameter, "$3")]),
            LexCase("$1$x$$x$", pg, [Lexed(.parameter, "$1"), Lexed(.dollarString, "$x$$x$")]),
            LexCase("a$$b", pg, [Lexed(.word, "a$$b")]),
            LexCase("$tag x", pg, [Lexed(.unknown, "$"), Lexed(.word, "tag"), Lexed(.word, "x")]),
            LexCase("$ 1", pg, [Lexed(.unknown, "$"), Lexed(.number, "1")]),
            LexCase("$1 $name $a::b(c)", sqlite, [Lexed(.parameter, "$1"), Lexed(.parameter, "$name"),
                                                  Lexed(.parameter, "$a::b"), Lexed(.punctuation, "("),
                                                  Lexed(.word, "c"), Lexed(.punctuation, ")")]),
            LexCase("$ x", sqlite, [Lexed(.unknown, "$"), Lexed(.word, "x")]),
        ]

    @Test(arguments: cases)
    func tokens(_ c: LexCase) {
        #expect(lexed(c.sql, c.dialect) == c.expected)
        // Nothing here is unterminated unless the case says so.
        let source = SourceText(c.sql, dialect: c.dialect)
        #expect(source.issues.isEmpty == !c.expected.contains { $0.kind == .unterminated })
    }
}

// MARK: - Comments

@Suite("Lexer: comments")
struct LexerCommentTests {
    static let cases: [LexCase] = []
        + both("-- c;\nx", [Lexed(.lineComment, "-- c;"), Lexed(.word, "x")])
        + both("x -- at the end", [Lexed(.word, "x"), Lexed(.lineComment, "-- at the end")])
        // The line end is not part of the comment, CR of a CRLF included.
        + both("--\r\nx", [Lexed(.lineComment, "--"), Lexed(.word, "x")])
        + both("-- a;\r\nx", [Lexed(.lineComment, "-- a;"), Lexed(.word, "x")])
        + [
            LexCase("-- a\r\r\nx", sqlite, [Lexed(.lineComment, "-- a\r"), Lexed(.word, "x")]),
            // A lone CR ends a comment in PostgreSQL, not in SQLite.
            LexCase("-- a\rb\nc", pg, [Lexed(.lineComment, "-- a"), Lexed(.word, "b"), Lexed(.word, "c")]),
            LexCase("-- a\rb\nc", sqlite, [Lexed(.lineComment, "-- a\rb"), Lexed(.word, "c")]),
            LexCase("-- a\r\r\nx", pg, [Lexed(.lineComment, "-- a"), Lexed(.word, "x")]),
        ]
        + both("a--b", [Lexed(.word, "a"), Lexed(.lineComment, "--b")])
        + both("/**/x", [Lexed(.blockComment, "/**/"), Lexed(.word, "x")])
        + both("/* ; ' \" $$ */ x", [Lexed(.blockComment, "/* ; ' \" $$ */"), Lexed(.word, "x")])
        + both("/* a\n * b\n */x", [Lexed(.blockComment, "/* a\n * b\n */"), Lexed(.word, "x")])
        + both("/* **/x", [Lexed(.blockComment, "/* **/"), Lexed(.word, "x")])
        + both("a+/*c*/b", [Lexed(.word, "a"), Lexed(.operator_, "+"), Lexed(.blockComment, "/*c*/"),
                            Lexed(.word, "b")])
        + both("'--' '/*'", [Lexed(.string, "'--'"), Lexed(.string, "'/*'")])
        + [
            // PostgreSQL nests block comments; SQLite ends at the first */.
            LexCase("/* a /* b */ c */ x", pg, [Lexed(.blockComment, "/* a /* b */ c */"), Lexed(.word, "x")]),
            LexCase("/* a /* b */ c */ x", sqlite, [Lexed(.blockComment, "/* a /* b */"), Lexed(.word, "c"),
                                                    Lexed(.operator_, "*"), Lexed(.operator_, "/"),
                                                    Lexed(.word, "x")]),
            LexCase("/*/**/*/x", pg, [Lexed(.blockComment, "/*/**/*/"), Lexed(.word, "x")]),
            LexCase("/*/**/*/x", sqlite, [Lexed(.blockComment, "/*/**/"), Lexed(.operator_, "*"),
                                          Lexed(.operator_, "/"), Lexed(.word, "x")]),
            // A comment start cuts a PostgreSQL operator.
            LexCase("a+-- c\nb", pg, [Lexed(.word, "a"), Lexed(.operator_, "+"), Lexed(.lineComment, "-- c"),
                                      Lexed(.word, "b")]),
            LexCase("a*/* c */b", pg, [Lexed(.word, "a"), Lexed(.operator_, "*"), Lexed(.blockComment, "/* c */"),
                                       Lexed(.word, "b")]),
        ]

    @Test(arguments: cases)
    func tokens(_ c: LexCase) {
        #expect(lexed(c.sql, c.dialect) == c.expected)
        #expect(SourceText(c.sql, dialect: c.dialect).issues.isEmpty)
    }

    @Test(arguments: Dialect.allCases)
    func commentsAreTrivia(_ dialect: Dialect) {
        let source = SourceText("-- a\n/* b */ x", dialect: dialect)
        #expect(source.tokens.map(\.kind) == [.lineComment, .whitespace, .blockComment, .whitespace, .word])
        #expect(source.tokens.filter(\.kind.isTrivia).count == 4)
        #expect(source.tokens.filter(\.kind.isComment).count == 2)
    }
}

// MARK: - Numbers, parameters, operators, punctuation

@Suite("Lexer: numbers, parameters and operators")
struct LexerNumberOperatorTests {
    @Test(arguments: ["1", "1.5", ".5", "1e10", "1.5E-3", "1E+3", "0x1F", "0XaB", "1.", "1.e5", "007"])
    func numbers(_ text: String) {
        for dialect in Dialect.allCases {
            #expect(lexed(text, dialect) == [Lexed(.number, text)], "\(dialect)")
            #expect(lexed("(\(text))", dialect)
                    == [Lexed(.punctuation, "("), Lexed(.number, text), Lexed(.punctuation, ")")], "\(dialect)")
        }
    }

    static let cases: [LexCase] = []
        + both("1e", [Lexed(.number, "1"), Lexed(.word, "e")])
        + both("1e+x", [Lexed(.number, "1"), Lexed(.word, "e"), Lexed(.operator_, "+"), Lexed(.word, "x")])
        + both("0x", [Lexed(.number, "0"), Lexed(.word, "x")])
        + both("0xZ", [Lexed(.number, "0"), Lexed(.word, "xZ")])
        + both("12abc", [Lexed(.number, "12"), Lexed(.word, "abc")])
        + both("1.5.6", [Lexed(.number, "1.5"), Lexed(.number, ".6")])
        + both("t.c", [Lexed(.word, "t"), Lexed(.punctuation, "."), Lexed(.word, "c")])
        + both("1_000", [Lexed(.number, "1_000")])
        + both("1_", [Lexed(.number, "1"), Lexed(.word, "_")])
        + [
            LexCase("1..5", pg, [Lexed(.number, "1"), Lexed(.punctuation, "."), Lexed(.number, ".5")]),
            LexCase("1..5", sqlite, [Lexed(.number, "1."), Lexed(.number, ".5")]),
        ]
        // `::` cast, `:name` parameter, `:` in array slices.
        + both("a::int", [Lexed(.word, "a"), Lexed(.operator_, "::"), Lexed(.word, "int")])
        + [
            LexCase("'1'::text[]", pg, [Lexed(.string, "'1'"), Lexed(.operator_, "::"), Lexed(.word, "text"),
                                        Lexed(.punctuation, "["), Lexed(.punctuation, "]")]),
            LexCase("'1'::text[]", sqlite, [Lexed(.string, "'1'"), Lexed(.operator_, "::"), Lexed(.word, "text"),
                                            Lexed(.quotedIdentifier, "[]")]),
        ]
        + both(":name :_x :é", [Lexed(.parameter, ":name"), Lexed(.parameter, ":_x"), Lexed(.parameter, ":é")])
        + both("x = :id;", [Lexed(.word, "x"), Lexed(.operator_, "="), Lexed(.parameter, ":id"),
                            Lexed(.semicolon, ";")])
        + both(": 1", [Lexed(.punctuation, ":"), Lexed(.number, "1")])
        + [
            LexCase("a[1:2]", pg, [Lexed(.word, "a"), Lexed(.punctuation, "["), Lexed(.number, "1"),
                                   Lexed(.punctuation, ":"), Lexed(.number, "2"), Lexed(.punctuation, "]")]),
            LexCase("a[1:2]", sqlite, [Lexed(.word, "a"), Lexed(.quotedIdentifier, "[1:2]")]),
        ]
        // `?`, `@name`: parameters in SQLite, operators in PostgreSQL.
        + [
            LexCase("? ?1 ?23", sqlite, [Lexed(.parameter, "?"), Lexed(.parameter, "?1"), Lexed(.parameter, "?23")]),
            LexCase("a ? b", pg, [Lexed(.word, "a"), Lexed(.operator_, "?"), Lexed(.word, "b")]),
            LexCase("j ?| k", pg, [Lexed(.word, "j"), Lexed(.operator_, "?|"), Lexed(.word, "k")]),
            LexCase("@name", sqlite, [Lexed(.parameter, "@name")]),
            LexCase("@name", pg, [Lexed(.operator_, "@"), Lexed(.word, "name")]),
            LexCase("@ 1", sqlite, [Lexed(.operator_, "@"), Lexed(.number, "1")]),
        ]
        // Operators.
        + both("a->>'k'", [Lexed(.word, "a"), Lexed(.operator_, "->>"), Lexed(.string, "'k'")])
        + both("a->'k'", [Lexed(.word, "a"), Lexed(.operator_, "->"), Lexed(.string, "'k'")])
        + both("a||b", [Lexed(.word, "a"), Lexed(.operator_, "||"), Lexed(.word, "b")])
        + both("a<>b", [Lexed(.word, "a"), Lexed(.operator_, "<>"), Lexed(.word, "b")])
        + both("a!=b", [Lexed(.word, "a"), Lexed(.operator_, "!="), Lexed(.word, "b")])
        + both("a<=b", [Lexed(.word, "a"), Lexed(.operator_, "<="), Lexed(.word, "b")])
        + both("a>=b", [Lexed(.word, "a"), Lexed(.operator_, ">="), Lexed(.word, "b")])
        + both("a%b", [Lexed(.word, "a"), Lexed(.operator_, "%"), Lexed(.word, "b")])
        + both("a=-1", [Lexed(.word, "a"), Lexed(.operator_, "="), Lexed(.operator_, "-"), Lexed(.number, "1")])
        + [
            LexCase("a@>b", pg, [Lexed(.word, "a"), Lexed(.operator_, "@>"), Lexed(.word, "b")]),
            LexCase("a<->b", pg, [Lexed(.word, "a"), Lexed(.operator_, "<->"), Lexed(.word, "b")]),
            LexCase("a~~*b", pg, [Lexed(.word, "a"), Lexed(.operator_, "~~*"), Lexed(.word, "b")]),
            LexCase("a@-b", pg, [Lexed(.word, "a"), Lexed(.operator_, "@-"), Lexed(.word, "b")]),
            LexCase("a==b", sqlite, [Lexed(.word, "a"), Lexed(.operator_, "=="), Lexed(.word, "b")]),
            LexCase("a<<b>>c", sqlite, [Lexed(.word, "a"), Lexed(.operator_, "<<"), Lexed(.word, "b"),
                                        Lexed(.operator_, ">>"), Lexed(.word, "c")]),
            LexCase("a<=>b", sqlite, [Lexed(.word, "a"), Lexed(.operator_, "<="), Lexed(.operator_, ">"),
                                      Lexed(.word, "b")]),
        ]
        // Punctuation and stray bytes.
        + both("f(a, b.c);", [Lexed(.word, "f"), Lexed(.punctuation, "("), Lexed(.word, "a"),
                              Lexed(.punctuation, ","), Lexed(.word, "b"), Lexed(.punctuation, "."),
                              Lexed(.word, "c"), Lexed(.punctuation, ")"), Lexed(.semicolon, ";")])
        + both("{}", [Lexed(.punctuation, "{"), Lexed(.punctuation, "}")])
        + both("a\u{0}b", [Lexed(.word, "a"), Lexed(.unknown, "\u{0}"), Lexed(.word, "b")])
        + both(#"a\b"#, [Lexed(.word, "a"), Lexed(.unknown, #"\"#), Lexed(.word, "b")])
        + both("\u{7F}", [Lexed(.unknown, "\u{7F}")])
        // Words: non-ASCII letters, `$` inside, `_` start.
        + both("_a1 café 日本 a$b", [Lexed(.word, "_a1"), Lexed(.word, "café"), Lexed(.word, "日本"),
                                     Lexed(.word, "a$b")])

    @Test(arguments: cases)
    func tokens(_ c: LexCase) {
        #expect(lexed(c.sql, c.dialect) == c.expected)
        #expect(SourceText(c.sql, dialect: c.dialect).issues.isEmpty)
    }
}

// MARK: - Positions

@Suite("Lexer: offsets, lines and columns")
struct LexerPositionTests {
    @Test(arguments: Dialect.allCases)
    func columnsCountCharactersNotBytes(_ dialect: Dialect) throws {
        let source = SourceText("'é' x", dialect: dialect)
        let x = try #require(token(source, "x"))
        #expect(x.start == SourcePosition(offset: 5, line: 1, column: 5))
        #expect(x.length == 1)

        let emoji = SourceText("'😀' x", dialect: dialect)
        #expect(try #require(token(emoji, "x")).start == SourcePosition(offset: 7, line: 1, column: 5))

        // Line 2 starts at offset 3; `日本` is 6 bytes and 2 characters.
        let second = SourceText("é\n  日本 x", dialect: dialect)
        #expect(try #require(token(second, "日本")).start == SourcePosition(offset: 5, line: 2, column: 3))
        #expect(try #require(token(second, "x")).start == SourcePosition(offset: 12, line: 2, column: 6))
        #expect(second.lineStarts == [0, 3])
    }

    @Test(arguments: Dialect.allCases)
    func everyTokenPosition(_ dialect: Dialect) {
        let source = SourceText("SELECT a,\n\t\"b\"  -- c\nFROM t;", dialect: dialect)
        let expected: [(TokenKind, String, Int, Int, Int)] = [
            (.word, "SELECT", 0, 1, 1), (.whitespace, " ", 6, 1, 7), (.word, "a", 7, 1, 8),
            (.punctuation, ",", 8, 1, 9), (.whitespace, "\n\t", 9, 1, 10),
            (.quotedIdentifier, "\"b\"", 11, 2, 2), (.whitespace, "  ", 14, 2, 5),
            (.lineComment, "-- c", 16, 2, 7), (.whitespace, "\n", 20, 2, 11),
            (.word, "FROM", 21, 3, 1), (.whitespace, " ", 25, 3, 5), (.word, "t", 26, 3, 6),
            (.semicolon, ";", 27, 3, 7),
        ]
        #expect(source.tokens.count == expected.count)
        for (token, e) in zip(source.tokens, expected) {
            #expect(token.kind == e.0)
            #expect(source.text(of: token) == e.1)
            #expect(token.start == SourcePosition(offset: e.2, line: e.3, column: e.4), "\(e.1.debugDescription)")
        }
        #expect(source.lineStarts == [0, 10, 21])
    }

    @Test(arguments: Dialect.allCases)
    func tokensSpanningLines(_ dialect: Dialect) throws {
        let comment = SourceText("/* a\nbc */ x", dialect: dialect)
        #expect(try #require(token(comment, "x")).start == SourcePosition(offset: 11, line: 2, column: 7))

        let string = SourceText("'a\r\nb' x", dialect: dialect)
        #expect(try #require(token(string, "x")).start == SourcePosition(offset: 7, line: 2, column: 4))

        let identifier = SourceText("\"a\n\n\" y z", dialect: dialect)
        #expect(try #require(token(identifier, "z")).start == SourcePosition(offset: 8, line: 3, column: 5))
        #expect(identifier.lineStarts == [0, 3, 4])
    }

    @Test func postgresLiteralsSpanningLines() throws {
        let source = SourceText("E'a\\\nb\nc' $$\n$$ $t$\né$t$ x", dialect: .postgresql)
        #expect(source.issues.isEmpty)
        #expect(source.tokens.filter { !$0.kind.isTrivia }.map(\.kind) == [.string, .dollarString, .dollarString, .word])
        #expect(try #require(token(source, "x")).start == SourcePosition(offset: 26, line: 5, column: 6))
        #expect(source.lineStarts == [0, 5, 7, 13, 20])
    }

    @Test func sqliteBracketSpanningLines() throws {
        let source = SourceText("[a\nb] `c\n` x", dialect: .sqlite)
        #expect(try #require(token(source, "x")).start == SourcePosition(offset: 11, line: 3, column: 3))
    }

    @Test(arguments: Dialect.allCases)
    func crlfLineEndings(_ dialect: Dialect) throws {
        let source = SourceText("SELECT 1;\r\nSELECT 'é';\r\n  x\r\n", dialect: dialect)
        #expect(source.lineStarts == [0, 11, 25, 30])
        let selects = source.tokens.filter { source.text(of: $0) == "SELECT" }
        #expect(selects.map(\.start) == [SourcePosition(offset: 0, line: 1, column: 1),
                                         SourcePosition(offset: 11, line: 2, column: 1)])
        #expect(try #require(token(source, "x")).start == SourcePosition(offset: 27, line: 3, column: 3))
        // The CR stays in the whitespace token; nothing is lost.
        #expect(source.tokens.filter { $0.kind == .whitespace }.map { source.text(of: $0) }
                == [" ", "\r\n", " ", "\r\n  ", "\r\n"])
    }

    @Test(arguments: Dialect.allCases)
    func loneCarriageReturnIsNotANewline(_ dialect: Dialect) throws {
        let source = SourceText("a\rb", dialect: dialect)
        #expect(source.lineStarts == [0])
        #expect(try #require(token(source, "b")).start == SourcePosition(offset: 2, line: 1, column: 3))
    }

    @Test(arguments: Dialect.allCases)
    func positionAtAgreesWithTokens(_ dialect: Dialect) {
        let source = SourceText("-- é\n/* ü\n*/ SELECT 'ß', \"日\"\r\n\tFROM 😀;\n", dialect: dialect)
        for token in source.tokens {
            #expect(source.position(at: token.offset) == token.start)
        }
        let end = source.position(at: source.bytes.count)
        #expect(end == SourcePosition(offset: source.bytes.count, line: 5, column: 1))
        // Clamped outside the file.
        #expect(source.position(at: -3) == SourcePosition.start)
        #expect(source.position(at: 10_000) == end)
    }

    @Test(arguments: Dialect.allCases)
    func emptyInput(_ dialect: Dialect) {
        let source = SourceText("", dialect: dialect)
        #expect(source.tokens.isEmpty)
        #expect(source.issues.isEmpty)
        #expect(source.lineStarts == [0])
        #expect(source.position(at: 0) == SourcePosition.start)
    }
}

// MARK: - Byte order mark

@Suite("Lexer: a UTF-8 byte order mark")
struct LexerByteOrderMarkTests {
    @Test(arguments: Dialect.allCases)
    func isWhitespaceThatTakesNoColumn(dialect: Dialect) throws {
        let source = SourceText(bytes: [0xEF, 0xBB, 0xBF] + Array("CREATE TABLE é (id INT);\nDROP TABLE x;".utf8), dialect: dialect)
        #expect(source.tokens[0].kind == .whitespace)
        #expect(source.tokens[0].byteRange == 0..<3)
        let create = try #require(token(source, "CREATE"))
        #expect(create.start == SourcePosition(offset: 3, line: 1, column: 1))
        #expect(try #require(token(source, "TABLE")).start.column == 8)
        #expect(try #require(token(source, "(")).start.column == 16)
        #expect(try #require(token(source, "DROP")).start == SourcePosition(offset: 29, line: 2, column: 1))
        #expect(source.position(at: 3) == SourcePosition(offset: 3, line: 1, column: 1))
        #expect(source.position(at: 10).column == 8)
        #expect(lexed("\u{FEFF}SELECT 1;", dialect).first == Lexed(.word, "SELECT"))
    }

    @Test func onlyAtTheStartOfTheFile() {
        let source = SourceText("SELECT \u{FEFF}1;", dialect: .postgresql)
        #expect(source.tokens.contains { source.text(of: $0) == "\u{FEFF}1" && $0.kind == .word })
    }
}
