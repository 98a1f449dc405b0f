import StrataSyntax

/// sql-migrate (rubenv/sql-migrate): one file a migration, UP SQL after `-- +migrate Up` and
/// DOWN SQL after `-- +migrate Down`. What stands between `-- +migrate StatementBegin` and
/// `-- +migrate StatementEnd` sql-migrate sends as one piece of text (as goose's blocks).
/// `-- +migrate Up notransaction` runs the UP SQL outside a transaction. sql-migrate matches
/// its commands by their exact spelling (`-- +migrate ` then `Up`, `Down`, ...), so Strata does.
/// The DOWN section is optional: sql-migrate runs a file without one.
public struct SQLMigrateLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .sqlMigrate }
    public var capabilities: LayoutCapabilities { [.downSections, .numberedFiles, .sectionMarkers] }
    public var recursive: Bool { false }

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    /// sql-migrate's order: two ids that both start with digits by that number, an id with
    /// digits before one without, else by the file names (`<id>.sql`) as text.
    public func precedes(_ a: String, _ b: String) -> Bool {
        let x = MigrationFile.numericPrefix(of: a), y = MigrationFile.numericPrefix(of: b)
        switch (x, y) {
        case let (x?, y?):
            let order = VersionOrder.compareNumbers(Substring(x), Substring(y))
            if order != 0 { return order < 0 }
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): break
        }
        return (a + ".sql").utf8.lexicographicallyPrecedes((b + ".sql").utf8)
    }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        let (parsed, text) = LayoutSupport.textFile(input, layout: .sqlMigrate, dialect: dialect)
        guard let source = text else { return parsed }
        var file = parsed
        var markers: [SectionMarker] = []
        var blocks: [Range<Int>] = []
        var blockStart: Int? = nil
        for line in LayoutSupport.commentLines(source) where line.text.hasPrefix("+migrate ") {
            let words = line.text.dropFirst("+migrate ".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let command = words.first else { continue }
            switch command {
            case "Up":
                markers.append(SectionMarker(kind: .up, range: line.range, tokenIndex: line.tokenIndex))
                if words.dropFirst().contains("notransaction") { file.metadata.append(LayoutSupport.noTransaction(at: line.range)) }
            case "Down":
                markers.append(SectionMarker(kind: .down, range: line.range, tokenIndex: line.tokenIndex))
            case "StatementBegin":
                blockStart = line.tokenIndex + 1
            case "StatementEnd":
                if let start = blockStart { blocks.append(start..<line.tokenIndex) }
                blockStart = nil
            default:
                continue
            }
        }
        LayoutSupport.fillSections(&file, source, markers: markers, depth: depth, blocks: blocks)
        return file
    }
}
