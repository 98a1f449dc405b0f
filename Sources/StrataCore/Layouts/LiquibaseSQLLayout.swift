import Foundation
import StrataSyntax

/// Liquibase formatted SQL: a file whose first line is `--liquibase formatted sql`, holding one
/// migration per `--changeset author:id [attribute:value ...]` line (each runs to the next
/// one). A changeset's id in Strata is `<file stem>/<author>:<id>` (Liquibase knows it by
/// file, author and id; a file name holds no `/` and Liquibase's id no `:`, so it reads back
/// whole). Files run in name order, changesets in file order.
///
/// `--rollback <sql>` lines (`-- rollback`, any case, as Liquibase reads them) are its DOWN SQL
/// (read in place, so findings keep their line and column); `--rollback empty` and `--rollback
/// not required` declare a DOWN with nothing to run. `runInTransaction:false` runs it outside a transaction; `splitStatements:false`, or
/// an `endDelimiter` other than `;`, sends it as one piece of text. `--comment`,
/// `--preconditions` and `--precondition-*` lines are read as comments: Strata does not
/// evaluate preconditions, nor `context`, `labels`, `dbms`, `runAlways` or `runOnChange`.
/// A `.sql` file without the first line is not formatted SQL: it is read as one forward-only
/// migration. An XML, YAML or JSON changelog that holds changesets is a migration Strata cannot
/// run (`nonSQLMigrations`): it stays in the order, and `up` stops there. A master changelog
/// that only includes files (`include`, `includeAll`, no `changeSet`) runs nothing itself: it
/// is left out.
public struct LiquibaseSQLLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .liquibaseSQL }
    public var capabilities: LayoutCapabilities { [.downSections] }
    public var recursive: Bool { false }

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    public var nonSQLMigrations: [String: NonSQLMigration] {
        let liquibase = { (language: String) in NonSQLMigration(language: language, tool: "Liquibase") }
        return ["xml": liquibase("XML"), "yaml": liquibase("YAML"), "yml": liquibase("YAML"), "json": liquibase("JSON")]
    }

    /// Strata's id of a changeset, from its file (a path or a name), author and id.
    public static func migrationID(file: String, author: String, id: String) -> String {
        "\(LayoutSupport.stem(file))/\(author):\(id)"
    }

    /// By file name; changesets of one file are equal here and keep the file's order (each
    /// depends on the one before it).
    public func precedes(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "/", maxSplits: 1).first ?? "", y = b.split(separator: "/", maxSplits: 1).first ?? ""
        return (x + ".sql").utf8.lexicographicallyPrecedes((y + ".sql").utf8)
    }

    /// One migration per changeset of each formatted file.
    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        var result: [DiscoveredFile] = []
        for file in files {
            if nonSQLMigration(ofPath: file.path) != nil {
                // A changelog with no changeset of its own (a master changelog's `include`s
                // and `includeAll`s) runs nothing: not a migration. One that cannot be read
                // here (a path from a git tree) stays.
                if let bytes = try? FileDiscovery.read(file), !Self.declaresChangeSet(bytes) { continue }
                result.append(file)
                continue
            }
            guard let bytes = try? FileDiscovery.read(file), Self.isFormatted(bytes) else {
                result.append(file)
                continue
            }
            for changeset in Self.changesets(bytes, file: file.path) {
                var unit = file
                unit.id = changeset.id
                unit.part = changeset.part
                result.append(unit)
            }
        }
        return result
    }

    /// A whole file read (from git, or in a test) as its changesets' migrations.
    public static func parts(of input: MigrationInput) -> [MigrationInput] {
        guard input.part == nil, isFormatted(input.bytes) else { return [input] }
        return changesets(input.bytes, file: input.path).map { changeset in
            var part = input
            part.id = changeset.id
            part.part = changeset.part
            return part
        }
    }

    /// Whether an XML, YAML or JSON changelog declares a changeset (`<changeSet`, `changeSet:`,
    /// `"changeSet"`; Liquibase spells the key so in all three). One that only includes other
    /// files does not.
    static func declaresChangeSet(_ bytes: [UInt8]) -> Bool {
        let key = Array("changeSet".utf8)
        var i = bytes.startIndex
        while let found = bytes[i...].firstIndex(of: key[0]) {
            i = found + 1
            guard bytes.count - found >= key.count, bytes[found..<(found + key.count)].elementsEqual(key) else { continue }
            let before = found > 0 ? bytes[found - 1] : 0x20
            let after = found + key.count < bytes.count ? bytes[found + key.count] : 0x20
            // `<changeSet ` (XML), `changeSet:` (YAML), `"changeSet"` (JSON); not the word in
            // a comment, nor `</changeSet>` or `changeSetExecuted`.
            let xml = before == UInt8(ascii: "<") && [0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">")].contains(after)
            let yaml = after == UInt8(ascii: ":") && [0x20, 0x09, 0x0A, UInt8(ascii: "-")].contains(before)
            let json = before == UInt8(ascii: "\"") && after == UInt8(ascii: "\"")
            if xml || yaml || json {
                return true
            }
        }
        return false
    }

    /// Whether the first line says `--liquibase formatted sql` (spaces and case as Liquibase
    /// allows them).
    static func isFormatted(_ bytes: [UInt8]) -> Bool {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        let line = String(decoding: bytes[start...].prefix { $0 != 0x0A }, as: UTF8.self)
        guard line.hasPrefix("--") else { return false }
        return line.dropFirst(2).trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("liquibase formatted")
    }

    /// A `--changeset` line read: author, id and attributes.
    struct ChangesetLine {
        var author: String
        var id: String
        var attributes: [String: String]
    }

    /// `text` (after `--`) as a changeset line.
    static func changesetLine(_ text: Substring) -> ChangesetLine? {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        guard trimmed.lowercased().hasPrefix("changeset"), trimmed.dropFirst(9).first.map({ $0 == " " || $0 == "\t" }) == true else { return nil }
        let words = trimmed.dropFirst(9).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        guard let first = words.first, let colon = first.lastIndex(of: ":"), colon != first.startIndex, first.index(after: colon) != first.endIndex else { return nil }
        var attributes: [String: String] = [:]
        for word in words.dropFirst() {
            guard let separator = word.firstIndex(of: ":") else { continue }
            attributes[word[..<separator].lowercased()] = String(word[word.index(after: separator)...])
        }
        return ChangesetLine(author: String(first[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
                             id: String(first[first.index(after: colon)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
                             attributes: attributes)
    }

    /// The changesets of a formatted file: each from its `--changeset` line to the next one.
    static func changesets(_ bytes: [UInt8], file: String) -> [(id: String, part: MigrationInput.FilePart)] {
        var starts: [(offset: Int, line: ChangesetLine)] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            var i = start
            while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
            if end - i > 2, bytes[i] == UInt8(ascii: "-"), bytes[i + 1] == UInt8(ascii: "-"),
               let line = changesetLine(Substring(String(decoding: bytes[(i + 2)..<end], as: UTF8.self))) {
                starts.append((start, line))
            }
            start = end + 1
        }
        var result: [(id: String, part: MigrationInput.FilePart)] = []
        for (n, found) in starts.enumerated() {
            let end = n + 1 < starts.count ? starts[n + 1].offset : bytes.count
            let id = migrationID(file: file, author: found.line.author, id: found.line.id)
            result.append((id, MigrationInput.FilePart(bytes: found.offset..<end, previous: result.last?.id)))
        }
        return result
    }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        if let file = LayoutSupport.nonSQLFile(input, layout: self, dialect: dialect) { return file }
        // A changeset's own text (as history keeps it) is read as the changeset it is.
        guard let part = input.part ?? Self.changesets(input.bytes, file: input.path).first.flatMap({
            $0.part.bytes.lowerBound == 0 && $0.part.bytes.upperBound == input.bytes.count ? $0.part : nil
        }) else {
            return LayoutSupport.forwardOnly(input, layout: .liquibaseSQL, dialect: dialect, depth: depth)
        }
        // The file's bytes up to the changeset's end, what comes before it blanked (line breaks
        // kept) and each `--rollback` written as spaces: the changeset's SQL and its rollback
        // SQL stand where they are in the file, so every position is the file's own.
        var bytes = Array(input.bytes[..<part.bytes.upperBound])
        for i in 0..<part.bytes.lowerBound where bytes[i] != 0x0A { bytes[i] = 0x20 }
        // Byte ranges of the lines that are rollback SQL (Liquibase reads them wherever they
        // stand in the changeset).
        var rollbackLines: [Range<Int>] = []
        var lineStart = part.bytes.lowerBound
        while lineStart < bytes.count {
            let end = bytes[lineStart...].firstIndex(of: 0x0A) ?? bytes.count
            if let marker = Self.rollbackMarker(bytes[lineStart..<end]) {
                for k in marker { bytes[k] = 0x20 }
                rollbackLines.append(lineStart..<min(end + 1, bytes.count))
            }
            lineStart = end + 1
        }
        // `--rollback empty` or `--rollback not required`: Liquibase's word for a rollback
        // that has nothing to undo. A DOWN section with no statement, not SQL to run.
        let rollbackText = rollbackLines.map { String(decoding: bytes[$0], as: UTF8.self) }.joined()
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let declaredEmpty = rollbackText.hasPrefix("empty") || rollbackText.hasPrefix("not required")
        if declaredEmpty {
            for lines in rollbackLines { for k in lines where bytes[k] != 0x0A { bytes[k] = 0x20 } }
        }
        var masked = input
        masked.bytes = bytes
        masked.part = nil
        let (parsed, text) = LayoutSupport.textFile(masked, layout: .liquibaseSQL, dialect: dialect)
        guard let source = text else { return parsed }
        var file = parsed
        file.partContent = Array(input.bytes[part.bytes])
        let tokens = source.tokens
        let changesetToken = source.firstToken(startingAtOrAfter: part.bytes.lowerBound, in: 0..<tokens.count)
        guard changesetToken < tokens.count else { return file }
        let headerText = source.text(tokens[changesetToken].byteRange).dropFirst(2)
        let line = Self.changesetLine(Substring(headerText))
        let range = SourceRange(start: tokens[changesetToken].start, end: source.position(at: tokens[changesetToken].endOffset))
        let marker = SectionMarker(kind: .up, range: range, tokenIndex: changesetToken)
        file.markers = [marker]
        file.header = 0..<changesetToken
        if let previous = part.previous {
            file.metadata.append(MetadataEntry(key: MetadataKey.dependencies.rawValue, value: "[\"\(Self.escaped(previous))\"]",
                                               keyRange: range, valueRange: range))
        }
        let attributes = line?.attributes ?? [:]
        if attributes["runintransaction"]?.lowercased() == "false" { file.metadata.append(LayoutSupport.noTransaction(at: range)) }
        guard depth != .header else { return file }
        // The changeset's token ranges, each all SQL or all rollback SQL, in order.
        var segments: [(rollback: Bool, tokens: Range<Int>)] = []
        var next = changesetToken + 1
        for lines in rollbackLines {
            let first = source.firstToken(startingAtOrAfter: lines.lowerBound, in: next..<tokens.count)
            let last = source.firstToken(startingAtOrAfter: lines.upperBound, in: first..<tokens.count)
            if first > next { segments.append((false, next..<first)) }
            if let previous = segments.last, previous.rollback, previous.tokens.upperBound == first {
                segments[segments.count - 1].tokens = previous.tokens.lowerBound..<last
            } else if last > first {
                segments.append((true, first..<last))
            }
            next = last
        }
        if next < tokens.count { segments.append((false, next..<tokens.count)) }
        let whole = attributes["splitstatements"]?.lowercased() == "false"
            || attributes["enddelimiter"].map { !$0.isEmpty && $0 != ";" } == true
        var up = MigrationSection(kind: .up, marker: marker, tokens: (changesetToken + 1)..<(rollbackLines.isEmpty ? tokens.count : segments.last { !$0.rollback }?.tokens.upperBound ?? changesetToken + 1), statements: [])
        var down: MigrationSection? = nil
        for segment in segments {
            if segment.rollback {
                guard depth == .full else {
                    if down == nil { down = MigrationSection(kind: .down, marker: nil, tokens: segment.tokens.lowerBound..<tokens.count, statements: []) }
                    continue
                }
                if down == nil { down = MigrationSection(kind: .down, marker: nil, tokens: segment.tokens.lowerBound..<tokens.count, statements: []) }
                down?.append(LayoutSupport.statements(source, in: segment.tokens), blocks: [])
            } else {
                let read = LayoutSupport.statements(source, in: segment.tokens, blocks: whole ? [segment.tokens] : [])
                up.append(read.statements, blocks: read.blocks)
            }
        }
        if declaredEmpty, down == nil {
            down = MigrationSection(kind: .down, marker: nil, tokens: tokens.count..<tokens.count, statements: [])
        }
        file.up = up
        file.down = down
        if depth == .full {
            file.suppressions = Suppression.parse(source, header: file.header, statements: up.statements + (down?.statements ?? []))
        }
        return file
    }

    /// The bytes of a line's `--rollback` marker, which Liquibase reads as `--`, any spaces,
    /// `rollback` in any case, then a space (or the line's end): `--rollback`, `-- rollback`,
    /// `--ROLLBACK`.
    static func rollbackMarker(_ line: ArraySlice<UInt8>) -> Range<Int>? {
        var i = line.startIndex
        while i < line.endIndex, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
        let start = i
        guard line.endIndex - i >= 2, line[i] == UInt8(ascii: "-"), line[i + 1] == UInt8(ascii: "-") else { return nil }
        i += 2
        while i < line.endIndex, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
        let word = Array("rollback".utf8)
        guard line.endIndex - i >= word.count,
              zip(line[i..<(i + word.count)], word).allSatisfy({ ($0 | 0x20) == $1 }) else { return nil }
        i += word.count
        guard i == line.endIndex || [0x20, 0x09, 0x0D].contains(line[i]) else { return nil }
        return start..<i
    }

    /// A string as a JSON string's contents.
    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
