import Testing
import StrataSyntax

/// An unterminated literal, identifier, comment or dollar quote: one `.unterminated` token from
/// its start to the end of the input, and one issue at its start.
struct UnterminatedCase: Sendable, CustomTestStringConvertible {
    var form: String
    var dialect: Dialect
    var message: String

    init(_ form: String, _ dialect: Dialect, _ message: String) {
        self.form = form
        self.dialect = dialect
        self.message = message
    }

    var testDescription: String { "\(dialect): \(form.debugDescription)" }
}

@Suite("Lexer: unterminated forms")
struct LexerUnterminatedTests {
    static let cases: [UnterminatedCase] = Dialect.allCases.flatMap { d in [
        UnterminatedCase("'abc", d, "unterminated string literal"),
        UnterminatedCase("'it''", d, "unterminated string literal"),
        UnterminatedCase("'", d, "unterminated string literal"),
        UnterminatedCase("\"abc", d, "unterminated quoted identifier"),
        UnterminatedCase("\"a\"\"", d, "unterminated quoted identifier"),
        UnterminatedCase("/* abc", d, "unterminated block comment"),
        UnterminatedCase("/*", d, "unterminated block comment"),
        UnterminatedCase("/*/", d, "unterminated block comment"),
        UnterminatedCase("X'ab", d, "unterminated blob literal"),
    ] } + [
        UnterminatedCase(#"E'abc\'"#, .postgresql, "unterminated escape string literal"),
        UnterminatedCase(#"E'abc\"#, .postgresql, "unterminated escape string literal"),
        UnterminatedCase("U&'abc", .postgresql, "unterminated string literal"),
        UnterminatedCase("U&\"abc", .postgresql, "unterminated quoted identifier"),
        UnterminatedCase("N'abc", .postgresql, "unterminated string literal"),
        UnterminatedCase("B'01", .postgresql, "unterminated bit-string literal"),
        UnterminatedCase("$$abc", .postgresql, "unterminated dollar-quoted string"),
        UnterminatedCase("$$", .postgresql, "unterminated dollar-quoted string"),
        UnterminatedCase("$$abc$", .postgresql, "unterminated dollar-quoted string"),
        UnterminatedCase("$t$abc$t", .postgresql, "unterminated dollar-quoted string"),
        UnterminatedCase("$t$abc$T$", .postgresql, "unterminated dollar-quoted string"),
        UnterminatedCase("$a$ $b$ $b$", .postgresql, "unterminated dollar-quoted string"),
        UnterminatedCase("/* /* */", .postgresql, "unterminated block comment"),
        UnterminatedCase("`abc", .sqlite, "unterminated quoted identifier"),
        UnterminatedCase("`a``", .sqlite, "unterminated quoted identifier"),
        UnterminatedCase("[abc", .sqlite, "unterminated bracketed identifier"),
    ]

    /// Line 2, column 3 (after a multi-byte character on line 1), offset 15.
    static let prefix = "SELECT 'é';\n  "

    @Test(arguments: cases)
    func unterminated(_ c: UnterminatedCase) throws {
        for suffix in ["", " x;\nSELECT b;\n"] {
            let sql = Self.prefix + c.form + suffix
            let source = SourceText(sql, dialect: c.dialect)
            let start = SourcePosition(offset: 15, line: 2, column: 3)
            #expect(source.issues == [LexIssue(position: start, message: c.message)])
            let last = try #require(source.tokens.last)
            #expect(last.kind == .unterminated)
            #expect(last.start == start)
            #expect(last.endOffset == source.bytes.count)
            #expect(source.tokens.filter { $0.kind == .unterminated }.count == 1)
            // The newlines swallowed by the unterminated token still count as lines.
            #expect(source.lineStarts.count == 1 + sql.utf8.filter { $0 == 0x0A }.count)
        }
    }

    @Test(arguments: Dialect.allCases)
    func lineCommentAtEndOfInputIsFine(_ dialect: Dialect) {
        let source = SourceText("SELECT 1; -- no newline", dialect: dialect)
        #expect(source.issues.isEmpty)
        #expect(source.tokens.last?.kind == .lineComment)
    }

    @Test func sqliteCommentsDoNotNest() {
        // `/* /* */` is complete in SQLite, unterminated in PostgreSQL.
        #expect(SourceText("/* /* */", dialect: .sqlite).issues.isEmpty)
        #expect(SourceText("/* /* */", dialect: .postgresql).issues.count == 1)
    }

    @Test func dialectOnlyForms() {
        // Not literal starts in the other dialect, so not unterminated there.
        #expect(SourceText("$$abc", dialect: .sqlite).issues.isEmpty)
        #expect(SourceText("`abc", dialect: .postgresql).issues.isEmpty)
        #expect(SourceText("[abc", dialect: .postgresql).issues.isEmpty)
        // SQLite reads E'abc\' as the word E and the complete string 'abc\'.
        #expect(SourceText(#"E'abc\'"#, dialect: .sqlite).issues.isEmpty)
    }

    @Test func firstUnterminatedFormWins() {
        // The first opener swallows the rest, so there is only ever one issue.
        let source = SourceText("x /* 'a\n\"b $$", dialect: .postgresql)
        #expect(source.issues == [LexIssue(position: SourcePosition(offset: 2, line: 1, column: 3),
                                           message: "unterminated block comment")])
    }
}
