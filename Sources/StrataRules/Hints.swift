import StrataCore
import StrataSyntax

/// What the rules' hints share: the file's own way to run outside a transaction, and SQL
/// written back from what a statement said.
enum Hints {
    /// How the file at hand runs outside a transaction, in its tool's terms (`mark it
    /// `-- @transaction: false` in its header`, `add `-- +goose NO TRANSACTION` ...`).
    static func outsideTransaction(_ context: RuleContext) -> String {
        context.file.outsideTransactionAdvice(context.dialect)
    }

    /// "in a migration that runs outside a transaction (how, for this file's tool)".
    static func inMigrationOutsideTransaction(_ context: RuleContext) -> String {
        "in a migration that runs outside a transaction (\(outsideTransaction(context)))"
    }

    /// A table name in the table's schema: what `ALTER TABLE s.t RENAME TO u` names `u`.
    static func sibling(_ name: String, of table: ObjectName) -> ObjectName {
        ObjectName(schema: table.schema, name: name, range: table.range)
    }
}

/// Part of a statement as SQL text: its significant tokens as written (quotes kept), each run
/// of whitespace and comments between them folded to one space, with words put in or taken
/// out. Hints rewrite the user's own statement this way (`CREATE INDEX` → `CREATE INDEX
/// CONCURRENTLY`), so that its names keep the spelling the database knows them by.
///
/// A token is kept as where its bytes lie in the source, not as a string: a lock rule builds
/// one of these per finding, and reads only a few of its words before writing `text` once.
struct SQLFragment {
    private struct Piece {
        /// The token's bytes in the source; unused for a piece put in.
        var bytes: Range<Int>
        /// The text put in by `insert`; nil for a token of the source.
        var inserted: String?
        var spaced: Bool
        var isWord: Bool
    }

    private let source: [UInt8]
    private var pieces: [Piece]

    /// The tokens of `statement` that start in `bytes` (the whole statement when nil), trivia
    /// left out. A `;` inside (a trigger's body) stays; the statement's own end is not in its range.
    init(_ source: SourceText, _ statement: Statement, bytes: Range<Int>? = nil) {
        self.source = source.bytes
        let bytes = bytes ?? statement.range.byteRange
        var previousEnd: Int? = nil
        pieces = []
        var i = source.firstToken(startingAtOrAfter: bytes.lowerBound, in: statement.tokens)
        let end = min(statement.tokens.upperBound, source.tokens.count)
        pieces.reserveCapacity(source.firstToken(startingAtOrAfter: bytes.upperBound, in: i..<end) - i)
        while i < end, source.tokens[i].offset < bytes.upperBound {
            let token = source.tokens[i]
            i += 1
            guard !token.kind.isTrivia else { continue }
            pieces.append(Piece(bytes: Self.clamped(token.byteRange, to: source.bytes.count), inserted: nil,
                                spaced: previousEnd.map { token.offset > $0 } ?? false, isWord: token.kind == .word))
            previousEnd = token.endOffset
        }
    }

    /// A byte range kept inside the file, as `SourceText.text` keeps it.
    private static func clamped(_ range: Range<Int>, to count: Int) -> Range<Int> {
        let lower = max(0, min(range.lowerBound, count))
        return lower..<max(lower, min(range.upperBound, count))
    }

    var isEmpty: Bool { pieces.isEmpty }

    /// The position of the first bare word `word` (given in lower case, ASCII case ignored), if any.
    func firstWord(_ word: StaticString) -> Int? {
        pieces.indices.first { isWord(word, at: $0) }
    }

    /// The text of the piece at `index`, if there is one.
    func piece(_ index: Int) -> String? {
        guard index >= 0 && index < pieces.count else { return nil }
        return pieces[index].inserted ?? String(decoding: source[pieces[index].bytes], as: UTF8.self)
    }

    /// The name a name token stands for: a bare word folded to lower case, a double-quoted
    /// name without its quotes (doubled quotes undone).
    static func unquoted(_ text: String) -> String {
        guard text.count >= 2, text.first == "\"", text.last == "\"" else { return text.lowercased() }
        var name = ""
        var pendingQuote = false
        for character in text.dropFirst().dropLast() {
            if character == "\"", !pendingQuote { pendingQuote = true; continue }
            pendingQuote = false
            name.append(character)
        }
        return name
    }

    /// Whether the piece at `index` is the bare word `word` (given in lower case), compared
    /// ASCII-case-insensitively on the source's bytes: SQL keywords are ASCII.
    func isWord(_ word: StaticString, at index: Int) -> Bool {
        guard index >= 0 && index < pieces.count, pieces[index].isWord, pieces[index].inserted == nil else { return false }
        let bytes = pieces[index].bytes
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        let expected = word.utf8Start
        for (k, i) in bytes.enumerated() {
            var b = source[i]
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { b |= 0x20 }
            if b != expected[k] { return false }
        }
        return true
    }

    /// Puts `text` before the piece at `index` (at the end when `index` is the count), with a
    /// space on either side.
    mutating func insert(_ text: String, at index: Int) {
        let at = max(0, min(index, pieces.count))
        if at < pieces.count { pieces[at].spaced = true }
        pieces.insert(Piece(bytes: 0..<0, inserted: text, spaced: at > 0, isWord: false), at: at)
    }

    mutating func append(_ text: String) { insert(text, at: pieces.count) }

    /// Takes out the pieces at `range`; the piece after them keeps its own spacing.
    mutating func remove(_ range: Range<Int>) {
        pieces.removeSubrange(range.clamped(to: 0..<pieces.count))
    }

    /// The pieces joined, each decoded as `SourceText.text` decodes a token. When every token
    /// is ASCII (decoding it alone then gives its bytes) the bytes are copied into the text
    /// whole; otherwise each token is decoded alone, invalid UTF-8 repaired per token.
    var text: String {
        var count = 0
        for piece in pieces {
            if piece.spaced { count += 1 }
            if let inserted = piece.inserted {
                count += inserted.utf8.count
                continue
            }
            for i in piece.bytes where source[i] >= 0x80 { return textDecodingEachPiece }
            count += piece.bytes.count
        }
        return String(unsafeUninitializedCapacity: count) { out in
            var at = 0
            func put(_ byte: UInt8) {
                out[at] = byte
                at += 1
            }
            for piece in pieces {
                if piece.spaced { put(UInt8(ascii: " ")) }
                if let inserted = piece.inserted {
                    for byte in inserted.utf8 { put(byte) }
                } else {
                    for i in piece.bytes { put(source[i]) }
                }
            }
            return at
        }
    }

    private var textDecodingEachPiece: String {
        var out = ""
        for index in pieces.indices {
            if pieces[index].spaced { out += " " }
            out += piece(index) ?? ""
        }
        return out
    }
}
