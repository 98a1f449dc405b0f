/// Reads what a statement is (see `StatementKind`). Placeholder: replaced by the real reader.
public enum StatementReader {
    public static func read(_ source: SourceText, tokens: Range<Int>) -> Statement {
        let first = source.tokens[tokens.lowerBound]
        let last = source.tokens[tokens.upperBound - 1]
        let end = source.position(at: last.endOffset)
        return Statement(kind: .other(source.text(of: first).lowercased()),
                         range: SourceRange(start: first.start, end: end), tokens: tokens)
    }
}
