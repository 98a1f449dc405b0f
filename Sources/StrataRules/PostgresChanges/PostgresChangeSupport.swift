import Foundation
import StrataCore
import StrataSyntax

/// Shared reading for the PostgreSQL change rules: the statement facts the reader does not
/// model (ALTER TYPE, CREATE VIEW / SCHEMA / TYPE names), what the applier does with the file's
/// transaction, and what happened earlier or later in the same UP section.
enum PostgresChangeSupport {
    // MARK: Tokens

    /// The statement's non-trivia token indices, in order.
    static func significant(_ statement: Statement, in source: SourceText) -> [Int] {
        let upper = min(statement.tokens.upperBound, source.tokens.count)
        let lower = min(statement.tokens.lowerBound, upper)
        return (lower..<upper).filter { !source.tokens[$0].kind.isTrivia && source.tokens[$0].kind != .semicolon }
    }

    /// The element at `index`, or nil past either end.
    static func element(_ array: [Int], _ index: Int) -> Int? { array.indices.contains(index) ? array[index] : nil }

    /// Whether the token at `index` is the word `keyword` (lower case).
    static func isWord(_ source: SourceText, _ index: Int?, _ keyword: StaticString) -> Bool {
        guard let index, index < source.tokens.count else { return false }
        return source.isWord(source.tokens[index], keyword)
    }

    /// The name a word or quoted identifier stands for (words folded to lower case, quotes
    /// removed); nil for any other token.
    static func identifier(_ source: SourceText, _ index: Int) -> String? {
        let token = source.tokens[index]
        let text = source.text(of: token)
        switch token.kind {
        case .word:
            // PostgreSQL folds only ASCII letters, as the statement reader does.
            return String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        case .quotedIdentifier:
            guard text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 else { return nil }
            return String(text.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        default:
            return nil
        }
    }

    /// The value of a plain `'...'` string literal; nil for any other token (E'', U&'', $$).
    static func stringValue(_ source: SourceText, _ index: Int) -> String? {
        let token = source.tokens[index]
        guard token.kind == .string else { return nil }
        let text = source.text(of: token)
        guard text.hasPrefix("'"), text.hasSuffix("'"), text.count >= 2 else { return nil }
        return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
    }

    /// A possibly schema-qualified name starting at `words[at]`: its model key (the `public`
    /// schema dropped, as `ObjectName.key` does) and the position after it.
    static func objectKey(_ source: SourceText, _ words: [Int], at start: Int) -> (key: String, next: Int)? {
        guard start < words.count, var name = identifier(source, words[start]) else { return nil }
        var next = start + 1
        if next + 1 < words.count, source.tokens[words[next]].kind == .punctuation,
           source.text(of: source.tokens[words[next]]) == ".", let part = identifier(source, words[next + 1]) {
            name = name == "public" ? part : "\(name).\(part)"
            next += 2
        }
        return (name, next)
    }

    /// The range of one token.
    static func range(of index: Int, in source: SourceText) -> SourceRange {
        let token = source.tokens[index]
        return SourceRange(start: token.start, end: source.position(at: token.endOffset))
    }

    // MARK: The applier's transaction

    /// Whether the applier runs this file inside one transaction (`MigrationFile`'s answer,
    /// the one the applier itself uses).
    static func runsInTransaction(_ context: RuleContext) -> Bool { context.file.nonTransactionalReason == nil }

    // MARK: Earlier and later in the file

    /// Whether column `column` of `table` is added by an ADD COLUMN earlier in this UP section.
    static func columnAddedEarlier(_ context: RuleContext, table: ObjectName, column: String, before index: Int) -> Bool {
        guard let first = columnEvents(context).added[ColumnKey(table: table.key, column: column)]?.first else { return false }
        return first < index
    }

    /// A column of a table, as the per-file indexes below key it.
    struct ColumnKey: Hashable {
        var table: String
        var column: String
    }

    /// Where the UP section adds columns and renames columns to a name, by table and column
    /// (statement indices, in order): rules ask per statement, and a scan each time would
    /// make a file of many ALTERs quadratic.
    static func columnEvents(_ context: RuleContext) -> (added: [ColumnKey: [Int]], renamedTo: [ColumnKey: [Int]]) {
        context.memo.value(ColumnEventsKey.self) {
            var added: [ColumnKey: [Int]] = [:], renamedTo: [ColumnKey: [Int]] = [:]
            guard context.upFeatures.isDisjoint(with: [.addColumn, .renameColumn]) == false else { return (added, renamedTo) }
            for (index, statement) in context.upStatements.enumerated() {
                guard case .alterTable(let alter) = statement.kind else { continue }
                let table = alter.name.key
                for (action, _) in alter.actions {
                    switch action {
                    case .addColumn(let column, _): added[ColumnKey(table: table, column: column.name.name), default: []].append(index)
                    case .renameColumn(_, let to): renamedTo[ColumnKey(table: table, column: to.name), default: []].append(index)
                    default: break
                    }
                }
            }
            return (added, renamedTo)
        }
    }

    private enum ColumnEventsKey {}

    /// Why the statement at `index` touches nothing running code already uses: `table` is new
    /// (created earlier in this file or new on the branch), or its column `column` is added
    /// earlier in this file.
    static func newReason(_ context: RuleContext, table: ObjectName, column: String? = nil, before index: Int) -> String? {
        if let reason = newTableReason(context, table, before: index) { return reason }
        if let column, columnAddedEarlier(context, table: table, column: column, before: index) {
            return "column \(column) of \(table) is added earlier in this file"
        }
        return nil
    }

    /// `context.newTableReason`, also for a table renamed by this statement (`renamedTo`) or
    /// later in the file: the schema model knows a table only under the name it has once the UP
    /// section has run, so the migration that created it is looked up under that name.
    static func newTableReason(_ context: RuleContext, _ table: ObjectName, renamedTo: ObjectName? = nil, before index: Int) -> String? {
        if let reason = context.newTableReason(table, beforeStatement: index) { return reason }
        if selectsIntoEarlier(context, key: table.key, before: index) { return "\(table) is created earlier in this file" }
        guard let history = context.history else { return nil }
        var key = renamedTo?.key ?? table.key
        for statement in context.upStatements.dropFirst(index + 1) {
            guard case .alterTable(let alter) = statement.kind, alter.name.key == key else { continue }
            for (action, _) in alter.actions {
                if case .renameTable(let to) = action { key = to.key }
            }
        }
        if let created = context.schema.tables[key]?.createdBy, created != context.file.id, history.isNew(created) {
            return "\(table) is created by \(created), which is new on this branch"
        }
        return nil
    }

    /// Whether `SELECT ... INTO [TEMP|TEMPORARY|UNLOGGED] [TABLE] name` creates table `key`
    /// before the statement at `index`.
    static func selectsIntoEarlier(_ context: RuleContext, key: String, before index: Int) -> Bool {
        let source = context.source
        for statement in context.upStatements.prefix(index) {
            guard case .other(let words) = statement.kind, words == "select" else { continue }
            let tokens = significant(statement, in: source)
            guard let into = tokens.firstIndex(where: { isWord(source, $0, "into") }) else { continue }
            var at = into + 1
            while let token = element(tokens, at), isWord(source, token, "temp") || isWord(source, token, "temporary")
                    || isWord(source, token, "unlogged") || isWord(source, token, "table") {
                at += 1
            }
            if objectKey(source, tokens, at: at)?.key == key { return true }
        }
        return false
    }

    /// Whether a table or view named `key` is created, or something renamed to it, after the
    /// statement at `index`: the old name keeps resolving for running code.
    static func nameReestablished(_ context: RuleContext, key: String, after index: Int, byCreateTable: Bool = true) -> Bool {
        let source = context.source
        for statement in context.upStatements.dropFirst(index + 1) {
            switch statement.kind {
            case .createTable(let create):
                if byCreateTable, create.name.key == key { return true }
            case .alterTable(let alter):
                for (action, _) in alter.actions {
                    if case .renameTable(let to) = action, to.key == key { return true }
                }
            case .other(let words) where words == "create view" || words == "create materialized view":
                let tokens = significant(statement, in: source)
                // CREATE [OR REPLACE] [TEMP] [RECURSIVE] [MATERIALIZED] VIEW [IF NOT EXISTS] name
                guard let view = tokens.firstIndex(where: { isWord(source, $0, "view") }) else { continue }
                var at = view + 1
                if isWord(source, element(tokens, at), "if"), isWord(source, element(tokens, at + 1), "not"),
                   isWord(source, element(tokens, at + 2), "exists") { at += 3 }
                if objectKey(source, tokens, at: at)?.key == key { return true }
            default:
                break
            }
        }
        return false
    }

    /// Whether another column of `table` is renamed to `column` after the statement at `index`
    /// (the swap that replaces a column by a rebuilt copy): the name keeps resolving.
    static func columnNameReestablished(_ context: RuleContext, table: ObjectName, column: String, after index: Int) -> Bool {
        guard let last = columnEvents(context).renamedTo[ColumnKey(table: table.key, column: column)]?.last else { return false }
        return last > index
    }

    /// Whether `CREATE <kind> name` (kind `schema`, `type`) runs before the statement at `index`.
    static func createdEarlier(_ context: RuleContext, kind: String, key: String, before index: Int) -> Bool {
        let source = context.source
        for statement in context.upStatements.prefix(index) {
            guard case .other(let words) = statement.kind, words == "create \(kind)" else { continue }
            let tokens = significant(statement, in: source)
            var at = 2
            if isWord(source, element(tokens, at), "if"), isWord(source, element(tokens, at + 1), "not"),
               isWord(source, element(tokens, at + 2), "exists") { at += 3 }
            if objectKey(source, tokens, at: at)?.key == key { return true }
        }
        return false
    }

    // MARK: Types

    /// A column type as the reader writes it, without `pg_catalog.` and array suffixes.
    static func baseType(_ type: String?) -> String? {
        guard let type else { return nil }
        // Bytes, not characters: every column of every file comes through here.
        var bytes = Array(type.utf8)
        let prefix = Array("pg_catalog.".utf8)
        if bytes.starts(with: prefix) { bytes.removeFirst(prefix.count) }
        if let bracket = bytes.firstIndex(of: UInt8(ascii: "[")) { bytes.removeSubrange(bracket...) }
        let array = Array(" array".utf8)
        if bytes.count >= array.count, bytes.suffix(array.count).elementsEqual(array) { bytes.removeLast(array.count) }
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes.removeLast() }
        let start = bytes.firstIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") } ?? bytes.endIndex
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    /// Every column definition that chooses a type in a CREATE TABLE or ADD COLUMN of the UP
    /// section, with the table and the statement's index.
    static func definedColumns(_ context: RuleContext) -> [(table: ObjectName, column: ColumnDefinition, index: Int)] {
        var found: [(table: ObjectName, column: ColumnDefinition, index: Int)] = []
        for (index, statement) in context.upStatements.enumerated() {
            switch statement.kind {
            case .createTable(let create):
                for column in create.columns { found.append((create.name, column, index)) }
            case .alterTable(let alter):
                for (action, _) in alter.actions {
                    if case .addColumn(let column, _) = action { found.append((alter.name, column, index)) }
                }
            default:
                break
            }
        }
        return found
    }

    /// Every ALTER COLUMN ... TYPE of the UP section.
    static func typeChanges(_ context: RuleContext) -> [(table: ObjectName, column: ColumnName, type: String, index: Int)] {
        var found: [(table: ObjectName, column: ColumnName, type: String, index: Int)] = []
        for (index, statement) in context.upStatements.enumerated() {
            guard case .alterTable(let alter) = statement.kind else { continue }
            for (action, _) in alter.actions {
                if case .alterColumnType(let column, let type, _) = action { found.append((alter.name, column, type, index)) }
            }
        }
        return found
    }
}

