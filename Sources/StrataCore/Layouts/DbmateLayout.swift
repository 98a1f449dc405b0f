import StrataSyntax

/// dbmate: one file a migration, `<version>_<name>.sql`, UP SQL after `-- migrate:up` and DOWN
/// SQL after `-- migrate:down`. A marker may carry options; `transaction:false` runs the
/// section outside a transaction, as `-- @transaction: false` does in Strata's format.
public struct DbmateLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .dbmate }
    public var capabilities: LayoutCapabilities { [.downSections, .numberedFiles, .sectionMarkers] }
    public var recursive: Bool { false }

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    public func precedes(_ a: String, _ b: String) -> Bool { VersionOrder.numericPrefixPrecedes(a, b) }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        let (parsed, text) = LayoutSupport.textFile(input, layout: .dbmate, dialect: dialect)
        guard let source = text else { return parsed }
        var file = parsed
        var markers: [SectionMarker] = []
        for line in LayoutSupport.commentLines(source) {
            let words = line.text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first else { continue }
            let kind: SectionKind
            switch first {
            case "migrate:up": kind = .up
            case "migrate:down": kind = .down
            default: continue
            }
            markers.append(SectionMarker(kind: kind, range: line.range, tokenIndex: line.tokenIndex))
            // dbmate reads the option on the UP marker for the whole file's UP, on DOWN for DOWN;
            // the applier runs UP, so the UP marker's option is the one it needs.
            if kind == .up, words.dropFirst().contains("transaction:false") {
                file.metadata.append(LayoutSupport.noTransaction(at: line.range))
            }
        }
        LayoutSupport.fillSections(&file, source, markers: markers, depth: depth)
        return file
    }
}
