/// Cuts a run of tokens into statements at top-level `;`.
///
/// A `;` inside a literal, comment or dollar quote is already inside one token, so only two
/// things need tracking: the `BEGIN ... END` body of `CREATE TRIGGER` (SQLite, and PostgreSQL's
/// SQL-standard `BEGIN ATOMIC ... END` bodies of functions and procedures), where `;` ends the
/// body's inner statements, and `CASE ... END` inside such bodies, whose `END` is not the body's.
public enum StatementSplitter {
    /// The token ranges of the statements in `range`, each from its first to its last non-trivia
    /// token, with the terminating `;` left out. Empty statements (`;;`) are skipped.
    public static func split(_ source: SourceText, in range: Range<Int>? = nil) -> [Range<Int>] {
        let tokens = source.tokens
        let range = range ?? 0..<tokens.count
        var result: [Range<Int>] = []
        var first: Int? = nil        // first non-trivia token of the current statement
        var last = 0                 // last non-trivia token of the current statement
        var words = 0                // leading words seen, to recognise CREATE ... TRIGGER
        var hasBody = false          // this statement may hold a BEGIN ... END body
        var depth = 0                // open BEGIN/CASE inside such a statement
        var previousWasBegin = false

        var i = range.lowerBound
        while i < range.upperBound {
            let token = tokens[i]
            if token.kind.isTrivia { i += 1; continue }
            if token.kind == .semicolon && depth == 0 {
                if let start = first { result.append(start..<(last + 1)) }
                first = nil; words = 0; hasBody = false; depth = 0; previousWasBegin = false
                i += 1
                continue
            }
            if first == nil { first = i }
            last = i
            if token.kind == .word {
                // CREATE [OR REPLACE] [TEMP|TEMPORARY] TRIGGER / FUNCTION / PROCEDURE
                if words < 6 {
                    words += 1
                    if words > 1, source.isWord(tokens[first!], "create"),
                       source.isWord(token, "trigger") || source.isWord(token, "function")
                        || source.isWord(token, "procedure") {
                        hasBody = true
                    }
                }
                if hasBody {
                    if source.isWord(token, "begin") {
                        // In SQLite a trigger body is BEGIN ...; in PostgreSQL only BEGIN ATOMIC
                        // opens one (a plpgsql BEGIN lives inside a dollar quote).
                        if source.dialect == .sqlite { depth += 1 } else { previousWasBegin = true }
                    } else if previousWasBegin, source.isWord(token, "atomic") {
                        depth += 1
                        previousWasBegin = false
                    } else if depth > 0, source.isWord(token, "case") {
                        depth += 1
                    } else if depth > 0, source.isWord(token, "end") {
                        depth -= 1
                    } else {
                        previousWasBegin = false
                    }
                } else {
                    previousWasBegin = false
                }
            } else {
                previousWasBegin = false
            }
            i += 1
        }
        if let start = first { result.append(start..<(last + 1)) }
        return result
    }
}
