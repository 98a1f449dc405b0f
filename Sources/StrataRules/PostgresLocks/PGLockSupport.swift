import StrataCore
import StrataSyntax

/// The significant tokens (no trivia, no `;`) of a statement, or of part of one, read the way
/// the PostgreSQL lock rules need when the statement reader has no fact for it (VACUUM, CLUSTER,
/// REINDEX, DETACH PARTITION ... CONCURRENTLY).
struct PGLockTokens {
    let source: SourceText
    let indices: [Int]
    var position = 0

    init(_ statement: Statement, _ source: SourceText, within bytes: Range<Int>? = nil) {
        self.source = source
        let all = source.tokens
        let lower = max(0, min(statement.tokens.lowerBound, all.count))
        let upper = max(lower, min(statement.tokens.upperBound, all.count))
        if let bytes {
            // Found by binary search: an action of a long ALTER TABLE is a few of its tokens.
            indices = source.significantTokens(startingIn: bytes, of: lower..<upper)
            return
        }
        var found: [Int] = []
        found.reserveCapacity(upper - lower)
        for i in lower..<upper where !all[i].kind.isTrivia && all[i].kind != .semicolon { found.append(i) }
        indices = found
    }

    var atEnd: Bool { position >= indices.count }

    func token(_ ahead: Int = 0) -> Token? {
        let k = position + ahead
        return k < indices.count ? source.tokens[indices[k]] : nil
    }

    func isWord(_ keyword: StaticString, ahead: Int = 0) -> Bool {
        token(ahead).map { source.isWord($0, keyword) } ?? false
    }

    func isPunct(_ character: UInt8, ahead: Int = 0) -> Bool {
        guard let t = token(ahead), t.kind == .punctuation, t.length == 1 else { return false }
        return source.bytes[t.offset] == character
    }

    var isIdentifier: Bool { token().map { $0.kind == .word || $0.kind == .quotedIdentifier } ?? false }

    mutating func advance() { position += 1 }

    mutating func accept(_ keyword: StaticString) -> Bool {
        guard isWord(keyword) else { return false }
        advance()
        return true
    }

    /// At `(`: moves past its matching `)`; anywhere else: past one token.
    mutating func skipGroup() {
        guard isPunct(UInt8(ascii: "(")) else { advance(); return }
        var depth = 0
        while let t = token() {
            if t.kind == .punctuation, t.length == 1 {
                let b = source.bytes[t.offset]
                if b == UInt8(ascii: "(") { depth += 1 } else if b == UInt8(ascii: ")") { depth -= 1 }
            }
            advance()
            if depth == 0 { return }
        }
    }

    /// Whether the word `keyword` appears anywhere among the tokens (strings, comments and
    /// quoted names never count: they are not words).
    func contains(_ keyword: StaticString) -> Bool {
        indices.contains { source.isWord(source.tokens[$0], keyword) }
    }

    /// The name a token stands for: unquoted words lower-cased, quoted ones unquoted.
    func identifier(ahead: Int = 0) -> String? {
        guard let t = token(ahead) else { return nil }
        let text = source.text(of: t)
        switch t.kind {
        case .word:
            return text.lowercased()
        case .quotedIdentifier:
            guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
            return String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        default:
            return nil
        }
    }

    /// `name` or `schema.name` (a leading database part is dropped).
    mutating func objectName() -> ObjectName? {
        guard isIdentifier, let first = token() else { return nil }
        var parts: [String] = []
        var last = first
        while isIdentifier, let part = identifier(), let t = token() {
            parts.append(part)
            last = t
            advance()
            guard isPunct(UInt8(ascii: ".")), token(1).map({ $0.kind == .word || $0.kind == .quotedIdentifier }) == true else { break }
            advance()
        }
        let range = SourceRange(start: first.start, end: source.position(at: last.endOffset))
        return ObjectName(schema: parts.count >= 2 ? parts[parts.count - 2] : nil, name: parts[parts.count - 1], range: range)
    }
}

/// What the PostgreSQL lock rules share.
enum PGLock {
    /// The skip note a lock or rewrite rule returns when `table` holds no production data yet at
    /// statement `index`, else nil (the rule goes on).
    static func skip(_ rule: String, _ context: RuleContext, table: ObjectName, statement index: Int,
                     at range: SourceRange) -> Violation? {
        newTableReason(table, context, before: index).map { context.skipped(rule, at: range, reason: $0) }
    }

    /// `context.newTableReason`, and also a materialized view created earlier in the file, or a
    /// table that a new table was renamed to earlier in the file (`CREATE TABLE t_new ...; DROP
    /// TABLE t; ALTER TABLE t_new RENAME TO t;`): until the transaction commits no other session
    /// sees them, so their locks block no one.
    static func newTableReason(_ table: ObjectName, _ context: RuleContext, before index: Int) -> String? {
        if let reason = context.newTableReason(table, beforeStatement: index) { return reason }
        // The last statement before `index` that makes `table` a materialized view or renames
        // another table to it decides.
        // Most files neither rename a table nor create a materialized view: no need to look.
        guard !context.upFeatures.isDisjoint(with: [.renameTable, .createMaterializedView]),
              let event = namings(context)[table.key]?.last(where: { $0.index < index }) else { return nil }
        guard let renamed = event.renamedFrom else { return "\(table) is a materialized view created earlier in this file" }
        if newTableReason(renamed, context, before: event.index) != nil {
            return "\(table) is a table created earlier in this file (as \(renamed)) and renamed"
        }
        return nil
    }

    /// By table key, in file order: the statements of the UP section that create a
    /// materialized view of that name (`renamedFrom` nil) or rename another table to it.
    private static func namings(_ context: RuleContext) -> [String: [(index: Int, renamedFrom: ObjectName?)]] {
        context.memo.value(NamingsKey.self) {
            var found: [String: [(index: Int, renamedFrom: ObjectName?)]] = [:]
            for (i, statement) in context.upStatements.enumerated() {
                switch statement.kind {
                case .other("create materialized view"):
                    var t = PGLockTokens(statement, context.source)
                    t.position = 3  // CREATE MATERIALIZED VIEW
                    if t.isWord("if") { t.position += 3 }  // IF NOT EXISTS
                    if let name = t.objectName() { found[name.key, default: []].append((i, nil)) }
                case .alterTable(let alter):
                    for (action, _) in alter.actions {
                        guard case .renameTable(let to) = action, alter.name.key != to.key else { continue }
                        found[to.key, default: []].append((i, alter.name))
                        break
                    }
                default:
                    break
                }
            }
            return found
        }
    }

    private enum NamingsKey {}

    /// Whether an earlier statement of the file empties `table` (TRUNCATE, or DELETE without WHERE).
    static func emptied(_ table: ObjectName, _ context: RuleContext, before index: Int) -> Bool {
        context.upStatements.prefix(index).contains { statement in
            switch statement.kind {
            case .truncate(let truncate): return truncate.tables.contains { $0.key == table.key }
            case .delete(let change): return change.table.key == table.key && !change.hasWhere
            default: return false
            }
        }
    }

    /// The table an index is on, when this file or the schema model can tell: a CREATE INDEX of
    /// that name earlier in the file, else the schema's index of that name (one this file
    /// re-creates, or one it does not drop).
    static func table(ofIndex name: ObjectName, _ context: RuleContext, before index: Int) -> ObjectName? {
        for statement in context.upStatements.prefix(index).reversed() {
            if case .createIndex(let create) = statement.kind, create.name?.key == name.key { return create.table }
        }
        guard let key = context.schema.index(named: name.key)?.table else { return nil }
        // Split at the first dot by bytes (a key is `name` or `schema.name`).
        guard let dot = key.utf8.firstIndex(of: UInt8(ascii: ".")) else { return ObjectName(name: key, range: name.range) }
        return ObjectName(schema: String(key[..<dot]), name: String(key[key.utf8.index(after: dot)...]), range: name.range)
    }

    /// The functions an expression calls, lower-cased, without schema (`public.gen_random_uuid()`
    /// is `gen_random_uuid`); text inside string literals and quoted names is skipped.
    static func functionCalls(in expression: String) -> [String] {
        var calls: [String] = []
        let chars = Array(expression.unicodeScalars)
        var i = 0
        func isStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isPart(_ c: Unicode.Scalar) -> Bool { isStart(c) || ("0"..."9").contains(c) || c == "$" }
        while i < chars.count {
            let c = chars[i]
            if c == "'" || c == "\"" {
                i += 1
                while i < chars.count {
                    if chars[i] == c {
                        if i + 1 < chars.count, chars[i + 1] == c { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
            } else if isStart(c) {
                var word = ""
                while i < chars.count, isPart(chars[i]) || chars[i] == "." {
                    word.unicodeScalars.append(chars[i])
                    i += 1
                }
                var j = i
                while j < chars.count, chars[j] == " " { j += 1 }
                if j < chars.count, chars[j] == "(" {
                    calls.append(String(word.lowercased().split(separator: ".").last ?? ""))
                }
            } else {
                i += 1
            }
        }
        return calls
    }

    /// Whether a DEFAULT expression is only NULL (`NULL`, `NULL::text`, `(NULL)`).
    static func isNullDefault(_ expression: String) -> Bool { SchemaModel.isNullDefault(expression) }

    /// Whether a column type is one of PostgreSQL's serial pseudo-types.
    static func isSerial(_ type: String?) -> Bool {
        guard let type = type?.lowercased() else { return false }
        let base = type.hasPrefix("pg_catalog.") ? String(type.dropFirst("pg_catalog.".count)) : type
        return ["serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"].contains(base)
    }
}

/// Example files for the PostgreSQL lock rules.
enum PGLockExample {
    /// A strata-layout file whose header says `@transaction: false`.
    static func noTransaction(_ up: String, down: String = "SELECT 1;") -> String {
        ExampleFile.migration(up, down: down).replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: false\n-- UP MIGRATION")
    }

    /// A strata-layout file whose header says `@transaction: true`.
    static func declaringTransaction(_ up: String, down: String = "SELECT 1;") -> String {
        ExampleFile.migration(up, down: down).replacingOccurrences(of: "-- UP MIGRATION", with: "-- @transaction: true\n-- UP MIGRATION")
    }

    /// An earlier migration that creates `sql`'s tables, so an example's table is an existing one.
    static func base(_ sql: String) -> [(fileName: String, sql: String)] {
        [("0001_base.sql", ExampleFile.migration(sql))]
    }
}

/// What a REINDEX statement (`.other("reindex")`) says:
/// `REINDEX [(options)] {INDEX | TABLE | SCHEMA | DATABASE | SYSTEM} [CONCURRENTLY] [name]`.
struct PGLockReindex {
    /// `index`, `table`, `schema`, `database` or `system`; "" when unreadable.
    var kind: String
    var concurrently: Bool
    var name: ObjectName?

    init?(_ statement: Statement, _ source: SourceText) {
        guard case .other(let label) = statement.kind, label == "reindex" else { return nil }
        var t = PGLockTokens(statement, source)
        t.advance()  // REINDEX
        concurrently = false
        if t.isPunct(UInt8(ascii: "(")) {
            // PostgreSQL 14's option list: `(CONCURRENTLY [boolean], VERBOSE, TABLESPACE x)`.
            var options = t
            options.advance()
            t.skipGroup()
            while options.position < t.position - 1 {
                if options.accept("concurrently") {
                    let off = options.isWord("false") || options.isWord("off")
                        || (options.token()?.kind == .number && options.token().map { source.text(of: $0) } == "0")
                    if !off { concurrently = true }
                } else {
                    options.advance()
                }
            }
        }
        kind = t.identifier() ?? ""
        t.advance()
        if t.accept("concurrently") { concurrently = true }
        name = t.objectName()
    }
}

/// One ALTER TABLE action of the UP section, with where it is. A class: every lock rule walks
/// the same list (`PGLock.alterActions`), and a reference is all a walk copies.
final class PGLockAction: Sendable {
    let index: Int
    let statement: Statement
    let table: ObjectName
    let action: AlterTableAction
    let range: SourceRange
    /// The position of the action within its statement.
    let position: Int

    init(index: Int, statement: Statement, table: ObjectName, action: AlterTableAction, range: SourceRange, position: Int) {
        self.index = index
        self.statement = statement
        self.table = table
        self.action = action
        self.range = range
        self.position = position
    }
}

extension PGLock {
    /// Every ALTER TABLE action of the UP section, in order.
    static func alterActions(_ context: RuleContext) -> [PGLockAction] {
        context.memo.value(AlterActionsKey.self) { readAlterActions(context) }
    }

    private enum AlterActionsKey {}

    private static func readAlterActions(_ context: RuleContext) -> [PGLockAction] {
        var out: [PGLockAction] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind else { continue }
            for (position, (action, range)) in alter.actions.enumerated() {
                out.append(PGLockAction(index: index, statement: statement, table: alter.name, action: action,
                                        range: range, position: position))
            }
        }
        return out
    }

    /// The findings `finding` makes of the ALTER TABLE actions, on tables that may hold data; on new
    /// tables it leaves the skip note instead, unless `onNewTable` turns the finding into one
    /// that still holds there (a lock the action takes on another table).
    /// (`onNewTable` is not optional so that it stays non-escaping: a closure that escapes
    /// copies the whole `RuleContext` it captures, for every file.)
    static func checkActions(_ rule: String, _ context: RuleContext,
                             onNewTable: (PGLockAction, Violation) -> Violation? = { _, _ in nil },
                             _ finding: (PGLockAction) -> Violation?) -> [Violation] {
        var violations: [Violation] = []
        for action in alterActions(context) {
            guard let violation = finding(action) else { continue }
            if let note = skip(rule, context, table: action.table, statement: action.index, at: violation.range) {
                violations.append(onNewTable(action, violation) ?? note)
            } else {
                violations.append(violation)
            }
        }
        return violations
    }
}
