import StrataSyntax

/// Strata's own format: `NNNN_slug.sql`, a header of `-- @key: value` lines, then
/// `-- UP MIGRATION` and `-- DOWN MIGRATION` sections (markers are case-insensitive and may carry
/// trailing text, as in `-- UP MIGRATION (forward changes)`).
public struct StrataLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .strata }
    public var capabilities: LayoutCapabilities { [.metadata, .downSections, .numberedFiles, .sectionMarkers] }
    public var recursive: Bool { false }

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        // For the header alone, lex only up to the UP marker when everything before it is
        // comments and blank lines (the usual file): same tokens, a fraction of the work.
        let bytes = depth != .header ? input.bytes : Self.headerPrefix(input.bytes) ?? input.bytes
        let source = SourceText(bytes: bytes, dialect: dialect)
        var file = MigrationFile(id: input.id, path: input.path, layout: .strata, source: source)
        if let problem = LayoutSupport.textProblem(source) {
            file.notText = problem
            return file
        }
        let tokens = source.tokens
        file.markers = Self.markers(source)
        let firstUp = file.markers.first { $0.kind == .up }

        // The header: everything before the first marker; without an UP marker, everything before
        // the first statement (or the DOWN marker, whichever comes first).
        let headerEnd: Int
        if firstUp != nil {
            headerEnd = file.markers[0].tokenIndex
        } else {
            let firstStatement = LayoutSupport.firstSignificant(source, from: 0, upper: tokens.count)
            headerEnd = min(firstStatement, file.markers.first?.tokenIndex ?? tokens.count)
        }
        file.header = 0..<headerEnd
        if depth != .forward { file.metadata = Self.metadata(source, header: file.header) }
        guard depth != .header else { return file }
        let full = depth == .full

        // Sections: each marker opens a section running to the next marker. Without an UP
        // marker, what precedes the first DOWN marker is read as UP.
        var upStatements: [Statement] = []
        var downStatements: [Statement] = []
        var upRange: Range<Int>? = nil
        var downRange: Range<Int>? = nil
        if firstUp == nil {
            let end = file.markers.first?.tokenIndex ?? tokens.count
            upRange = headerEnd..<end
            upStatements = LayoutSupport.statements(source, in: headerEnd..<end)
        } else if full {
            file.strayStatements = LayoutSupport.statements(source, in: file.header)
        }
        for (n, marker) in file.markers.enumerated() {
            let end = n + 1 < file.markers.count ? file.markers[n + 1].tokenIndex : tokens.count
            let range = (marker.tokenIndex + 1)..<end
            let statements = full || marker.kind == .up ? LayoutSupport.statements(source, in: range) : []
            switch marker.kind {
            case .up:
                upStatements += statements
                if upRange == nil { upRange = range }
            case .down:
                downStatements += statements
                if downRange == nil { downRange = range }
            }
        }
        if let upRange {
            file.up = MigrationSection(kind: .up, marker: firstUp, tokens: upRange, statements: upStatements)
        }
        if let downRange {
            file.down = MigrationSection(kind: .down, marker: file.markers.first { $0.kind == .down },
                                         tokens: downRange, statements: downStatements)
        }
        if full {
            file.suppressions = Suppression.parse(source, header: file.header,
                                                  statements: file.strayStatements + upStatements + downStatements)
        }
        return file
    }

    /// The bytes up to the end of the first section marker line, when only `--` comments and
    /// blank lines come before it; nil otherwise (then the whole file is read).
    static func headerPrefix(_ bytes: [UInt8]) -> [UInt8]? {
        scanCommentHeader(bytes) { _, _ in true }.map { Array(bytes[0..<$0]) }
    }

    /// Walks the lines before the first section marker while they are `--` comments or blank,
    /// calling `visit` with each comment line's byte range (from its `--`) until it returns false.
    /// Returns the offset just past the marker line; nil when something else comes first, there
    /// is no marker, or `visit` stopped the walk.
    static func scanCommentHeader(_ bytes: [UInt8], _ visit: (Int, Int) -> Bool) -> Int? {
        // A UTF-8 byte order mark before the first line is not part of it.
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let n = bytes.count
        while i < n {
            var start = i
            while start < n, bytes[start] == 0x20 || bytes[start] == 0x09 || bytes[start] == 0x0D { start += 1 }
            var end = start
            while end < n, bytes[end] != 0x0A { end += 1 }
            if start < end {
                guard end - start >= 2, bytes[start] == UInt8(ascii: "-"), bytes[start + 1] == UInt8(ascii: "-") else { return nil }
                var text = start + 2
                while text < end, bytes[text] == 0x20 || bytes[text] == 0x09 || bytes[text] == UInt8(ascii: "-") { text += 1 }
                if hasPrefix(bytes, text, end, "up migration") || hasPrefix(bytes, text, end, "down migration") { return end }
                guard visit(start, end) else { return nil }
            }
            i = end + 1
        }
        return nil
    }

    // MARK: - Markers

    /// Line comments alone on their line whose text starts with `UP MIGRATION` or `DOWN MIGRATION`.
    static func markers(_ source: SourceText) -> [SectionMarker] {
        let bytes = source.bytes
        return LayoutSupport.lineComments(source).compactMap { index in
            let token = source.tokens[index]
            var i = token.offset + 2
            let end = token.endOffset
            while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == UInt8(ascii: "-") { i += 1 }
            let kind: SectionKind
            if hasPrefix(bytes, i, end, "up migration") {
                kind = .up
            } else if hasPrefix(bytes, i, end, "down migration") {
                kind = .down
            } else {
                return nil
            }
            return SectionMarker(kind: kind, range: SourceRange(start: token.start, end: source.position(at: token.endOffset)), tokenIndex: index)
        }
    }

    private static func hasPrefix(_ bytes: [UInt8], _ at: Int, _ end: Int, _ lowercase: StaticString) -> Bool {
        let n = lowercase.utf8CodeUnitCount
        guard end - at >= n else { return false }
        let p = lowercase.utf8Start
        for k in 0..<n {
            let b = bytes[at + k]
            let lower = (b >= 65 && b <= 90) ? b | 0x20 : b
            if lower != p[k] { return false }
        }
        return true
    }

    // MARK: - Metadata

    /// `-- @key: value` lines of the header, in order (a key given twice appears twice).
    static func metadata(_ source: SourceText, header: Range<Int>) -> [MetadataEntry] {
        var result: [MetadataEntry] = []
        for index in header where source.tokens[index].kind == .lineComment {
            let token = source.tokens[index]
            guard let line = metadataLine(source.bytes, token.offset, token.endOffset) else { continue }
            let keyRange = SourceRange(start: source.position(at: line.key.lowerBound - 1), end: source.position(at: line.key.upperBound))
            let valueRange = SourceRange(start: source.position(at: line.value.lowerBound), end: source.position(at: line.value.upperBound))
            result.append(MetadataEntry(key: source.text(line.key), value: source.text(line.value),
                                        keyRange: keyRange, valueRange: valueRange))
        }
        return result
    }

    /// The key and value byte ranges of a `-- @key: value` comment spanning `start..<end`
    /// (from its `--`), or nil when the comment is not a metadata line. The colon is optional;
    /// surrounding blanks (and a CR) are not part of the value.
    static func metadataLine(_ bytes: [UInt8], _ start: Int, _ end: Int) -> (key: Range<Int>, value: Range<Int>)? {
        var i = start + 2
        while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        guard i < end, bytes[i] == UInt8(ascii: "@") else { return nil }
        let keyStart = i + 1
        var k = keyStart
        while k < end, bytes[k].isIdentifierByte { k += 1 }
        guard k > keyStart else { return nil }
        var v = k
        while v < end, bytes[v] == 0x20 || bytes[v] == 0x09 { v += 1 }
        var valueStart = v
        if v < end, bytes[v] == UInt8(ascii: ":") {
            valueStart = v + 1
            while valueStart < end, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
        }
        var valueEnd = end
        while valueEnd > valueStart, [0x20, 0x09, 0x0D].contains(bytes[valueEnd - 1]) { valueEnd -= 1 }
        return (keyStart..<k, valueStart..<valueEnd)
    }

    /// `@dependencies` read by scanning header lines, without lexing, when only comments and
    /// blank lines precede the first marker (else as the header parse reads it). The engine's
    /// first pass needs nothing else of each file.
    public func dependencies(of input: MigrationInput, dialect: Dialect) -> [String] {
        let bytes = input.bytes
        var found: Range<Int>? = nil
        let markerEnd = Self.scanCommentHeader(bytes) { start, end in
            guard let line = Self.metadataLine(bytes, start, end),
                  bytes[line.key].elementsEqual(MetadataKey.dependencies.rawValue.utf8) else { return true }
            found = line.value
            return false
        }
        if let value = found {
            return (try? MetadataValue.parseDependencies(String(decoding: bytes[value], as: UTF8.self))) ?? []
        }
        return markerEnd != nil ? [] : parse(input, dialect: dialect, depth: .header).dependencies
    }
}

extension UInt8 {
    var isIdentifierByte: Bool {
        (self >= 97 && self <= 122) || (self >= 65 && self <= 90) || (self >= 48 && self <= 57) || self == 95
    }
}
