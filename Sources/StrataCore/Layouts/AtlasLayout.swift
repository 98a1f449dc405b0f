import StrataSyntax

/// Atlas versioned migrations: the `*.sql` files of one folder (not its sub-folders), run in
/// the order of their names, with `atlas.sum` beside them. Files are forward only: Atlas works
/// out `migrate down` itself, so Strata reads no DOWN SQL. `-- atlas:txmode none` among the
/// comment lines at the top of a file (a blank line after them, as Atlas reads file
/// directives) runs it outside a transaction. The folder's `atlas.sum` is checked as Atlas
/// checks it (`AtlasSum`) when the folder is read; `atlas-sum-mismatch` reports what differs.
/// Not read: `atlas:delimiter` (statements are split as any file's are) and checkpoints.
public struct AtlasLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .atlas }
    public var capabilities: LayoutCapabilities { [.numberedFiles] }
    public var recursive: Bool { false }

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    /// Atlas sorts the file names as text.
    public func precedes(_ a: String, _ b: String) -> Bool {
        (a + ".sql").utf8.lexicographicallyPrecedes((b + ".sql").utf8)
    }

    /// The files as they are, each with what `atlas.sum` says of it (files named one by one,
    /// outside a folder read whole, are not checked: the sum covers the whole folder).
    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] {
        var result = files
        var byFolder: [String: [Int]] = [:]
        for (index, file) in files.enumerated() where !file.namedAlone && file.path.hasSuffix(String(file.relative)) {
            byFolder[String(file.path.dropLast(file.relative.count)), default: []].append(index)
        }
        for (folder, indices) in byFolder {
            guard let sumPath = AtlasSum.path(inFolder: folder) else { continue }
            var read: [(name: String, bytes: [UInt8])] = []
            for index in indices {
                // A file that cannot be read is reported when it is read for the command.
                guard let bytes = try? FileDiscovery.read(files[index]) else { return result }
                read.append((String(files[index].relative), bytes))
            }
            let sum = FileDiscovery.fileExists(sumPath) ? try FileDiscovery.read(sumPath) : nil
            let problems = AtlasSum.problems(files: read, sum: sum)
            for index in indices { result[index].integrityProblems = problems[String(files[index].relative)] ?? [] }
        }
        return result
    }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        var file = LayoutSupport.forwardOnly(input, layout: .atlas, dialect: dialect, depth: depth)
        file.integrityProblems = input.integrityProblems
        if file.notText == nil, let (mode, line) = AtlasSum.fileDirective(input.bytes, "txmode"), mode == "none",
           let source = file.source {
            let start = source.lineStarts[line - 1]
            let end = line < source.lineStarts.count ? source.lineStarts[line] - 1 : source.bytes.count
            file.metadata.append(LayoutSupport.noTransaction(at: SourceRange(start: source.position(at: start), end: source.position(at: end))))
        }
        return file
    }
}
