import StrataSyntax

/// Placeholder: files read as plain forward SQL until the layout is written.
public struct SqitchLayout: MigrationLayout {
    public init() {}

    public var kind: LayoutKind { .sqitch }
    public var capabilities: LayoutCapabilities { [] }
    public var recursive: Bool { false }

    public func id(forRelativePath path: String) -> String { LayoutSupport.stem(path) }

    public func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        LayoutSupport.forwardOnly(input, layout: .sqitch, dialect: dialect, depth: depth)
    }
}
