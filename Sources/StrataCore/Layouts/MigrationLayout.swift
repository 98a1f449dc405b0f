import StrataSyntax

/// One migration to read: its id, the path to show, and its bytes; for layouts that keep the
/// DOWN SQL in a file of its own (golang-migrate, diesel, Flyway undo files), that file too;
/// for layouts that say in a file beside it whether it runs in a transaction (diesel's
/// `metadata.toml`, Flyway's `.sql.conf`), that file.
public struct MigrationInput: Sendable {
    public var id: String
    public var path: String
    public var bytes: [UInt8]
    /// The separate DOWN file, when the layout has one and it exists.
    public var down: DownFile?
    /// The settings file beside the migration, when the layout reads one and it exists
    /// (diesel's `metadata.toml`, Flyway's `V3__x.sql.conf`). Not part of `content`.
    public var settings: SettingsFile?

    public struct DownFile: Sendable, Hashable {
        public var path: String
        public var bytes: [UInt8]
        /// The DOWN file's own settings file (a Flyway undo script's `U3__x.sql.conf`).
        public var settings: SettingsFile?

        public init(path: String, bytes: [UInt8], settings: SettingsFile? = nil) {
            self.path = path
            self.bytes = bytes
            self.settings = settings
        }
    }

    /// What the tool's integrity file says is wrong with this migration (`atlas.sum`).
    public var integrityProblems: [String] = []
    /// The part of `bytes` that is this migration, when a file holds several (a Liquibase
    /// changeset); nil: the whole file.
    public var part: FilePart?

    /// One migration among several in a file: its bytes, and the migration before it in the
    /// same file (which it runs after).
    public struct FilePart: Sendable, Hashable {
        public var bytes: Range<Int>
        public var previous: String?

        public init(bytes: Range<Int>, previous: String?) {
            self.bytes = bytes
            self.previous = previous
        }
    }

    /// What a checksum or a history comparison covers: the file, or for a separate DOWN file,
    /// the UP file, a line break, then the DOWN file (the text the layout parses); for a part
    /// of a file, that part.
    public var content: [UInt8] {
        if let part { return Array(bytes[part.bytes]) }
        guard let down else { return bytes }
        return bytes + [0x0A] + down.bytes
    }

    public init(id: String, path: String, bytes: [UInt8], down: DownFile? = nil, settings: SettingsFile? = nil) {
        self.id = id
        self.path = path
        self.bytes = bytes
        self.down = down
        self.settings = settings
    }

    /// Whether the settings files (UP's, and DOWN's own) make the migration run in a
    /// transaction, as far as they can be read; nil where one says nothing. Two versions of a
    /// migration with the same answers run the same way, whatever else their settings hold.
    public var settingsTransactions: [Bool?] {
        [settings?.readableTransactionSetting?.runsInTransaction, down?.settings?.readableTransactionSetting?.runsInTransaction]
    }
}

/// How a folder of migrations is read: which files belong, what a file's id is, how a file
/// splits into metadata and sections. Other tools' layouts (dbmate, goose, ...) implement this.
public protocol MigrationLayout: Sendable {
    var kind: LayoutKind { get }
    var capabilities: LayoutCapabilities { get }
    /// Whether the files of a folder are searched recursively.
    var recursive: Bool { get }
    /// The id of a file from its path below the linted folder (`0001_init.sql` → `0001_init`).
    func id(forRelativePath path: String) -> String
    /// Reads one file as deep as `depth` says.
    func parse(_ input: MigrationInput, dialect: Dialect, depth: ParseDepth) -> MigrationFile
    /// The ids a file depends on (`@dependencies`), as `parse(depth: .header)` reads them;
    /// layouts may answer faster.
    func dependencies(of input: MigrationInput, dialect: Dialect) -> [String]
    /// The files of a folder (sorted by path) as migrations: layouts with a separate DOWN file
    /// pair it with its UP file here, and leave out files that are not migrations.
    func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile]
    /// Whether migration `a` runs before `b` when no dependency orders them (by id bytes,
    /// unless the tool orders versions otherwise: Flyway's 1.10 comes after 1.9).
    func precedes(_ a: String, _ b: String) -> Bool
    /// Migrations the tool runs that are not SQL (goose's Go files), by file extension without
    /// the dot: found with the `.sql` files and kept in the order, never run by Strata
    /// (`NonSQLMigrations.swift`). `migrations(among:)` leaves out such files that are not
    /// migrations.
    var nonSQLMigrations: [String: NonSQLMigration] { get }
}

/// How much of a file to read.
public enum ParseDepth: Sendable {
    /// Identity and metadata only (the engine's first pass, which orders the set without
    /// holding every file); the result's source may hold only the header.
    case header
    /// The UP section's statements, for replaying the schema; no metadata, DOWN statements,
    /// stray statements or suppressions (files `strata check` does not report on).
    case forward
    /// Everything.
    case full
}

extension MigrationLayout {
    public func dependencies(of input: MigrationInput, dialect: Dialect) -> [String] {
        parse(input, dialect: dialect, depth: .header).dependencies
    }

    public func migrations(among files: [DiscoveredFile]) throws(InputError) -> [DiscoveredFile] { files }

    public func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    public var nonSQLMigrations: [String: NonSQLMigration] { [:] }

    /// `statements: true` reads everything, `false` the header only.
    public func parse(_ input: MigrationInput, dialect: Dialect, statements: Bool) -> MigrationFile {
        parse(input, dialect: dialect, depth: statements ? .full : .header)
    }
}

extension LayoutKind {
    public var layout: any MigrationLayout {
        switch self {
        case .strata: StrataLayout()
        case .plain: PlainLayout()
        case .dbmate: DbmateLayout()
        case .goose: GooseLayout()
        case .golangMigrate: GolangMigrateLayout()
        case .diesel: DieselLayout()
        case .flyway: FlywayLayout()
        case .sqlx: SqlxLayout()
        case .prisma: PrismaLayout()
        case .drizzle: DrizzleLayout()
        case .atlas: AtlasLayout()
        case .sqlMigrate: SQLMigrateLayout()
        case .liquibaseSQL: LiquibaseSQLLayout()
        case .sqitch: SqitchLayout()
        }
    }
}

/// Pieces the layouts share.
enum LayoutSupport {
    /// The file's stem: `a/b/0001_init.sql` → `0001_init`.
    static func stem(_ path: String) -> String {
        // By bytes (`/` and `.` are ASCII): ids of thousands of files are taken here.
        let utf8 = path.utf8
        let start = utf8.lastIndex(of: UInt8(ascii: "/")).map { utf8.index(after: $0) } ?? utf8.startIndex
        let name = utf8[start...]
        if let dot = name.lastIndex(of: UInt8(ascii: ".")), dot != start { return String(path[start..<dot]) }
        return String(path[start...])
    }

    /// The id of a layout that keeps a folder per migration (diesel, Prisma): the name of the
    /// folder holding the file, or the file's stem for a file named alone.
    static func folderID(_ path: String) -> String {
        let folder = FilePairing.folder(Substring(path)).dropLast()
        return folder.isEmpty ? stem(path) : String(FilePairing.name(folder))
    }

    /// Where the bytes stop being UTF-8 text, as a position and a reason.
    static func textProblem(_ source: SourceText) -> (position: SourcePosition, reason: String)? {
        guard let offset = source.firstInvalidTextOffset else { return nil }
        let reason = source.bytes[offset] == 0
            ? "file is not text: NUL byte at byte \(offset)"
            : "file is not valid UTF-8 text: invalid byte 0x\(String(source.bytes[offset], radix: 16, uppercase: true)) at byte \(offset)"
        return (source.position(at: offset), reason)
    }

    /// A file read as forward statements only (no metadata, no DOWN), as `layout`: the
    /// starting point of layouts whose files are plain SQL.
    static func forwardOnly(_ input: MigrationInput, layout: LayoutKind, dialect: Dialect, depth: ParseDepth) -> MigrationFile {
        var file = PlainLayout().parse(input, dialect: dialect, depth: depth)
        file.layout = layout
        return file
    }

    /// Statements of a token range, read.
    static func statements(_ source: SourceText, in range: Range<Int>) -> [Statement] {
        StatementSplitter.split(source, in: range).map { StatementReader.read(source, tokens: $0) }
    }

    /// The index of the first non-trivia token at or after `from`, or `upper` if none.
    static func firstSignificant(_ source: SourceText, from: Int, upper: Int) -> Int {
        var i = from
        while i < upper, source.tokens[i].kind.isTrivia { i += 1 }
        return i
    }
}
