import StrataSyntax

/// How a folder of migrations is laid out.
public enum LayoutKind: String, Sendable, CaseIterable, Codable {
    /// One `NNNN_slug.sql` per migration with a metadata header and UP/DOWN sections.
    case strata
    /// Any `.sql` file read as forward statements, no metadata, no DOWN (as Squawk reads files).
    case plain
    /// dbmate: `-- migrate:up` / `-- migrate:down` in one file.
    case dbmate
    /// goose: `-- +goose Up` / `-- +goose Down` in one file, `StatementBegin/End` blocks.
    case goose
    /// golang-migrate (and ory/popx): `NNN_name.up.sql` with `NNN_name.down.sql`.
    case golangMigrate = "golang-migrate"
    /// diesel: a folder per migration holding `up.sql` and `down.sql`.
    case diesel
    /// Flyway: `V<version>__<description>.sql`, with `U<version>__...` undo files.
    case flyway
    /// sqlx (and the Supabase CLI): `<version>_<name>.sql` forward only, or
    /// `<version>_<name>.up.sql` / `.down.sql` pairs.
    case sqlx
    /// Prisma Migrate: `prisma/migrations/<timestamp>_<name>/migration.sql`, forward only.
    case prisma
    /// Drizzle Kit: `<NNNN>_<name>.sql` with `--> statement-breakpoint`, ordered by `meta/_journal.json`.
    case drizzle
    /// Atlas versioned migrations: `*.sql` with an `atlas.sum` integrity file.
    case atlas
    /// sql-migrate: `-- +migrate Up` / `-- +migrate Down` in one file.
    case sqlMigrate = "sql-migrate"
    /// Liquibase formatted SQL: `--liquibase formatted sql`, one migration per `--changeset`.
    case liquibaseSQL = "liquibase-sql"
    /// Sqitch: `sqitch.plan` with `deploy/`, `revert/` and `verify/` scripts.
    case sqitch
}

/// A `-- @key: value` line of the header.
public struct MetadataEntry: Sendable, Hashable {
    public var key: String
    public var value: String
    public var keyRange: SourceRange
    public var valueRange: SourceRange

    public init(key: String, value: String, keyRange: SourceRange, valueRange: SourceRange) {
        self.key = key
        self.value = value
        self.keyRange = keyRange
        self.valueRange = valueRange
    }
}

public enum SectionKind: String, Sendable, Hashable {
    case up = "UP"
    case down = "DOWN"
}

/// A `-- UP MIGRATION` / `-- DOWN MIGRATION` comment line.
public struct SectionMarker: Sendable, Hashable {
    public var kind: SectionKind
    public var range: SourceRange
    /// Index of the marker's comment token.
    public var tokenIndex: Int
}

/// The statements of one section, in file order, each keeping its position.
public struct MigrationSection: Sendable {
    public var kind: SectionKind
    /// The marker that opened it; nil for the plain layout's implicit UP section.
    public var marker: SectionMarker?
    /// Token range the section covers (after its marker, up to the next marker or the end).
    public var tokens: Range<Int>
    /// Every statement, a block's one by one: what the rules, suppressions and models read.
    public var statements: [Statement]
    /// Runs of two or more statements that their tool sends to the database as one piece of
    /// text (a goose `StatementBegin` … `StatementEnd` block), as ranges of indices into
    /// `statements`, in order; every other statement is sent on its own.
    public var blocks: [Range<Int>] = []

    /// The section as it is sent: ranges of indices into `statements`, one per statement,
    /// except a block, which is one.
    public var units: [Range<Int>] {
        var result: [Range<Int>] = []
        var next = 0
        for block in blocks {
            result += (next..<block.lowerBound).map { $0..<($0 + 1) }
            result.append(block)
            next = block.upperBound
        }
        return result + (next..<statements.count).map { $0..<($0 + 1) }
    }

    /// Adds statements read after another marker of the same kind, with their blocks.
    mutating func append(_ more: [Statement], blocks moreBlocks: [Range<Int>]) {
        let shift = statements.count
        blocks += moreBlocks.map { ($0.lowerBound + shift)..<($0.upperBound + shift) }
        statements += more
    }
}

/// One migration file, parsed: identity, metadata, sections, suppressions.
public struct MigrationFile: Sendable {
    /// The file stem (`0001_enhanced_schema`); for the plain layout, the path below the linted
    /// folder without `.sql`.
    public var id: String
    /// The path reporters show.
    public var path: String
    public var layout: LayoutKind
    /// The text, tokens and positions; nil when the file is not text.
    public var source: SourceText?
    /// Where and why the file is not UTF-8 text (binary, NUL bytes), if it is not.
    public var notText: (position: SourcePosition, reason: String)?
    public var metadata: [MetadataEntry]
    /// Tokens before the first section marker (or before the first statement when there is no UP marker).
    public var header: Range<Int>
    public var markers: [SectionMarker]
    /// Statements written above the first marker, which belong to no section.
    public var strayStatements: [Statement]
    public var up: MigrationSection?
    public var down: MigrationSection?
    public var suppressions: [Suppression]
    /// Where the separate DOWN file starts in `source` (which holds the UP file, a line break,
    /// then the DOWN file), for layouts that keep DOWN in a file of its own; nil otherwise.
    public var downFile: DownFilePart?
    /// What the settings file beside the migration says about running in a transaction
    /// (diesel's `metadata.toml`, Flyway's `V3__x.sql.conf`), for the layouts that read one.
    public var transactionSetting: TransactionSetting?
    /// What a separate DOWN file's own settings file says (a Flyway undo script's
    /// `U3__x.sql.conf`): for Flyway, DOWN follows it and not UP's.
    public var downTransactionSetting: TransactionSetting?
    /// What the file is when it is a migration Strata cannot run (a goose Go migration): it
    /// has no sections, and only the rules about names, order and history read it.
    public var nonSQL: NonSQLMigration?
    /// What the tool's integrity file says is wrong with this migration (Atlas's `atlas.sum`).
    public var integrityProblems: [String] = []
    /// For a migration that is one part of a file (a Liquibase changeset), its bytes as written:
    /// what `MigrationInput.content` holds and history compares (`source` holds the file's
    /// text up to it, the rest blanked, so positions are the file's).
    public var partContent: [UInt8]?

    public init(id: String, path: String, layout: LayoutKind, source: SourceText?,
                notText: (position: SourcePosition, reason: String)? = nil,
                metadata: [MetadataEntry] = [], header: Range<Int> = 0..<0, markers: [SectionMarker] = [],
                strayStatements: [Statement] = [], up: MigrationSection? = nil, down: MigrationSection? = nil,
                suppressions: [Suppression] = []) {
        self.id = id
        self.path = path
        self.layout = layout
        self.source = source
        self.notText = notText
        self.metadata = metadata
        self.header = header
        self.markers = markers
        self.strayStatements = strayStatements
        self.up = up
        self.down = down
        self.suppressions = suppressions
    }

    /// The numeric prefix of the id (`0001` of `0001_init`), if any.
    public var number: String? { MigrationFile.versionPrefix(of: id) }

    /// The version an id starts with: its leading digits, with dash-separated groups of digits
    /// after them (`0001` of `0001_init`, `2019-03-22-170700` of a diesel-style id), so that
    /// dated ids of one year are not taken for one number.
    public static func versionPrefix(of id: String) -> String? {
        guard let digits = numericPrefix(of: id) else { return nil }
        var end = id.utf8.index(id.utf8.startIndex, offsetBy: digits.utf8.count)
        let utf8 = id.utf8
        while end < utf8.endIndex, utf8[end] == UInt8(ascii: "-") {
            var next = utf8.index(after: end)
            let groupStart = next
            while next < utf8.endIndex, utf8[next] >= UInt8(ascii: "0"), utf8[next] <= UInt8(ascii: "9") { next = utf8.index(after: next) }
            guard next > groupStart else { break }
            end = next
        }
        return String(id[..<end])
    }

    public static func numericPrefix(of id: String) -> String? {
        // By bytes: every file of the set comes through here.
        let utf8 = id.utf8
        let end = utf8.firstIndex { $0 < UInt8(ascii: "0") || $0 > UInt8(ascii: "9") } ?? utf8.endIndex
        return end == utf8.startIndex ? nil : String(id[..<end])
    }

    /// The entries for a key, in file order.
    public func entries(_ key: String) -> [MetadataEntry] { metadata.filter { $0.key == key } }

    /// The value of a key given once; nil when absent.
    public func value(_ key: String) -> String? { metadata.first { $0.key == key }?.value }

    /// The parsed `@dependencies` list, or an empty one when absent or malformed
    /// (`invalid-metadata` reports the malformed case).
    public var dependencies: [String] {
        guard let raw = value(MetadataKey.dependencies.rawValue) else { return [] }
        return (try? MetadataValue.parseDependencies(raw)) ?? []
    }

    /// `@rollbackSafe`, when present and valid.
    public var rollbackSafe: Bool? { value(MetadataKey.rollbackSafe.rawValue).flatMap(MetadataValue.parseBool) }

    /// Where a finding about the whole file points: the UP marker, else the start of the file.
    public var anchor: SourcePosition { up?.marker?.range.start ?? .start }
}
