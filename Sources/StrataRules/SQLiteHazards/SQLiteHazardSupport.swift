import StrataCore
import StrataSyntax

/// The significant (non-trivia) tokens of a stretch of SQL, with the few questions the SQLite
/// hazard rules ask of them. Built over a file's tokens, or over a snippet the statement reader
/// kept as text (a DEFAULT expression, a partial index's WHERE), lexed again.
struct SQLiteTokenRun {
    let source: SourceText
    /// Indices into `source.tokens`, trivia left out.
    let indices: [Int]

    init(_ source: SourceText, _ range: Range<Int>) {
        self.source = source
        let lower = max(0, min(range.lowerBound, source.tokens.count))
        let upper = max(lower, min(range.upperBound, source.tokens.count))
        indices = (lower..<upper).filter { !source.tokens[$0].kind.isTrivia }
    }

    /// The tokens of `statement` whose bytes lie inside `bytes` (a column definition, an action).
    init(_ source: SourceText, _ statement: Statement, bytes: Range<Int>) {
        self.source = source
        indices = statement.tokens.clamped(to: 0..<source.tokens.count).filter {
            let token = source.tokens[$0]
            return !token.kind.isTrivia && token.offset >= bytes.lowerBound && token.endOffset <= bytes.upperBound
        }
    }

    /// A snippet of SQL text, lexed on its own.
    init(snippet: String, dialect: Dialect = .sqlite) {
        let source = SourceText(snippet, dialect: dialect)
        self.init(source, 0..<source.tokens.count)
    }

    init(_ source: SourceText, indices: [Int]) {
        self.source = source
        self.indices = indices
    }

    /// The positions `range` of this run as a run of their own.
    func slice(_ range: Range<Int>) -> SQLiteTokenRun {
        SQLiteTokenRun(source, indices: Array(indices[range.clamped(to: 0..<count)]))
    }

    /// The contents of every `keyword (...)` group at the top level (`CHECK (...)`, `AS (...)`).
    func groups(after keyword: StaticString) -> [SQLiteTokenRun] {
        topLevel.filter { isWord($0, keyword) && isPunct($0 + 1, "(") }.map { slice(($0 + 2)..<closing($0 + 1)) }
    }

    var count: Int { indices.count }
    func token(_ p: Int) -> Token { source.tokens[indices[p]] }
    func kind(_ p: Int) -> TokenKind? { p >= 0 && p < count ? token(p).kind : nil }

    func isWord(_ p: Int, _ keyword: StaticString) -> Bool {
        p >= 0 && p < count && source.isWord(token(p), keyword)
    }

    func isPunct(_ p: Int, _ character: Character) -> Bool {
        guard p >= 0, p < count, token(p).kind == .punctuation else { return false }
        return source.text(of: token(p)) == String(character)
    }

    func isOperator(_ p: Int, _ text: String) -> Bool {
        guard p >= 0, p < count, token(p).kind == .operator_ else { return false }
        return source.text(of: token(p)) == text
    }

    func text(_ p: Int) -> String { source.text(of: token(p)) }

    /// The name a word or quoted identifier stands for, lower-cased (SQLite compares names
    /// case-insensitively, quoted or not); nil for any other token.
    func name(_ p: Int) -> String? {
        guard p >= 0, p < count else { return nil }
        let t = token(p)
        switch t.kind {
        case .word:
            return source.text(of: t).lowercased()
        case .quotedIdentifier:
            var text = source.text(of: t)
            guard text.count >= 2 else { return text.lowercased() }
            let quote = text.removeFirst()
            if text.last == (quote == "[" ? "]" : quote) { text.removeLast() }
            if quote != "[" { text = text.replacingOccurrences(of: "\(quote)\(quote)", with: "\(quote)") }
            return text.lowercased()
        default:
            return nil
        }
    }

    /// The position of the `)` closing the `(` at `p` (the last token when unbalanced).
    func closing(_ p: Int) -> Int {
        var depth = 0
        var q = p
        while q < count {
            if isPunct(q, "(") { depth += 1 } else if isPunct(q, ")") {
                depth -= 1
                if depth == 0 { return q }
            }
            q += 1
        }
        return count - 1
    }

    /// Positions outside any parentheses, in order.
    var topLevel: [Int] {
        var out: [Int] = []
        var depth = 0
        for p in 0..<count {
            if isPunct(p, "(") {
                if depth == 0 { out.append(p) }
                depth += 1
            } else if isPunct(p, ")") {
                depth = max(0, depth - 1)
            } else if depth == 0 {
                out.append(p)
            }
        }
        return out
    }

    /// The first top-level word `keyword`, optionally followed by `next`.
    func firstTopLevelWord(_ keyword: StaticString, followedBy next: StaticString? = nil) -> Int? {
        topLevel.first { p in
            guard isWord(p, keyword) else { return false }
            guard let next else { return true }
            return isWord(p + 1, next)
        }
    }

    /// Whether `p` is a name used as a function: a word right before `(`.
    func isFunctionName(_ p: Int) -> Bool { kind(p) == .word && isPunct(p + 1, "(") }

    /// Positions where `column` is named as a column: a word or quoted identifier equal to it
    /// that is neither a function name, nor an alias after `AS`, nor a qualified name whose
    /// qualifier is not one of `qualifiers` (`t.col`, `NEW.col`); `unqualified` says whether a
    /// bare name counts.
    func columnMentions(_ column: String, qualifiers: Set<String>, unqualified: Bool) -> [Int] {
        var out: [Int] = []
        for p in 0..<count where name(p) == column && !isFunctionName(p) {
            if isPunct(p + 1, "."), kind(p + 2) == .word || kind(p + 2) == .quotedIdentifier { continue }  // a qualifier itself
            if isPunct(p - 1, ".") {
                if let qualifier = name(p - 2), qualifiers.contains(qualifier) { out.append(p) }
                continue
            }
            if isWord(p - 1, "as") || isAlias(p) { continue }
            if unqualified { out.append(p) }
        }
        return out
    }

    /// Words after which a name is an operand, not an alias (`SELECT a b` names `b` an alias).
    static let operandKeywords: Set<String> = [
        "select", "distinct", "all", "where", "and", "or", "not", "on", "by", "when", "then", "else",
        "case", "in", "is", "like", "glob", "between", "from", "having", "set", "values", "return",
        "returning", "using", "check", "as", "default", "escape", "collate", "exists", "end", "begin",
        "if", "over", "filter", "partition", "match", "regexp", "cast", "distinct", "into",
    ]

    /// Whether the name at `p` follows a value directly, which makes it an alias (`SELECT x y`,
    /// `(...) y`, `'a' y`).
    private func isAlias(_ p: Int) -> Bool {
        guard p > 0 else { return false }
        switch kind(p - 1) {
        case .string, .number, .blob: return true
        case .punctuation: return isPunct(p - 1, ")")
        case .quotedIdentifier: return true
        case .word: return !Self.operandKeywords.contains(name(p - 1) ?? "")
        default: return false
        }
    }

    /// Whether a table named `table` appears as a name (not a function, not a column's qualifier
    /// or a qualified column).
    func mentionsTable(_ table: String) -> Bool {
        (0..<count).contains { p in
            name(p) == table && !isFunctionName(p) && !isPunct(p + 1, ".") && !(isPunct(p - 1, ".") && !isTableQualifier(p - 2))
        }
    }

    /// `main.t`: a schema name before the dot.
    private func isTableQualifier(_ p: Int) -> Bool {
        guard let n = name(p) else { return false }
        return n == "main" || n == "temp"
    }
}

/// Facts of a file's UP section the SQLite hazard rules share.
enum SQLiteHazards {
    /// The schema just before the statement at `index`: the schema earlier migrations left,
    /// with the statements of this file before `index` replayed on it. (`context.schema` is
    /// the schema after the whole file, which has lost what this file drops.)
    static func fileSchema(_ context: RuleContext, before index: Int) -> SchemaModel {
        var schema = context.schemaBeforeFile
        for statement in context.upStatements.prefix(index) { schema.apply(statement, migration: context.file.id) }
        return schema
    }

    /// The index of the CREATE TABLE of `table` in this file before `index`, if any.
    static func createStatement(of table: String, in context: RuleContext, before index: Int) -> Int? {
        context.upStatements.prefix(index).lastIndex {
            if case .createTable(let create) = $0.kind { return create.name.key == table }
            return false
        }
    }

    /// Whether `table` is created earlier in this file and nothing has put rows in it since:
    /// SQLite checks several ADD COLUMN limits only when the table has rows.
    static func isEmptyNewTable(_ table: ObjectName, in context: RuleContext, before index: Int) -> Bool {
        guard let created = createStatement(of: table.key, in: context, before: index) else { return false }
        if case .createTable(let create) = context.upStatements[created].kind, create.asSelect { return false }
        for statement in context.upStatements[(created + 1)..<index] {
            if case .insert(let insert) = statement.kind, insert.table.key == table.key { return false }
        }
        return true
    }

    /// The value a PRAGMA was last set to in this file before `index` (lower-cased, quotes
    /// dropped), or nil.
    static func pragma(_ name: String, in context: RuleContext, before index: Int) -> String? {
        var value: String?
        for statement in context.upStatements.prefix(index) {
            if case .pragma(let pragma) = statement.kind, pragma.name.lowercased() == name {
                value = pragma.value.lowercased().trimmingCharacters(in: ["'", "\"", " "])
            }
        }
        return value
    }

    static func isOn(_ value: String?) -> Bool { ["on", "1", "true", "yes"].contains(value ?? "") }

    /// What SQLite lacks in an ALTER TABLE action, or nil when SQLite has it. Shared by
    /// `sqlite-alter-unsupported` (which reports it) and `sqlite-pg-only-syntax` (which leaves
    /// such actions to it).
    static func unsupported(_ action: AlterTableAction, versions: DialectVersions) -> String? {
        switch action {
        case .alterColumnType(let column, _, _): return "ALTER COLUMN \(column) TYPE"
        case .setNotNull(let column): return "ALTER COLUMN \(column) SET NOT NULL"
        case .dropNotNull(let column): return "ALTER COLUMN \(column) DROP NOT NULL"
        case .setDefault(let column, _): return "ALTER COLUMN \(column) SET DEFAULT"
        case .dropDefault(let column): return "ALTER COLUMN \(column) DROP DEFAULT"
        case .addConstraint(let constraint):
            return constraint.name.map { "ADD CONSTRAINT \($0)" } ?? "ADD \(constraintLabel(constraint.kind))"
        case .dropConstraint(let name, _, _): return "DROP CONSTRAINT \(name)"
        case .renameConstraint(let from, _): return "RENAME CONSTRAINT \(from)"
        case .validateConstraint(let name): return "VALIDATE CONSTRAINT \(name)"
        case .addColumn(let column, let ifNotExists):
            return ifNotExists ? "ADD COLUMN IF NOT EXISTS \(column.name)" : nil
        case .dropColumn(let column, let ifExists, let cascade):
            if versions.sqlite < SQLiteVersion(3, 35) { return "DROP COLUMN \(column) before SQLite 3.35" }
            if ifExists { return "DROP COLUMN IF EXISTS \(column)" }
            if cascade { return "DROP COLUMN \(column) CASCADE" }
            return nil
        case .renameColumn(let from, _):
            return versions.sqlite < SQLiteVersion(3, 25) ? "RENAME COLUMN \(from) before SQLite 3.25" : nil
        case .renameTable:
            return nil
        case .other(let label):
            let first = label.split(separator: " ").first.map(String.init) ?? ""
            // ADD, DROP and RENAME the reader could not follow are left alone: unsure.
            guard !label.isEmpty, !["add", "drop", "rename"].contains(first) else { return nil }
            return label.uppercased()
        }
    }

    private static func constraintLabel(_ kind: TableConstraintKind) -> String {
        switch kind {
        case .primaryKey: "PRIMARY KEY"
        case .unique: "UNIQUE"
        case .foreignKey: "FOREIGN KEY"
        case .check: "CHECK"
        case .other(let word): word.isEmpty ? "CONSTRAINT" : word.uppercased()
        }
    }

    /// The byte ranges of ALTER TABLE actions (and whole statements, for `IF EXISTS`/`ONLY`)
    /// `sqlite-alter-unsupported` reports, so other rules do not report inside them again.
    static func unsupportedAlterRanges(_ context: RuleContext) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        for statement in context.upStatements {
            guard case .alterTable(let alter) = statement.kind else { continue }
            if alter.ifExists || alter.only { ranges.append(statement.range.byteRange) }
            for (index, (action, range)) in alter.actions.enumerated()
            where index > 0 || unsupported(action, versions: context.versions) != nil {
                ranges.append(range.byteRange)
            }
        }
        return ranges
    }

    /// The range of one token, for a finding that starts at it.
    static func range(of token: Token, in source: SourceText) -> SourceRange {
        SourceRange(start: token.start, end: source.position(at: token.endOffset))
    }
}
