/// Cuts a run of tokens into statements at top-level `;`.
///
/// A `;` inside a literal, comment or dollar quote is already inside one token, so only bodies
/// need tracking, and only in statements that start like one that has a body:
///
/// - SQLite `CREATE [TEMP|TEMPORARY] TRIGGER ... BEGIN stmt; ... END`: the body opens at `BEGIN`
///   and closes at an `END` that directly follows a `;` (or the `BEGIN`), which is how SQLite's
///   own `sqlite3_complete` decides. `BEGIN` and `END` are ordinary column names in SQLite
///   (`SET end = 1`), and `CASE ... END` never follows a `;`, so counting them would go wrong.
/// - PostgreSQL `CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC stmt; ... END`: `END`
///   is reserved there, so `BEGIN ATOMIC` and `CASE` open and `END` closes, counted (as psql does).
///   A plpgsql `BEGIN` lives inside a dollar quote and is never seen.
public enum StatementSplitter {
    /// The token ranges of the statements in `range`, each from its first to its last non-trivia
    /// token, with the terminating `;` left out. Empty statements (`;;`) are skipped.
    public static func split(_ source: SourceText, in range: Range<Int>? = nil) -> [Range<Int>] {
        let tokens = source.tokens
        let range = range ?? 0..<tokens.count
        let sqlite = source.dialect == .sqlite
        var result: [Range<Int>] = []
        var first = -1               // first non-trivia token of the current statement, or -1
        var last = 0                 // last non-trivia token of the current statement
        var header = Header.start    // how far CREATE [OR REPLACE|TEMP] TRIGGER/FUNCTION has been seen
        var hasBody = false          // the statement may hold a body
        var depth = 0                // open BEGIN/CASE of a body; while > 0, `;` ends nothing
        var previousWasBegin = false // the previous non-trivia token was the word BEGIN
        var previousWasSemicolon = false

        for i in range {
            let token = tokens[i]
            let kind = token.kind
            if kind.isTrivia { continue }
            if kind == .semicolon {
                if depth == 0 {
                    if first >= 0 { result.append(first..<(last + 1)) }
                    first = -1; header = .start; hasBody = false; previousWasBegin = false
                    continue
                }
                last = i
                previousWasBegin = false; previousWasSemicolon = true
                continue
            }
            if first < 0 { first = i }
            last = i
            guard kind == .word else {
                header = .done; previousWasBegin = false; previousWasSemicolon = false
                continue
            }
            if header != .done {
                switch header {
                case .start:
                    header = source.isWord(token, "create") ? .modifiers : .done
                case .modifiers:
                    if sqlite {
                        if source.isWord(token, "trigger") {
                            hasBody = true; header = .done
                        } else if !source.isWord(token, "temp") && !source.isWord(token, "temporary") {
                            header = .done
                        }
                    } else {
                        if source.isWord(token, "function") || source.isWord(token, "procedure") {
                            hasBody = true; header = .done
                        } else if !source.isWord(token, "or") && !source.isWord(token, "replace") {
                            header = .done
                        }
                    }
                case .done:
                    break
                }
                previousWasBegin = false; previousWasSemicolon = false
                continue
            }
            var isBegin = false
            if hasBody {
                if sqlite {
                    if depth == 0 {
                        if source.isWord(token, "begin") { depth = 1; isBegin = true }
                    } else if previousWasSemicolon || previousWasBegin, source.isWord(token, "end") {
                        depth = 0
                    }
                } else if source.isWord(token, "begin") {
                    isBegin = true
                } else if previousWasBegin, source.isWord(token, "atomic") {
                    depth += 1
                } else if depth > 0 {
                    if source.isWord(token, "case") {
                        depth += 1
                    } else if source.isWord(token, "end") {
                        depth -= 1
                    }
                }
            }
            previousWasBegin = isBegin; previousWasSemicolon = false
        }
        if first >= 0 { result.append(first..<(last + 1)) }
        return result
    }

    private enum Header { case start, modifiers, done }
}
