import StrataSyntax

/// How a migration's content changed since it was applied.
public struct MigrationEdit: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Statements changed (tokens other than comments and whitespace, or which section a
        /// statement is in): databases migrated before and after the edit differ.
        case sql
        /// A metadata value that changes behaviour (`@dependencies`, `@rollbackSafe`, `@transaction`).
        case behaviourMetadata(key: String, before: String?, after: String?)
        /// What a settings file beside the migration says about running in a transaction
        /// (diesel's `metadata.toml`, Flyway's `.sql.conf`; `down`: a Flyway undo script's own),
        /// in the tool's words (`TransactionSetting.declaration`), nil for no setting. The SQL
        /// and its checksum may be unchanged: the file is not part of them.
        case transactionSetting(down: Bool, before: String?, after: String?)
        /// Only comments, whitespace, line endings or descriptive metadata changed.
        case cosmetic
    }

    public var kind: Kind
    /// Lines of the new content that differ (1-based), or nil when lines were only removed.
    /// For an SQL edit, the lines whose statements changed (a comment edited elsewhere in the
    /// same file is not counted).
    public var changedLines: ClosedRange<Int>?
    /// The line after which lines were removed, when nothing was added in their place.
    public var removedAfterLine: Int?
    /// Where the finding points in the new content: the first changed statement token, the
    /// changed metadata value, or the start of the first changed line.
    public var position: SourcePosition = .start

    /// `lines 12-14`, `line 3`, `lines removed after line 8`.
    public var linesDescription: String {
        if let lines = changedLines {
            return lines.count == 1 ? "line \(lines.lowerBound)" : "lines \(lines.lowerBound)-\(lines.upperBound)"
        }
        return "lines removed after line \(removedAfterLine ?? 0)"
    }

    /// Metadata keys whose value changes what the applier does.
    public static let behaviourKeys: [MetadataKey] = [.dependencies, .rollbackSafe, .transaction]

    /// Compares two parses of the same migration (same layout and dialect); nil when the bytes
    /// are identical.
    public static func classify(before: MigrationFile, after: MigrationFile) -> MigrationEdit? {
        guard let old = before.source, let new = after.source else { return nil }
        guard old.bytes != new.bytes else { return settingsEdit(before: before, after: after, in: new) }
        let lines = changedLines(old.bytes, new.bytes)
        let oldSignature = signature(before), newSignature = signature(after)
        if !oldSignature.map(\.bytes).elementsEqual(newSignature.map(\.bytes)) {
            return sqlEdit(oldSignature, newSignature, in: new)
        }
        for key in behaviourKeys {
            let was = before.value(key.rawValue), now = after.value(key.rawValue)
            if normalized(was, key) != normalized(now, key) {
                var edit = MigrationEdit(kind: .behaviourMetadata(key: key.rawValue, before: was, after: now),
                                         changedLines: lines.changed, removedAfterLine: lines.removedAfter)
                let entry = after.entries(key.rawValue).first
                edit.position = entry?.valueRange.start ?? new.position(at: 0)
                if let entry { edit.changedLines = entry.valueRange.start.line...entry.valueRange.start.line }
                return edit
            }
        }
        if let edit = settingsEdit(before: before, after: after, in: new) { return edit }
        var edit = MigrationEdit(kind: .cosmetic, changedLines: lines.changed, removedAfterLine: lines.removedAfter)
        if let line = lines.changed?.lowerBound ?? lines.removedAfter.map({ $0 + 1 }), line - 1 < new.lineStarts.count {
            edit.position = new.position(at: new.lineStarts[max(0, line - 1)])
        }
        return edit
    }

    /// A change of what the settings files say about running in a transaction (UP's, then a
    /// separate DOWN file's own); it points at the start of the migration's file.
    private static func settingsEdit(before: MigrationFile, after: MigrationFile, in source: SourceText) -> MigrationEdit? {
        let pairs: [(down: Bool, TransactionSetting?, TransactionSetting?)] = [
            (false, before.transactionSetting, after.transactionSetting),
            (true, before.downTransactionSetting, after.downTransactionSetting),
        ]
        for (down, was, now) in pairs where was?.runsInTransaction != now?.runsInTransaction {
            var edit = MigrationEdit(kind: .transactionSetting(down: down, before: was?.declaration, after: now?.declaration),
                                     changedLines: nil, removedAfterLine: nil)
            edit.position = source.position(at: 0)
            return edit
        }
        return nil
    }

    /// An SQL edit: the statement tokens that differ once the common leading and trailing ones
    /// are set aside, and the lines they are on in the new content.
    private static func sqlEdit(_ old: [(bytes: ArraySlice<UInt8>, token: Int)], _ new: [(bytes: ArraySlice<UInt8>, token: Int)],
                                in source: SourceText) -> MigrationEdit {
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix].bytes == new[prefix].bytes { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
              old[old.count - 1 - suffix].bytes == new[new.count - 1 - suffix].bytes { suffix += 1 }
        let first = prefix, last = new.count - 1 - suffix
        func line(_ k: Int) -> Int { source.tokens[new[k].token].start.line }
        if first <= last {
            var edit = MigrationEdit(kind: .sql, changedLines: line(first)...line(last), removedAfterLine: nil)
            edit.position = source.tokens[new[first].token].start
            return edit
        }
        // Tokens were only removed: point at what follows them (or the end of the file).
        if first < new.count {
            var edit = MigrationEdit(kind: .sql, changedLines: line(first)...line(first), removedAfterLine: nil)
            edit.position = source.tokens[new[first].token].start
            return edit
        }
        let after = first > 0 ? line(first - 1) : 0
        var edit = MigrationEdit(kind: .sql, changedLines: nil, removedAfterLine: after)
        edit.position = source.position(at: source.bytes.count)
        return edit
    }

    /// `["a","b"]` and `["a", "b"]` mean the same dependencies.
    private static func normalized(_ value: String?, _ key: MetadataKey) -> String? {
        guard key == .dependencies, let value, let ids = try? MetadataValue.parseDependencies(value) else { return value }
        return ids.joined(separator: "\u{0}")
    }

    /// The significant tokens' bytes and the section markers, in order, with their token index.
    private static func signature(_ file: MigrationFile) -> [(bytes: ArraySlice<UInt8>, token: Int)] {
        guard let source = file.source else { return [] }
        let markerKinds = Dictionary(uniqueKeysWithValues: file.markers.map { ($0.tokenIndex, $0.kind) })
        var result: [(bytes: ArraySlice<UInt8>, token: Int)] = []
        result.reserveCapacity(source.tokens.count / 2)
        for (index, token) in source.tokens.enumerated() {
            if let kind = markerKinds[index] {
                result.append((ArraySlice(Array("-- \(kind.rawValue) MIGRATION".utf8)), index))
            } else if !token.kind.isTrivia {
                result.append((source.bytes[token.byteRange], index))
            }
        }
        return result
    }

    /// The region of lines that differ, after the common first and last lines (CRLF counted as LF).
    static func changedLines(_ old: [UInt8], _ new: [UInt8]) -> (changed: ClosedRange<Int>?, removedAfter: Int?) {
        func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
            bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
                line.last == 0x0D ? line.dropLast() : line
            }
        }
        let a = lines(old), b = lines(new)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let firstChanged = prefix + 1, lastChanged = b.count - suffix
        if lastChanged >= firstChanged { return (firstChanged...lastChanged, nil) }
        if a == b {
            // Only line endings differ: every line is "changed" in bytes, none in text.
            return (1...max(1, b.count), nil)
        }
        return (nil, prefix)
    }
}
