import StrataSyntax

/// goose: one file a migration, `<version>_<name>.sql`, with `-- +goose Up` and `-- +goose Down`
/// sections. What stands between `-- +goose StatementBegin` and `-- +goose StatementEnd` goose
/// sends as one piece of text however many `;` it holds: its statements are read (and linted)
/// one by one, and the applier sends them together as goose does (`MigrationSection.blocks`).
/// `-- +goose NO TRANSACTION` runs the file outside a transaction.
/// Annotations are matched without regard to case.
/// Go migrations (`<version>_<name>.go`, registered with `goose.AddMigration...`) sit among the
/// SQL files in one version order: they are listed and ordered, never run (`NonSQLMigration`).
/// Other `.go` files (`main.go`, a `migrations.go` that registers them, `*_test.go`) are not
/// migrations.
public struct GooseLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .goose }
    public var capabilities: LayoutCapabilities { [.downSections, .numberedFiles, .sectionMarkers] }
    public var recursive: Bool { false }

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    public func precedes(_ a: String, _ b: String) -> Bool { VersionOrder.numericPrefixPrecedes(a, b) }

    public var nonSQLMigrations: [String: NonSQLMigration] { ["go": NonSQLMigration(language: "Go", tool: "goose")] }

    /// The `.sql` files, and the `.go` files goose takes for migrations: a version (digits),
    /// then `_` (goose reads the version up to the first `_`), not a test file.
    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        files.filter { file in
            guard file.path.hasSuffix(".go") else { return true }
            let name = FilePairing.name(Substring(file.path))
            let digits = name.prefix { $0.isASCII && $0.isNumber }
            return !digits.isEmpty && name.dropFirst(digits.count).first == "_" && !name.hasSuffix("_test.go")
        }
    }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        if let file = LayoutSupport.nonSQLFile(input, layout: self, dialect: dialect) { return file }
        let (parsed, text) = LayoutSupport.textFile(input, layout: .goose, dialect: dialect)
        guard let source = text else { return parsed }
        var file = parsed
        var markers: [SectionMarker] = []
        var blocks: [Range<Int>] = []
        var blockStart: Int? = nil
        for line in LayoutSupport.commentLines(source) {
            guard line.text.lowercased().hasPrefix("+goose") else { continue }
            let annotation = line.text.dropFirst("+goose".count).trimmingBlanks.lowercased()
            switch annotation {
            case "up": markers.append(SectionMarker(kind: .up, range: line.range, tokenIndex: line.tokenIndex))
            case "down": markers.append(SectionMarker(kind: .down, range: line.range, tokenIndex: line.tokenIndex))
            case "statementbegin": blockStart = line.tokenIndex + 1
            case "statementend":
                if let start = blockStart { blocks.append(start..<line.tokenIndex) }
                blockStart = nil
            case "no transaction": file.metadata.append(LayoutSupport.noTransaction(at: line.range))
            default: continue
            }
        }
        LayoutSupport.fillSections(&file, source, markers: markers, depth: depth, blocks: blocks)
        return file
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingBlanks: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map(index(after:)) ?? start
        return end > start ? self[start..<end] : self[start..<start]
    }
}
