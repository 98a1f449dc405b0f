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
struct SQLFragment {
    private struct Piece {
        var text: String
        var spaced: Bool
        var isWord: Bool
    }

    private var pieces: [Piece]

    /// The tokens of `statement` that start in `bytes` (the whole statement when nil), trivia
    /// left out. A `;` inside (a trigger's body) stays; the statement's own end is not in its range.
    init(_ source: SourceText, _ statement: Statement, bytes: Range<Int>? = nil) {
        let bytes = bytes ?? statement.range.byteRange
        var previousEnd: Int? = nil
        pieces = []
        var i = source.firstToken(startingAtOrAfter: bytes.lowerBound, in: statement.tokens)
        let end = min(statement.tokens.upperBound, source.tokens.count)
        while i < end, source.tokens[i].offset < bytes.upperBound {
            let token = source.tokens[i]
            i += 1
            guard !token.kind.isTrivia else { continue }
            pieces.append(Piece(text: source.text(of: token), spaced: previousEnd.map { token.offset > $0 } ?? false,
                                isWord: token.kind == .word))
            previousEnd = token.endOffset
        }
    }

    var isEmpty: Bool { pieces.isEmpty }

    /// The position of the first bare word `word` (ASCII case ignored), if any.
    func firstWord(_ word: String) -> Int? {
        pieces.firstIndex { $0.isWord && $0.text.lowercased() == word }
    }

    /// The text of the piece at `index`, if there is one.
    func piece(_ index: Int) -> String? {
        index >= 0 && index < pieces.count ? pieces[index].text : nil
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

    /// Whether the piece at `index` is the bare word `word`.
    func isWord(_ word: String, at index: Int) -> Bool {
        index >= 0 && index < pieces.count && pieces[index].isWord && pieces[index].text.lowercased() == word
    }

    /// Puts `text` before the piece at `index` (at the end when `index` is the count), with a
    /// space on either side.
    mutating func insert(_ text: String, at index: Int) {
        let at = max(0, min(index, pieces.count))
        if at < pieces.count { pieces[at].spaced = true }
        pieces.insert(Piece(text: text, spaced: at > 0, isWord: false), at: at)
    }

    mutating func append(_ text: String) { insert(text, at: pieces.count) }

    /// Takes out the pieces at `range`; the piece after them keeps its own spacing.
    mutating func remove(_ range: Range<Int>) {
        pieces.removeSubrange(range.clamped(to: 0..<pieces.count))
    }

    var text: String {
        var out = ""
        for piece in pieces {
            if piece.spaced { out += " " }
            out += piece.text
        }
        return out
    }
}
