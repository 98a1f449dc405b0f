import StrataSyntax

/// A comment line a layout gives meaning to: a section marker or a directive
/// (`-- +goose StatementBegin`, `-- migrate:up transaction:false`).
struct MarkerLine {
    var tokenIndex: Int
    var range: SourceRange
    /// The comment's text after `--` and blanks.
    var text: Substring
}

extension LayoutSupport {
    /// Indices of the line comments that stand alone on their line (only blanks before them):
    /// where every layout's markers and directives are.
    static func lineComments(_ source: SourceText) -> [Int] {
        var result: [Int] = []
        let bytes = source.bytes
        var startsLine = true
        for (index, token) in source.tokens.enumerated() {
            if token.kind == .lineComment, startsLine { result.append(index) }
            if token.kind == .whitespace {
                if bytes[token.byteRange].contains(0x0A) { startsLine = true }
            } else {
                startsLine = false
            }
        }
        return result
    }

    /// The line comments alone on their line, with their text after `--` and blanks.
    static func commentLines(_ source: SourceText) -> [MarkerLine] {
        let bytes = source.bytes
        return lineComments(source).map { index in
            let token = source.tokens[index]
            var i = token.offset + 2
            while i < token.endOffset, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
            var end = token.endOffset
            while end > i, [0x20, 0x09, 0x0D].contains(bytes[end - 1]) { end -= 1 }
            return MarkerLine(tokenIndex: index, range: SourceRange(start: token.start, end: source.position(at: token.endOffset)),
                              text: Substring(source.text(i..<end)))
        }
    }

    /// A one-file layout's file with its text, before sections are read; nil text when the
    /// bytes are not text (the file then says why, and nothing else is read).
    static func textFile(_ input: MigrationInput, layout: LayoutKind, dialect: Dialect) -> (MigrationFile, SourceText?) {
        let source = SourceText(bytes: input.bytes, dialect: dialect)
        var file = MigrationFile(id: input.id, path: input.path, layout: layout, source: source)
        if let problem = textProblem(source) {
            file.notText = problem
            return (file, nil)
        }
        return (file, source)
    }

    /// UP and DOWN sections of a one-file layout from its markers (each runs to the next marker
    /// or the end); statements before the first marker are stray. `blocks` are token ranges
    /// whose statements the tool sends as one piece of text however many `;` they hold (goose
    /// `StatementBegin/End`): each statement is read on its own, and the section keeps the
    /// block (`MigrationSection.blocks`) for the applier.
    static func fillSections(_ file: inout MigrationFile, _ source: SourceText, markers: [SectionMarker],
                             depth: ParseDepth, blocks: [Range<Int>] = []) {
        let count = source.tokens.count
        file.markers = markers
        file.header = 0..<(markers.first?.tokenIndex ?? LayoutSupport.firstSignificant(source, from: 0, upper: count))
        guard depth != .header else { return }
        let full = depth == .full
        if full { file.strayStatements = statements(source, in: file.header, blocks: blocks).statements }
        for (n, marker) in markers.enumerated() {
            let end = n + 1 < markers.count ? markers[n + 1].tokenIndex : count
            let range = (marker.tokenIndex + 1)..<end
            let read = full || marker.kind == .up ? statements(source, in: range, blocks: blocks) : (statements: [], blocks: [])
            switch marker.kind {
            case .up:
                if file.up == nil { file.up = MigrationSection(kind: .up, marker: marker, tokens: range, statements: []) }
                file.up?.append(read.statements, blocks: read.blocks)
            case .down:
                if file.down == nil { file.down = MigrationSection(kind: .down, marker: marker, tokens: range, statements: []) }
                file.down?.append(read.statements, blocks: read.blocks)
            }
        }
        if full {
            file.suppressions = Suppression.parse(source, header: file.header,
                                                  statements: file.strayStatements + (file.up?.statements ?? []) + (file.down?.statements ?? []))
        }
    }

    /// Statements of `range`, split as anywhere else (a block's too), and the runs of them that
    /// `blocks` make one piece of text each (indices into the statements; only runs of two or
    /// more, as a block of one statement is sent as any statement is).
    static func statements(_ source: SourceText, in range: Range<Int>,
                           blocks: [Range<Int>]) -> (statements: [Statement], blocks: [Range<Int>]) {
        var result: [Statement] = []
        var runs: [Range<Int>] = []
        var start = range.lowerBound
        for block in blocks where range.contains(block.lowerBound) {
            result += statements(source, in: start..<block.lowerBound)
            let first = result.count
            start = min(block.upperBound, range.upperBound)
            result += statements(source, in: block.lowerBound..<start)
            if result.count - first > 1 { runs.append(first..<result.count) }
        }
        return (result + statements(source, in: start..<range.upperBound), runs)
    }

    // MARK: - A separate DOWN file

    /// The UP file, a line break, then the DOWN file, as one text; and where the DOWN file starts.
    static func joined(_ input: MigrationInput, dialect: Dialect) -> (SourceText, DownFilePart?) {
        let source = SourceText(bytes: input.content, dialect: dialect)
        guard let down = input.down else { return (source, nil) }
        let offset = input.bytes.count + 1
        return (source, DownFilePart(path: down.path, offset: offset, line: source.position(at: offset).line))
    }

    /// A migration whose DOWN SQL, if any, is a file of its own: the UP file's statements form
    /// the UP section, the DOWN file's the DOWN section.
    static func parsePair(_ input: MigrationInput, layout: LayoutKind, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        let (source, downFile) = joined(input, dialect: dialect)
        var file = MigrationFile(id: input.id, path: input.path, layout: layout, source: source)
        file.downFile = downFile
        if let problem = textProblem(source) {
            file.notText = problem
            return file
        }
        let tokens = source.tokens
        let boundary = downFile.map { part in tokens.firstIndex { $0.offset >= part.offset } ?? tokens.count } ?? tokens.count
        file.header = 0..<firstSignificant(source, from: 0, upper: boundary)
        guard depth != .header else { return file }
        let upStatements = statements(source, in: 0..<boundary)
        file.up = MigrationSection(kind: .up, marker: nil, tokens: 0..<boundary, statements: upStatements)
        if downFile != nil {
            let downStatements = depth == .full ? statements(source, in: boundary..<tokens.count) : []
            file.down = MigrationSection(kind: .down, marker: nil, tokens: boundary..<tokens.count, statements: downStatements)
        }
        if depth == .full {
            file.suppressions = Suppression.parse(source, header: file.header,
                                                  statements: upStatements + (file.down?.statements ?? []))
        }
        return file
    }

    /// A `transaction: false` entry for a file whose tool runs it outside a transaction
    /// (dbmate `transaction:false`, goose `NO TRANSACTION`), so the applier and the rules read
    /// it as they read `-- @transaction: false`.
    static func noTransaction(at range: SourceRange) -> MetadataEntry {
        MetadataEntry(key: MetadataKey.transaction.rawValue, value: "false", keyRange: range, valueRange: range)
    }
}
