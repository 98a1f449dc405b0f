import StrataSyntax

/// Where a separate DOWN file sits inside a migration's `source`.
///
/// Layouts that keep DOWN in a file of its own (golang-migrate, diesel, Flyway undo files) read
/// the UP file, a line break, then the DOWN file as one text, so every rule, suppression and
/// the schema replay see one migration as they do for single-file layouts. A finding is then
/// placed back in the file it is in: past `offset`, in the DOWN file, `line - 1` lines earlier.
public struct DownFilePart: Sendable, Hashable {
    /// The DOWN file's path as reports show it.
    public var path: String
    /// The byte offset in the joined text where the DOWN file's first byte is.
    public var offset: Int
    /// The line of the joined text that is the DOWN file's line 1.
    public var line: Int

    public init(path: String, offset: Int, line: Int) {
        self.path = path
        self.offset = offset
        self.line = line
    }

    /// A position of the joined text as a position in the DOWN file (columns are unchanged:
    /// the DOWN file starts a line).
    public func local(_ position: SourcePosition) -> SourcePosition {
        SourcePosition(offset: position.offset - offset, line: position.line - line + 1, column: position.column)
    }
}

extension MigrationFile {
    /// The file a range of `source` is in, and the range as positions in that file.
    public func place(_ range: SourceRange) -> (path: String, range: SourceRange) {
        guard let downFile, range.start.offset >= downFile.offset else { return (path, range) }
        let end = range.end.offset >= downFile.offset ? downFile.local(range.end) : downFile.local(range.start)
        return (downFile.path, SourceRange(start: downFile.local(range.start), end: end))
    }

    /// `diagnostic` pointing into the DOWN file when it lies there (its `file` is this file's
    /// path otherwise, as rules report it).
    public func placed(_ diagnostic: Diagnostic) -> Diagnostic {
        guard let downFile, diagnostic.range.start.offset >= downFile.offset else { return diagnostic }
        var moved = diagnostic
        (moved.file, moved.range) = place(diagnostic.range)
        return moved
    }

    /// The offset where the DOWN SQL starts: its marker in a single file, else the DOWN file.
    public var downStartOffset: Int? {
        guard let source, let down else { return nil }
        if let marker = down.marker { return source.tokens[marker.tokenIndex].offset }
        if let downFile { return downFile.offset }
        return down.tokens.lowerBound < source.tokens.count ? source.tokens[down.tokens.lowerBound].offset : nil
    }
}

extension LayoutKind {
    /// How the layout writes the start of the UP SQL, for messages.
    public var upMarker: String {
        switch self {
        case .dbmate: "-- migrate:up"
        case .goose: "-- +goose Up"
        case .sqlMigrate: "-- +migrate Up"
        case .liquibaseSQL: "--changeset author:id"
        default: "-- UP MIGRATION"
        }
    }

    /// How the layout writes the start of the DOWN SQL, for messages.
    public var downMarker: String {
        switch self {
        case .dbmate: "-- migrate:down"
        case .goose: "-- +goose Down"
        case .sqlMigrate: "-- +migrate Down"
        case .liquibaseSQL: "--rollback"
        default: "-- DOWN MIGRATION"
        }
    }

    /// Whether DOWN SQL is a file of its own (golang-migrate, diesel, Flyway undo files).
    public var keepsDownApart: Bool { self == .golangMigrate || self == .diesel || self == .flyway || self == .sqlx || self == .prisma || self == .sqitch }

    /// Whether the tool runs a migration that has no DOWN SQL, or an empty one, without
    /// complaint: goose (an empty `-- +goose Down`), golang-migrate (no `.down.sql`), Flyway
    /// (undo files are a paid feature). `missing-down` is then a warning by default. A layout
    /// added later says here whether its tool does (sqlx's reversible migrations are optional).
    public var downIsOptional: Bool {
        switch self {
        case .goose, .golangMigrate, .flyway: true
        case .strata, .plain, .dbmate, .diesel: false
        case .sqlx: true
        case .prisma: true
        case .drizzle: true
        case .atlas: true
        case .sqlMigrate: true
        case .liquibaseSQL: true
        case .sqitch: false
        }
    }
}

extension MigrationFile {
    /// Where this migration's DOWN SQL is expected, for messages: a marker, or the DOWN file's
    /// name (`001_users.down.sql`, `down.sql` beside `up.sql`, `U1__users.sql`).
    public var expectedDownPlace: String {
        switch layout {
        case .golangMigrate, .sqlx:
            let name = path.hasSuffix(".up.sql") ? String(path.dropLast(".up.sql".count)) + ".down.sql" : path
            return "a down file, \(name.split(separator: "/").last.map(String.init) ?? name)"
        case .diesel: return "a down.sql beside up.sql"
        case .flyway:
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return "an undo file, \(name.hasPrefix("V") ? "U" + name.dropFirst() : name)"
        case .sqitch:
            return "a revert script, \(SqitchLayout.root(ofScript: path) ?? "")revert/\(id).sql"
        default: return "`\(layout.downMarker)`"
        }
    }
}
