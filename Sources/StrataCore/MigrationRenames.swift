import StrataSyntax

/// Which migrations new on a branch are applied ones under another name.
///
/// A migration counts as renamed only when its SQL is unchanged: the same checksum as the
/// applier records (`ChecksumText`), or the same tokens once comments and whitespace are set
/// aside, each statement in the same section (UP or DOWN). Metadata lives in comments, so a
/// rename that also rewrites `@name` is still a rename (a behaviour key such as `@transaction`
/// changed on the way is then `edited-applied-migration`'s to report). Anything else is a
/// deletion plus a new migration. Similarity is not enough: migrations are written from one
/// template (`strata new`, or a copy of the last file), so two different ones are often more
/// alike than not.
public enum MigrationRenames {
    /// New id → applied id, one to one. `gone` are applied migrations whose id is no longer
    /// present (their content as applied), `added` the migrations whose id was not applied.
    /// Among several equal candidates, one with the same number is taken first, then one with
    /// the same name after the number, then the first by id: two applied files of the same SQL
    /// and one new file make one rename and one deletion.
    public static func pair(gone: [MigrationInput], added: [MigrationInput], layout: any MigrationLayout,
                            dialect: Dialect) -> [String: String] {
        guard !gone.isEmpty, !added.isEmpty else { return [:] }
        let gone = gone.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        let added = added.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        var pairs: [String: String] = [:]
        var taken = Set<String>()

        /// Pairs by `key` (equal keys are candidates), confirmed by `same`, best names first.
        func match<Key: Hashable>(_ key: (MigrationInput) -> Key, same: (MigrationInput, MigrationInput) -> Bool = { _, _ in true }) {
            let open = gone.filter { !taken.contains($0.id) }
            guard !open.isEmpty else { return }
            let byKey = Dictionary(grouping: open, by: key)
            var candidates: [(affinity: Int, new: Int, old: MigrationInput)] = []
            for (n, input) in added.enumerated() where pairs[input.id] == nil {
                for old in byKey[key(input)] ?? [] { candidates.append((affinity(old.id, input.id), n, old)) }
            }
            // Stable: within an affinity, by new id, then by applied id (both lists are sorted).
            for candidate in candidates.enumerated().sorted(by: { ($0.element.affinity, $0.offset) < ($1.element.affinity, $1.offset) }).map(\.element) {
                let new = added[candidate.new]
                guard pairs[new.id] == nil, !taken.contains(candidate.old.id), same(candidate.old, new) else { continue }
                pairs[new.id] = candidate.old.id
                taken.insert(candidate.old.id)
            }
        }

        // The same checksum first, then the same statements.
        match { ChecksumText.normalized($0.content) }
        guard pairs.count < min(gone.count, added.count) else { return pairs }
        func statementTokens(_ input: MigrationInput) -> [ArraySlice<UInt8>] {
            let bytes = input.content
            return Lexer.tokenize(bytes, dialect: dialect).tokens.filter { !$0.kind.isTrivia }.map { bytes[$0.byteRange] }
        }
        match(statementTokens) { old, new in
            // Same tokens; the statements must also sit in the same sections (a moved marker
            // turns an UP statement into a DOWN one), which a parse tells.
            let before = layout.parse(old, dialect: dialect, depth: .full), after = layout.parse(new, dialect: dialect, depth: .full)
            guard let edit = MigrationEdit.classify(before: before, after: after) else { return true }
            return edit.kind != .sql
        }
        return pairs
    }

    /// 0: the same number (a new name), 1: the same name (a new number), 2: neither.
    static func affinity(_ old: String, _ new: String) -> Int {
        let oldNumber = MigrationFile.versionPrefix(of: old), newNumber = MigrationFile.versionPrefix(of: new)
        if let oldNumber, oldNumber == newNumber { return 0 }
        // Versions are ASCII digits and dashes: characters and bytes count alike.
        let name = { (id: String, number: String?) in number.map { String(id.dropFirst($0.count)) } ?? id }
        return name(old, oldNumber) == name(new, newNumber) ? 1 : 2
    }
}

/// The text a migration's checksum is taken of: its content (`MigrationInput.content`) with a
/// leading UTF-8 byte order mark dropped and each CRLF read as LF (a lone CR is content: it may
/// sit in a string literal). StrataApply's `Checksum` hashes exactly this text, without copying
/// it out first.
public enum ChecksumText {
    public static func normalized(_ bytes: [UInt8]) -> [UInt8] {
        let start = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        guard bytes[start...].contains(0x0D) else { return start == 0 ? bytes : Array(bytes[start...]) }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count - start)
        var i = start
        while i < bytes.count {
            if !(bytes[i] == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) { result.append(bytes[i]) }
            i += 1
        }
        return result
    }
}
