import StrataSyntax

/// Placeholder: files read as plain forward SQL until the layout is written.
public struct AtlasLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .atlas }
    public var capabilities: LayoutCapabilities { [] }
    public var recursive: Bool { false }

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        LayoutSupport.forwardOnly(input, layout: .atlas, dialect: dialect, depth: depth)
    }
}
