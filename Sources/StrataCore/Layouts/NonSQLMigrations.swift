import StrataSyntax

/// A kind of migration a tool runs that is not SQL: goose's Go migrations, Flyway's Java and
/// Kotlin ones. Such a file is part of the order (a later SQL migration may depend on what it
/// did), so Strata lists it, and `up` stops there until it is recorded as applied
/// (`strata mark-applied`) by the one who ran it with its tool.
///
/// A layout declares its kinds in `MigrationLayout.nonSQLMigrations`, by file extension: the
/// files are then found with the `.sql` files, given ids and ordered as the layout does for
/// SQL, and read as bytes (their checksum is of the bytes, as for SQL). Its `parse` starts with
/// `LayoutSupport.nonSQLFile` and its `migrations(among:)` leaves out the files of those
/// extensions that are not migrations (goose's `main.go`).
public struct NonSQLMigration: Sendable, Hashable {
    /// The language the file is written in: `Go`.
    public var language: String
    /// The tool that runs it: `goose`.
    public var tool: String

    public init(language: String, tool: String) {
        self.language = language
        self.tool = tool
    }

    /// What a user is told to do with migration `id`: run it with its tool, then record it.
    public func advice(id: String) -> String {
        "run it with \(tool), then record it with `strata mark-applied \(id)`"
    }
}

extension MigrationLayout {
    /// The kind of non-SQL migration a path names by its extension, if the layout has one.
    public func nonSQLMigration(ofPath path: String) -> NonSQLMigration? {
        guard !nonSQLMigrations.isEmpty, let dot = path.utf8.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let ext = String(path[path.utf8.index(after: dot)...])
        guard !ext.contains("/") else { return nil }
        return nonSQLMigrations[ext]
    }
}

extension LayoutSupport {
    /// A non-SQL migration read as what it is: its bytes (kept as source, for positions and for
    /// history comparisons), no sections, no metadata. Nil when `input` is SQL.
    static func nonSQLFile(_ input: MigrationInput, layout: any MigrationLayout, dialect: Dialect) -> MigrationFile? {
        guard let kind = layout.nonSQLMigration(ofPath: input.path) else { return nil }
        var file = MigrationFile(id: input.id, path: input.path, layout: layout.kind, source: SourceText(bytes: input.bytes, dialect: dialect))
        file.header = 0..<0
        file.nonSQL = kind
        return file
    }
}
