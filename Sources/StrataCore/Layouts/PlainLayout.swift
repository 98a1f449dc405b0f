import StrataSyntax

/// Any `.sql` file, read as a list of forward statements with no metadata and no DOWN section,
/// the way Squawk reads files. Folders are searched recursively; files run in path order.
public struct PlainLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .plain }
    public var capabilities: LayoutCapabilities { [] }
    public var recursive: Bool { true }

    /// The path below the linted folder without `.sql`: `2019_create_user/up`.
    public func id(forRelativePath path: String) -> String {
        FileDiscovery.droppingSQLExtension(path)
    }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        let source = SourceText(bytes: input.bytes, dialect: dialect)
        var file = MigrationFile(id: input.id, path: input.path, layout: .plain, source: source)
        if let problem = LayoutSupport.textProblem(source) {
            file.notText = problem
            return file
        }
        let all = 0..<source.tokens.count
        file.header = 0..<LayoutSupport.firstSignificant(source, from: 0, upper: all.upperBound)
        guard depth != .header else { return file }
        let statements = LayoutSupport.statements(source, in: all)
        file.up = MigrationSection(kind: .up, marker: nil, tokens: all, statements: statements)
        if depth == .full { file.suppressions = Suppression.parse(source, header: file.header, statements: statements) }
        return file
    }
}
