/// A place in a file: byte offset, 1-based line, and 1-based column counted in characters
/// (Unicode scalars), not bytes, so editors and GitHub annotations point at the right spot.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var offset: Int
    public var line: Int
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public static let start = SourcePosition(offset: 0, line: 1, column: 1)

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool { lhs.offset < rhs.offset }

    public var description: String { "\(line):\(column)" }
}

/// A half-open byte range with the positions of both ends.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
    public var start: SourcePosition
    public var end: SourcePosition

    public init(start: SourcePosition, end: SourcePosition) {
        self.start = start
        self.end = end
    }

    public init(at position: SourcePosition) {
        self.start = position
        self.end = position
    }

    public var byteRange: Range<Int> { start.offset..<max(start.offset, end.offset) }

    public var description: String { "\(start)-\(end)" }
}
